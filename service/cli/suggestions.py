"""``ringkas suggestions list|export|clear``: the translations editors suggested through
LibreTranslate's ``POST /suggest`` (kept when RINGKAS_SUGGESTIONS is on), for review, and
for use as a glossary or as evaluation material."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any, TypeVar

import click

from service.commandline import friendly_errors
from service.config import Settings

if TYPE_CHECKING:
    from service.suggestions import Suggestion, SuggestionStore

F = TypeVar("F", bound=Callable[..., Any])
_PAIRS = ("id-en", "en-id")


def _filter_options(fn: F) -> F:
    """--config, --data-dir and the filters; passes ``found`` (the matching suggestions,
    oldest first), ``store`` and ``pair``."""

    @click.option("--config", "config_file", envvar="RINGKAS_CONFIG",
                  type=click.Path(dir_okay=False), help="A TOML settings file (its data_dir).")
    @click.option("--data-dir", default=None, metavar="DIR",
                  help="Where the service keeps suggestions.sqlite3. [env RINGKAS_DATA_DIR; "
                       "default ~/.local/share/ringkas]")
    @click.option("--key", "key_id", type=int, default=None, metavar="ID",
                  help="Only those sent with this API key (its id, as `ringkas keys list`).")
    @click.option("--anonymous", is_flag=True, help="Only those sent without a key.")
    @click.option("--pair", type=click.Choice(_PAIRS), default=None,
                  help="Only this language pair, SOURCE-TARGET.")
    @wraps(fn)
    def wrapper(*args: Any, config_file: str | None, data_dir: str | None,
                key_id: int | None, anonymous: bool, pair: str | None, **kwargs: Any) -> Any:
        from service.suggestions import SuggestionStore, store_path

        if anonymous and key_id is not None:
            raise click.UsageError("--key and --anonymous exclude each other")
        settings = Settings.from_env(config_file=config_file)
        path = store_path(data_dir or settings.data_dir)
        if not path.exists():
            raise click.ClickException(f"no suggestions at {path} (the service keeps them "
                                       "there when RINGKAS_SUGGESTIONS is on)")
        store = SuggestionStore(path)
        source, _, target = (pair or "-").partition("-")
        found = store.find(key_id=key_id, anonymous=anonymous, source=source or None,
                           target=target or None)
        return fn(*args, found=found, store=store, pair=pair, **kwargs)

    return wrapper  # type: ignore[return-value]


def _short(text: str, width: int = 40) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[:width - 1] + "…"


@click.group()
def suggestions() -> None:
    """Review and export suggested translations (LibreTranslate's /suggest)."""


@suggestions.command("list")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line, in full.")
@friendly_errors
@_filter_options
def list_suggestions(as_json: bool, found: list[Suggestion], store: SuggestionStore,
                     pair: str | None) -> None:
    """Show the suggestions: id, when, key, pair, text and suggestion (shortened)."""
    if as_json:
        for sug in found:
            click.echo(json.dumps(sug.to_json(), ensure_ascii=False))
        return
    if not found:
        click.echo(f"no suggestions match in {store.path}")
        return
    click.echo(f"{'id':>5}  {'created':<25} {'key':>4}  pair   text -> suggestion")
    for sug in found:
        key = "-" if sug.key_id is None else str(sug.key_id)
        click.echo(f"{sug.id:>5}  {sug.created_at:<25} {key:>4}  {sug.source}-{sug.target}  "
                   f"{_short(sug.q)} -> {_short(sug.s)}")


@suggestions.command("export")
@click.option("--format", "fmt", type=click.Choice(["glossary", "eval"]), default="glossary",
              show_default=True, help="glossary: SOURCE<TAB>TARGET lines (DeepL's glossary "
              "format; needs --pair); eval: JSONL rows keyed by language code.")
@click.option("--output", "-o", type=click.File("w", encoding="utf-8"), default="-",
              help="Write here instead of stdout.")
@friendly_errors
@_filter_options
def export_suggestions(fmt: str, output: Any, found: list[Suggestion], store: SuggestionStore,
                       pair: str | None) -> None:
    """Write the matching suggestions as a glossary or as evaluation material."""
    from service.suggestions import export_lines

    if fmt == "glossary" and pair is None:
        raise click.UsageError("a glossary holds one language pair: give --pair id-en or "
                               "--pair en-id")
    count = 0
    for line in export_lines(found, fmt):
        output.write(line + "\n")
        count += 1
    click.echo(f"{count} {'entries' if fmt == 'glossary' else 'rows'} from "
               f"{len(found)} suggestion(s)", err=True)


@suggestions.command("clear")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@friendly_errors
@_filter_options
def clear_suggestions(yes: bool, found: list[Suggestion], store: SuggestionStore,
                      pair: str | None) -> None:
    """Delete the matching suggestions (export them first)."""
    if not found:
        click.echo("no suggestions match")
        return
    if not yes:
        click.confirm(f"delete {len(found)} suggestion(s) from {store.path}?", abort=True)
    removed = store.remove(s.id for s in found)
    click.echo(f"deleted {removed} suggestion(s)")
