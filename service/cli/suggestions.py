"""``ringkas suggestions list|approve|unapprove|export|clear``: the translations editors
suggested through LibreTranslate's ``POST /suggest`` (kept when RINGKAS_SUGGESTIONS is on),
for review; approved, as human translations the service uses instead of the model's; and
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
    @click.option("--approved/--not-approved", "approved", default=None,
                  help="Only the approved ones (used as human translations), or only the "
                       "others.")
    @wraps(fn)
    def wrapper(*args: Any, config_file: str | None, data_dir: str | None,
                key_id: int | None, anonymous: bool, pair: str | None,
                approved: bool | None, **kwargs: Any) -> Any:
        if anonymous and key_id is not None:
            raise click.UsageError("--key and --anonymous exclude each other")
        store = _open(config_file, data_dir)
        source, _, target = (pair or "-").partition("-")
        found = store.find(key_id=key_id, anonymous=anonymous, source=source or None,
                           target=target or None, approved=approved)
        return fn(*args, found=found, store=store, pair=pair, **kwargs)

    return wrapper  # type: ignore[return-value]


def _store_options(fn: F) -> F:
    """--config and --data-dir; passes ``store``."""

    @click.option("--config", "config_file", envvar="RINGKAS_CONFIG",
                  type=click.Path(dir_okay=False), help="A TOML settings file (its data_dir).")
    @click.option("--data-dir", default=None, metavar="DIR",
                  help="Where the service keeps suggestions.sqlite3. [env RINGKAS_DATA_DIR; "
                       "default ~/.local/share/ringkas]")
    @wraps(fn)
    def wrapper(*args: Any, config_file: str | None, data_dir: str | None,
                **kwargs: Any) -> Any:
        return fn(*args, store=_open(config_file, data_dir), **kwargs)

    return wrapper  # type: ignore[return-value]


def _open(config_file: str | None, data_dir: str | None) -> SuggestionStore:
    from service.suggestions import SuggestionStore, store_path

    settings = Settings.from_env(config_file=config_file)
    path = store_path(data_dir or settings.data_dir)
    if not path.exists():
        raise click.ClickException(f"no suggestions at {path} (the service keeps them "
                                   "there when RINGKAS_SUGGESTIONS is on)")
    return SuggestionStore(path)


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
    click.echo(f"{'id':>5}  {'created':<25} {'key':>4}  approved  pair   "
               "text -> suggestion")
    for sug in found:
        key = "-" if sug.key_id is None else str(sug.key_id)
        mark = "yes" if sug.approved_at else "-"
        click.echo(f"{sug.id:>5}  {sug.created_at:<25} {key:>4}  {mark:<8}  "
                   f"{sug.source}-{sug.target}  {_short(sug.q)} -> {_short(sug.s)}")


@suggestions.command("approve")
@click.argument("ids", nargs=-1, type=int, required=True)
@friendly_errors
@_store_options
def approve_suggestions(ids: tuple[int, ...], store: SuggestionStore) -> None:
    """Approve suggestions by id (as `list` shows them): each becomes a human translation,
    used instead of the model's for its exact sentence from the next request on (the last
    approved of one sentence wins)."""
    _set_approval(store, ids, True)


@suggestions.command("unapprove")
@click.argument("ids", nargs=-1, type=int, required=True)
@friendly_errors
@_store_options
def unapprove_suggestions(ids: tuple[int, ...], store: SuggestionStore) -> None:
    """Withdraw the approval of suggestions by id: the model translates their sentences
    again (or an earlier approved suggestion, or a TMX entry, of the same sentence)."""
    _set_approval(store, ids, False)


def _set_approval(store: SuggestionStore, ids: tuple[int, ...], approved: bool) -> None:
    done = store.approve(ids, approved)
    missing = [i for i in dict.fromkeys(ids) if i not in done]
    if approved:
        click.echo(f"approved {len(done)} suggestion(s)")
        multi = [s.id for s in store.find(approved=True)
                 if s.id in done and _sentences(s.q, s.source) > 1]
        if multi:
            click.echo("note: suggestion(s) " + ", ".join(map(str, multi)) + " hold more "
                       "than one sentence; texts are matched sentence by sentence, so these "
                       "are never used", err=True)
    else:
        click.echo(f"withdrew the approval of {len(done)} suggestion(s)")
    if missing:
        click.echo("no suggestion " + ", ".join(map(str, missing)) + f" in {store.path}",
                   err=True)
        raise SystemExit(1)


def _sentences(text: str, lang: str) -> int:
    from service.text.segment import split_sentences

    return len(split_sentences(text, lang))


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
