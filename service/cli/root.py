"""The ``ringkas`` command: the same pipeline as the HTTP API, from a terminal."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from service.cli.bench import bench
from service.cli.glossary import glossaries, glossary_options
from service.cli.jobs import batch, worker
from service.cli.keys import keys
from service.cli.models import models
from service.cli.suggestions import suggestions
from service.commandline import LazyCommand, friendly_errors, service_options, settings_options
from service.config import Settings
from service.glossary.store import GlossaryStore
from service.languages import LANGUAGES
from service.pipeline.requests import DEFAULT_LENGTH, DEFAULT_STRATEGY
from service.runtime.assembly import build_pipeline

if TYPE_CHECKING:
    from service.client import RingkasClient, Summary, Translation
    from service.pipeline.pipeline import SummaryResult, TranslationResult


# Loggers whose INFO lines are progress a person waits on: converting a model to CTranslate2.
PROGRESS_LOGGERS = ("service.engine.ct2_cache",)


@click.group()
@click.option("--log-level", default="WARNING", show_default=True,
              type=click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"], case_sensitive=False))
def main(log_level: str) -> None:
    """ringkas: Indonesian news to trustworthy English."""
    logging.basicConfig(level=log_level.upper(),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # Steps that take minutes say so at the default level, so a first command is not silent
    # (--log-level ERROR silences them too).
    if logging.getLogger().level <= logging.WARNING:
        for name in PROGRESS_LOGGERS:
            logging.getLogger(name).setLevel(min(logging.getLogger().level, logging.INFO))


def _read(source: str) -> str:
    try:
        data = sys.stdin.buffer.read() if source == "-" else Path(source).read_bytes()
    except OSError as exc:
        raise click.ClickException(f"cannot read {source}: {exc.strerror or exc}") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise click.ClickException(f"{source} is not UTF-8 text") from None


@main.command()
@click.argument("source", default="-")
@click.option("--lang", "languages", multiple=True, type=click.Choice(LANGUAGES),
              help="Summary language(s); repeat for both. Default: en.")
@click.option("--length", default=DEFAULT_LENGTH, show_default=True,
              help="short, medium, long, or a number of sentences.")
@click.option("--strategy", default=DEFAULT_STRATEGY, show_default=True,
              help="translate-summarise, summarise-translate, direct, instruct or extractive.")
@click.option("--prompt", default=None, help="Prompt NAME[@vN] for --strategy instruct.")
@click.option("--html", is_flag=True, help="The input is HTML.")
@click.option("--title", default=None, help="The headline, if not the first line.")
@click.option("--json", "as_json", is_flag=True, help="Print the full response as JSON.")
@glossary_options
@friendly_errors
@settings_options
@service_options
def summarize(source: str, languages: tuple[str, ...], length: str, strategy: str,
              prompt: str | None, html: bool, title: str | None, as_json: bool,
              glossary: dict[str, Any], settings: Settings,
              client: RingkasClient | None) -> None:
    """Summarise an Indonesian article from FILE or - (stdin)."""
    from service.contract.requests import parse_summarize
    from service.pipeline.strategies import STRATEGIES, roles_needed

    body = {"text": _read(source), "html": html, "languages": list(languages or ["en"]),
            "strategy": strategy, "length": int(length) if length.isdigit() else length}
    if title:
        body["title"] = title
    if prompt:
        body["prompt"] = prompt
    body.update(glossary)
    result: SummaryResult | Summary
    if client is not None:  # the service validates; its error codes come back as errors
        result = client.summarize_body(body)
        answer = result.to_json()
    else:
        from service.contract.serialize import summary_json

        req = parse_summarize(body, settings.limits, STRATEGIES).resolve(
            GlossaryStore.from_settings(settings), None)
        roles = roles_needed([req.strategy], indonesian="id" in req.languages)
        result = build_pipeline(settings, roles).summarize(req)
        answer = summary_json(result, req)
    if as_json:
        click.echo(json.dumps(answer, ensure_ascii=False, indent=2))
        return
    for w in result.warnings:
        click.echo(f"warning [{w.code}]: {w.message}", err=True)
    for lang, text in result.summary.items():
        click.echo(f"[{lang}] {text}" if len(result.summary) > 1 else text)


@main.command()
@click.argument("source", default="-")
@click.option("--source-lang", "--from", "src", default="id", show_default=True,
              type=click.Choice(LANGUAGES))
@click.option("--target-lang", "--to", "tgt", default="en", show_default=True,
              type=click.Choice(LANGUAGES))
@glossary_options
@friendly_errors
@settings_options
@service_options
def translate(source: str, src: str, tgt: str, glossary: dict[str, Any], settings: Settings,
              client: RingkasClient | None) -> None:
    """Translate text from FILE or - (stdin), keeping paragraphs."""
    from service.contract.requests import parse_translate
    from service.pipeline.strategies import roles_needed

    text = _read(source)
    result: TranslationResult | Translation
    if client is not None:
        result = client.translate(text, source=src, target=tgt, **glossary)
    else:
        req = parse_translate({"text": text, "source": src, "target": tgt, **glossary},
                              settings.limits).resolve(GlossaryStore.from_settings(settings),
                                                       None)
        result = build_pipeline(settings, roles_needed(pairs=[(src, tgt)])).translate(req)
    for w in result.warnings:
        click.echo(f"warning [{w.code}]: {w.message}", err=True)
    click.echo(result.translation)


@main.command()
@click.option("--host", default=None, help="[env RINGKAS_HOST; default 127.0.0.1]")
@click.option("--port", default=None, type=int, help="[env RINGKAS_PORT; default 8000]")
@click.option("--threads", default=None, type=int,
              help="Server threads, raised to at least max-inflight + max-queue + 2 (26 "
                   "by default). [env RINGKAS_THREADS; default 4]")
@friendly_errors
@settings_options
def serve(host: str | None, port: int | None, threads: int | None, settings: Settings) -> None:
    """Serve the HTTP API (waitress). Models load before the port opens, unless
    RINGKAS_BACKGROUND_LOAD=1."""
    from service.api import create_app
    from service.server import check_port, refuse_shared_data_dir
    from service.server import serve as run_server

    if logging.getLogger().level > logging.INFO:
        logging.getLogger().setLevel(logging.INFO)  # a server should say what it does
    flags: dict[str, Any] = {"host": host, "port": port, "server_threads": threads}
    settings = settings.changed(**{k: v for k, v in flags.items() if v is not None})
    server = settings.server
    check_port(server.host, server.port)  # before minutes of model loading, not after
    refuse_shared_data_dir(settings)  # likewise
    app = create_app(settings)
    run_server(app, server.host, server.port, server.server_threads)


main.add_command(models)
main.add_command(keys)
main.add_command(suggestions)
main.add_command(batch)
main.add_command(worker)
# eval/ imports service; it is imported only when `ringkas eval` runs or describes itself,
# so a server never loads the evaluation code.
main.add_command(LazyCommand("eval", "eval.cli:eval_command"))
main.add_command(bench)
main.add_command(glossaries)
