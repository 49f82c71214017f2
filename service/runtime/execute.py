"""Running one item through the pipeline: the same parse and pipeline calls as the sync
endpoints, so a job's result equals what ``/v1/summarize`` or ``/v1/translate`` answers."""

from __future__ import annotations

import dataclasses
import logging
import traceback
from collections.abc import Mapping
from typing import Any

from service.config import Limits
from service.contract.errors import error_object, error_of
from service.contract.jobs import FROZEN_GLOSSARY, thaw_glossary
from service.contract.requests import parse_summarize, parse_translate
from service.contract.serialize import summary_json, translation_json
from service.errors import RingkasError
from service.glossary.terms import Matchers
from service.overload import Deadline
from service.pipeline import Pipeline

log = logging.getLogger(__name__)
Outcome = tuple[dict[str, Any] | None, dict[str, Any] | None]  # (result, error)


def run_item(pipeline: Pipeline, kind: str, request: Mapping[str, Any], limits: Limits,
             deadline: Deadline | None, matchers: Matchers | None = None) -> dict[str, Any]:
    """The item's result JSON; a RingkasError is the item's own error. ``matchers``: the
    glossary store's, for the item's frozen glossary."""
    frozen = request.get(FROZEN_GLOSSARY)
    # A stored body has no glossary fields: its glossary was looked up and frozen at submit.
    body = {k: v for k, v in request.items() if k != FROZEN_GLOSSARY}
    glossary = thaw_glossary(frozen, matchers) if frozen else None
    if kind == "translate":
        treq = parse_translate(body, limits).resolve(None, None)
        treq = dataclasses.replace(treq, glossary=glossary)
        return translation_json(pipeline.translate(treq, deadline))
    req = parse_summarize(body, limits, pipeline.strategies).resolve(None, None)
    req = dataclasses.replace(req, glossary=glossary)
    return summary_json(pipeline.summarize(req, deadline), req)


def outcome(pipeline: Pipeline, kind: str, request: Mapping[str, Any], limits: Limits,
            deadline: Deadline | None, label: str, matchers: Matchers | None = None) -> Outcome:
    """Result or error JSON of one item; an unexpected exception is an ``internal_error``
    (logged by type and frames only: its message may quote the article)."""
    try:
        return run_item(pipeline, kind, request, limits, deadline, matchers), None
    except RingkasError as exc:
        return None, error_of(exc)
    except Exception as exc:
        log.error("item %s failed with %s\n%s", label, type(exc).__name__,
                  "".join(traceback.format_tb(exc.__traceback__)))
        return None, error_object("internal_error", "internal error while running this item; "
                                  "see the service log")
