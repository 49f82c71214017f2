"""``ringkas batch`` (many articles, resumable) and ``ringkas worker`` (Redis job worker)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from service.commandline import friendly_errors, service_options, settings_options
from service.config import Settings
from service.languages import LANGUAGES

if TYPE_CHECKING:
    from service.client import RingkasClient


@click.command()
@click.argument("source", type=click.Path(exists=True, path_type=Path))
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Results, one JSON line per item; rerun with the same --out to resume.")
@click.option("--kind", type=click.Choice(["summarize", "translate"]), default=None,
              help="For items that do not say (default: summarize).")
@click.option("--length", default=None, help="short, medium, long, or a number of sentences.")
@click.option("--lang", "languages", multiple=True, type=click.Choice(LANGUAGES),
              help="Summary language(s); repeat for both.")
@click.option("--strategy", default=None, help="Summarisation strategy.")
@click.option("--chunk", default=32, show_default=True, type=click.IntRange(1, 1000),
              help="With --service: items per job.")
@click.option("--progress/--no-progress", default=True, show_default=True,
              help="The progress bar (on stderr).")
@friendly_errors
@service_options
@settings_options
def batch(source: Path, out: Path, kind: str | None, length: str | None,
          languages: tuple[str, ...], strategy: str | None, chunk: int, progress: bool,
          settings: Settings, client: RingkasClient | None) -> None:
    """Run every item of SOURCE into --out: SOURCE is a directory of .txt, .html and .json
    files (a .json file holds one request) or a .jsonl file of requests (summarize requests
    unless one says "kind": "translate"). Already-finished items of --out are skipped."""
    from tqdm import tqdm

    from service.jobs.batch import ResultWriter, finished_ids, read_items
    from service.runtime.batch_run import run_local, run_service

    defaults: dict[str, Any] = {}
    if kind:
        defaults["kind"] = kind
    if length:
        defaults["length"] = int(length) if length.isdigit() else length
    if languages:
        defaults["languages"] = list(languages)
    if strategy:
        defaults["strategy"] = strategy
    items = read_items(source, defaults)
    done = finished_ids(out)
    todo = [i for i in items if i.id not in done]
    skipped = len(items) - len(todo)
    writer = ResultWriter(out)
    bar = tqdm(total=len(items), initial=skipped, unit="item", disable=not progress,
               desc="ringkas batch")
    try:
        if client is not None:
            run_service(todo, client, writer, bar, chunk=chunk)
        elif todo:
            run_local(todo, settings, writer, bar)
    finally:
        bar.close()
        writer.close()
    click.echo(f"{len(items)} item(s): {skipped} already in {out}, {len(todo)} run now",
               err=True)


@click.command()
@click.option("--redis", "redis_url", envvar="RINGKAS_REDIS_URL", default=None,
              metavar="URL", help="Redis URL, e.g. redis://host:6379/0. [env RINGKAS_REDIS_URL]")
@click.option("--name", default=None, help="Worker name (default: RQ's host.pid name).")
@click.option("--burst", is_flag=True, help="Quit when the queue is empty.")
@friendly_errors
@settings_options
def worker(redis_url: str | None, name: str | None, burst: bool, settings: Settings) -> None:
    """Run job items from Redis (RQ) on models loaded once; start as many as you like, on
    as many machines as share the Redis."""
    import logging

    from redis import Redis

    from service.config import ConfigError
    from service.runtime.assembly import Runtime
    from service.runtime.redis_jobs import WORKER, WorkerContext, make_worker, roles_for_worker

    settings = settings.changed(redis_url=redis_url or settings.jobs.redis_url)
    if not settings.jobs.redis_url:
        raise ConfigError("ringkas worker needs a Redis: --redis URL or RINGKAS_REDIS_URL")
    if logging.getLogger().level > logging.INFO:
        logging.getLogger().setLevel(logging.INFO)
    connection = Redis.from_url(settings.jobs.redis_url)
    # The pipeline exactly as the service builds it: backends, compute types, decoding.
    rt = Runtime.build(settings, roles_for_worker(settings))
    WORKER.set(WorkerContext(rt.pipeline(), settings, connection, rt.glossaries.matchers))
    make_worker(settings, connection, name).work(burst=burst, logging_level="INFO")
