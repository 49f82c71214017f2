"""Running ``ringkas batch`` items: here on local models, or as jobs of a ringkas service."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from service.config import Limits, Settings
from service.contract.errors import error_object
from service.contract.jobs import parse_item
from service.jobs.batch import BatchItem, ResultWriter
from service.jobs.model import FINAL, ITEM_FINAL, Item
from service.overload import Deadline
from service.runtime.execute import outcome

if TYPE_CHECKING:
    from tqdm import tqdm

    from service.client import RingkasClient

_TOO_BIG = frozenset({"request_too_large", "too_many_items"})


def _roles(item: Item, limits: Limits) -> list[str]:
    """The models a parsed item needs, with its request's defaults as its spec fills them."""
    from service.contract.jobs import FROZEN_GLOSSARY
    from service.contract.requests import SUMMARIZE, TRANSLATE
    from service.contract.spec import SpecContext
    from service.pipeline.strategies import STRATEGIES, roles_needed

    body = {k: v for k, v in item.request.items() if k != FROZEN_GLOSSARY}
    if item.kind == "translate":
        req = TRANSLATE.validate(body, SpecContext(limits))
        return roles_needed(pairs=[(req["source"], req["target"])])
    req = SUMMARIZE.validate(body, SpecContext(limits, tuple(STRATEGIES)))
    return roles_needed([req["strategy"]], indonesian="id" in req["languages"])


def run_local(items: Sequence[BatchItem], settings: Settings, writer: ResultWriter,
              bar: tqdm) -> None:
    """Validate every item first (a bad one fails alone, as in a job), load just the models
    the good ones need, then run them in order."""
    from service.glossary.store import GlossaryStore
    from service.pipeline.strategies import STRATEGIES
    from service.runtime.assembly import build_pipeline

    # glossaries as `ringkas summarize` finds them: server-wide and the data dir's
    store = GlossaryStore.from_settings(settings)
    parsed = [(b, parse_item(i, b.body, settings.limits, STRATEGIES).resolve(store, None))
              for i, b in enumerate(items)]
    roles = [r for b, it in parsed if b.error is None and it.error is None
             for r in _roles(it, settings.limits)]
    pipeline = build_pipeline(settings, roles) if roles else None
    for b, it in parsed:
        error = b.error or it.error
        if error is not None or pipeline is None:
            writer.write(b, it.kind, None, error)
        else:
            result, error = outcome(pipeline, it.kind, it.request, settings.limits,
                                    Deadline.after(settings.jobs.job_item_timeout_s), b.id)
            writer.write(b, it.kind, result, error)
        bar.update(1)


def run_service(items: Sequence[BatchItem], client: RingkasClient, writer: ResultWriter,
                bar: tqdm, *, chunk: int = 32, poll_s: float = 0.5) -> None:
    """Items go to the service as jobs of ``chunk`` items; each result is written as soon
    as the service reports it. Interrupted (Ctrl-C), the job in flight is cancelled."""
    for start in range(0, len(items), chunk):
        part = list(items[start:start + chunk])
        for b in part:
            if b.error is not None:
                writer.write(b, "summarize", None, b.error)
                bar.update(1)
        part = [b for b in part if b.error is None]
        if part:
            _run_job(part, client, writer, bar, poll_s)


def _run_job(part: Sequence[BatchItem], client: RingkasClient, writer: ResultWriter,
             bar: tqdm, poll_s: float) -> None:
    from service.client import ServiceError

    # The service echoes indexes; batch ids (file paths) need not fit its id field.
    bodies = [{k: v for k, v in b.body.items() if k != "id"} if isinstance(b.body, Mapping)
              else b.body for b in part]
    try:
        job = client.submit_job(bodies)
    except ServiceError as exc:
        if exc.code in _TOO_BIG and len(part) > 1:  # over the service's limits: halve it
            half = len(part) // 2
            _run_job(part[:half], client, writer, bar, poll_s)
            _run_job(part[half:], client, writer, bar, poll_s)
            return
        if exc.code in _TOO_BIG:
            writer.write(part[0], "summarize", None,
                         error_object(exc.code, exc.message, exc.details))
            bar.update(1)
            return
        if exc.code != "no_valid_items":
            raise
        errors = {e.get("index"): e for e in exc.details.get("errors", [])}
        for i, b in enumerate(part):
            err = {k: v for k, v in errors.get(i, {"code": exc.code, "message": exc.message})
                   .items() if k != "index"}
            writer.write(b, "summarize", None, err)
            bar.update(1)
        return
    written: set[int] = set()
    try:
        while True:
            _write_finished(job, part, written, writer, bar)
            if job["status"] in FINAL:
                return
            time.sleep(poll_s)
            job = client.get_job(job["id"])
    except BaseException:
        if len(written) < len(part):
            # Best effort: the rerun resubmits what is missing anyway.
            with contextlib.suppress(Exception):
                client.cancel_job(job["id"])
        raise


def _write_finished(job: Mapping[str, Any], part: Sequence[BatchItem], written: set[int],
                    writer: ResultWriter, bar: tqdm) -> None:
    for it in job.get("items", []):
        i = it["index"]
        if i in written or it["status"] not in ITEM_FINAL or it["status"] == "cancelled":
            continue
        writer.write(part[i], it["kind"], it.get("result"), it.get("error"))
        written.add(i)
        bar.update(1)
