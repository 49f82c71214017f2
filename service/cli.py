"""The ``ringkas`` command: the same pipeline as the HTTP API, from a terminal."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable, Iterable
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click

from service.cli_models import models
from service.config import Settings
from service.errors import RingkasError

F = TypeVar("F", bound=Callable[..., Any])

models_option = click.option(
    "--models", "models_dir", envvar="RINGKAS_MODELS_DIR", type=click.Path(file_okay=False),
    help="Directory with one model directory per role (the layout make-tiny writes).")


def friendly_errors(fn: F) -> F:
    """A RingkasError is a message for a person: print it, no stack trace, exit 2."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except RingkasError as exc:
            click.echo(f"error [{exc.code}]: {exc.message}", err=True)
            sys.exit(2)

    return wrapper  # type: ignore[return-value]


@click.group()
@click.option("--log-level", default="WARNING", show_default=True,
              type=click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"], case_sensitive=False))
def main(log_level: str) -> None:
    """ringkas: Indonesian news to trustworthy English."""
    logging.basicConfig(level=log_level.upper(),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def _read(source: str) -> str:
    try:
        data = sys.stdin.buffer.read() if source == "-" else Path(source).read_bytes()
    except OSError as exc:
        raise click.ClickException(f"cannot read {source}: {exc.strerror or exc}") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise click.ClickException(f"{source} is not UTF-8 text") from None


def _pipeline(settings: Settings, roles: Iterable[str]) -> Any:
    from service.engine.loading import load_engines
    from service.pipeline import Pipeline

    wanted = {r: settings.models[r] for r in dict.fromkeys(roles)}
    return Pipeline(load_engines(wanted), batch_size=settings.translate_batch_size)


@main.command()
@click.argument("source", default="-")
@click.option("--lang", "languages", multiple=True, type=click.Choice(["en", "id"]),
              help="Summary language(s); repeat for both. Default: en.")
@click.option("--length", default="medium", show_default=True,
              help="short, medium, long, or a number of sentences.")
@click.option("--strategy", default="translate-summarise", show_default=True)
@click.option("--html", is_flag=True, help="The input is HTML.")
@click.option("--title", default=None, help="The headline, if not the first line.")
@click.option("--json", "as_json", is_flag=True, help="Print the full response as JSON.")
@models_option
@friendly_errors
def summarize(source: str, languages: tuple[str, ...], length: str, strategy: str, html: bool,
              title: str | None, as_json: bool, models_dir: str | None) -> None:
    """Summarise an Indonesian article from FILE or - (stdin)."""
    from service.pipeline.strategies import STRATEGIES
    from service.schemas import parse_summarize

    settings = Settings.from_env(models_dir=models_dir)
    body = {"text": _read(source), "html": html, "languages": list(languages or ["en"]),
            "strategy": strategy, "length": int(length) if length.isdigit() else length}
    if title:
        body["title"] = title
    req = parse_summarize(body, settings.limits, STRATEGIES)
    roles = [*STRATEGIES[req.strategy].roles, *(["translate_en_id"] if "id" in req.languages
                                                  else [])]
    result = _pipeline(settings, roles).summarize(req)
    if as_json:
        click.echo(json.dumps(result.to_json(), ensure_ascii=False, indent=2))
        return
    for w in result.warnings:
        click.echo(f"warning [{w.code}]: {w.message}", err=True)
    for lang, text in result.summary.items():
        click.echo(f"[{lang}] {text}" if len(result.summary) > 1 else text)


@main.command()
@click.argument("source", default="-")
@click.option("--source-lang", "--from", "src", default="id", show_default=True,
              type=click.Choice(["id", "en"]))
@click.option("--target-lang", "--to", "tgt", default="en", show_default=True,
              type=click.Choice(["id", "en"]))
@models_option
@friendly_errors
def translate(source: str, src: str, tgt: str, models_dir: str | None) -> None:
    """Translate text from FILE or - (stdin), keeping paragraphs."""
    from service.schemas import parse_translate

    settings = Settings.from_env(models_dir=models_dir)
    req = parse_translate({"text": _read(source), "source": src, "target": tgt},
                          settings.limits)
    role = "translate_id_en" if src == "id" else "translate_en_id"
    result = _pipeline(settings, [role]).translate(req)
    for w in result.warnings:
        click.echo(f"warning [{w.code}]: {w.message}", err=True)
    click.echo(result.translation)


@main.command()
@click.option("--host", envvar="RINGKAS_HOST", default="127.0.0.1", show_default=True)
@click.option("--port", envvar="RINGKAS_PORT", default=8000, show_default=True, type=int)
@click.option("--threads", envvar="RINGKAS_THREADS", default=4, show_default=True, type=int)
@models_option
@friendly_errors
def serve(host: str, port: int, threads: int, models_dir: str | None) -> None:
    """Serve the HTTP API (waitress). Models load before the port opens, unless
    RINGKAS_BACKGROUND_LOAD=1."""
    from service.api import create_app
    from service.server import serve as run_server

    if logging.getLogger().level > logging.INFO:
        logging.getLogger().setLevel(logging.INFO)  # a server should say what it does
    settings = Settings.from_env(models_dir=models_dir, host=host, port=port,
                                 server_threads=threads)
    app = create_app(settings)
    run_server(app, settings.host, settings.port, settings.server_threads)


main.add_command(models)
