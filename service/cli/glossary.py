"""Glossary options of ``ringkas summarize`` / ``ringkas translate``, and ``ringkas
glossaries`` (what ``--glossary`` may name)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from service.commandline import friendly_errors, service_options, settings_options
from service.config import Settings

if TYPE_CHECKING:
    from service.client import RingkasClient

F = TypeVar("F", bound=Callable[..., Any])


def _terms(values: tuple[str, ...], terms_file: Path | None) -> dict[str, str]:
    from service.glossary import parse_entries

    entries: dict[str, str] = {}
    if terms_file is not None:
        fmt = "csv" if terms_file.suffix.lower() == ".csv" else "tsv"
        entries.update(parse_entries(terms_file.read_text(encoding="utf-8"), fmt))
    for value in values:
        source, sep, target = value.partition("=")
        if not sep:
            raise click.BadParameter(f"{value!r} is not SOURCE=TARGET", param_hint="--term")
        entries[source.strip()] = target.strip()
    return entries


def glossary_options(fn: F) -> F:
    """Adds --glossary, --term and --terms-file and passes ``glossary``: the request fields
    ({"glossary": ..., "glossary_entries": {...}}, only those given)."""

    @click.option("--glossary", "glossary_name", default=None, metavar="NAME",
                  help="A glossary (ringkas glossaries lists them): its terms are enforced, "
                       "or a glossary_not_applied warning names them.")
    @click.option("--term", "terms", multiple=True, metavar="SOURCE=TARGET",
                  help="A glossary entry for this request alone (repeat).")
    @click.option("--terms-file", type=click.Path(dir_okay=False, exists=True, path_type=Path),
                  help="Entries for this request alone from a TSV or CSV file "
                       "(source<TAB>target per line).")
    @functools.wraps(fn)
    def wrapper(*args: Any, glossary_name: str | None, terms: tuple[str, ...],
                terms_file: Path | None, **kwargs: Any) -> Any:
        fields: dict[str, Any] = {}
        if glossary_name:
            fields["glossary"] = glossary_name
        entries = _terms(terms, terms_file)
        if entries:
            fields["glossary_entries"] = entries
        return fn(*args, glossary=fields, **kwargs)

    return wrapper  # type: ignore[return-value]


@click.command("glossaries")
@friendly_errors
@settings_options
@service_options
def glossaries(settings: Settings, client: RingkasClient | None) -> None:
    """List the glossaries --glossary may name (RINGKAS_GLOSSARY_DIR's, or --service's)."""
    if client is not None:
        found = client.glossaries()
    else:
        from service.glossary.store import GlossaryStore

        found = [g.to_json() for g in GlossaryStore.from_settings(settings).list()]
    if not found:
        click.echo("no glossaries (set RINGKAS_GLOSSARY_DIR)", err=True)
    for g in found:
        kind = "server" if g["server"] else "api"
        click.echo(f"{g['name']}\t{g['source_lang']}->{g['target_lang']}\t"
                   f"{g['entry_count']} entries\t{kind}\t{g['glossary_id']}")
