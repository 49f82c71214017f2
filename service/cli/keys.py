"""``ringkas keys add|list|revoke``: the API keys the service accepts when
RINGKAS_REQUIRE_API_KEYS is on."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

from service.commandline import friendly_errors
from service.config import Settings

if TYPE_CHECKING:
    from service.auth.store import KeyStore

F = TypeVar("F", bound=Callable[..., Any])


def _store_options(fn: F) -> F:
    """--db and --config; passes ``store`` (a KeyStore on the configured database)."""
    from functools import wraps

    @click.option("--config", "config_file", envvar="RINGKAS_CONFIG",
                  type=click.Path(dir_okay=False),
                  help="A TOML settings file (its database_url, keys_db).")
    @click.option("--db", "db", default=None, metavar="PATH|URL",
                  help="The key database: an SQLite file, or a database URL "
                       "(postgresql://...). [env RINGKAS_DATABASE_URL, else the SQLite file "
                       "RINGKAS_KEYS_DB; default ~/.local/share/ringkas/keys.sqlite3]")
    @wraps(fn)
    def wrapper(*args: Any, config_file: str | None, db: str | None, **kwargs: Any) -> Any:
        from service.auth.store import KeyStore
        from service.db.database import Database, sqlite_url

        settings = Settings.from_env(config_file=config_file)
        if db is not None:
            settings = settings.changed(database_url=db if "://" in db else sqlite_url(db))
        return fn(*args, store=KeyStore(Database.from_settings(settings)), **kwargs)

    return wrapper  # type: ignore[return-value]


@click.group()
def keys() -> None:
    """Manage API keys (needed only with RINGKAS_REQUIRE_API_KEYS=1)."""


def _char_limit(value: str) -> int | None:
    """A quota from the command line: a whole number of characters, or off."""
    if value.strip().lower() in ("off", "none"):
        return None
    try:
        limit = int(value.replace("_", "").replace(",", ""))
    except ValueError:
        limit = -1
    if limit < 0:
        raise click.BadParameter(f"{value!r} is not a number of characters; use e.g. "
                                 "500000, or off")
    return limit


@keys.command("add")
@click.argument("name")
@click.option("--rate-limit", default=None, metavar="LIMIT",
              help="This key's own limit, e.g. '30/minute' (default: RINGKAS_RATE_LIMIT).")
@click.option("--char-limit", default=None, metavar="CHARS",
              help="Characters this key may translate a month through the DeepL-compatible "
                   "/v2/translate (default: no quota).")
@friendly_errors
@_store_options
def add_key(name: str, rate_limit: str | None, char_limit: str | None,
            store: KeyStore) -> None:
    """Create a key for NAME and print it (once: only its hash is kept)."""
    from service.config.rate_limits import rate_limit_string

    if rate_limit is not None:
        rate_limit = rate_limit_string(rate_limit, what="--rate-limit") or None
    chars = _char_limit(char_limit) if char_limit is not None else None
    key_id, plaintext = store.add(name, rate_limit=rate_limit, char_limit=chars)
    click.echo(plaintext)
    limits = [x for x in (rate_limit, f"{chars} characters a month" if chars is not None
                          else None) if x]
    click.secho(f"key {key_id} ({name!r}{''.join(f', {x}' for x in limits)}) created in "
                f"{store.where}. Store the key above now: it is shown only this once and "
                "cannot be recovered (only its hash is kept).", err=True, fg="yellow",
                bold=True)


@keys.command("list")
@friendly_errors
@_store_options
def list_keys(store: KeyStore) -> None:
    """Show every key: id, name, prefix, created, revoked, rate limit, and characters
    translated this month of its quota (never the key)."""
    records = store.list()
    if not records:
        click.echo(f"no API keys in {store.where}; add one with `ringkas keys add NAME`")
        return
    click.echo(f"{'id':>4}  {'name':<24} {'prefix':<15} {'created':<26} {'revoked':<26} "
               f"{'rate limit':<14} characters this month")
    for r in records:
        used = store.usage(r.id)
        quota = f"{used.characters} of {used.limit}" if used.limit is not None else (
            f"{used.characters} (no quota)")
        click.echo(f"{r.id:>4}  {r.name:<24} {r.prefix + '...':<15} {r.created_at:<26} "
                   f"{r.revoked_at or '-':<26} {r.rate_limit or 'default':<14} {quota}")


@keys.command("quota")
@click.argument("key")
@click.argument("chars")
@friendly_errors
@_store_options
def set_quota(key: str, chars: str, store: KeyStore) -> None:
    """Set KEY's monthly character quota (CHARS characters, or off); KEY by id or prefix.
    What it translated this month still counts."""
    record = store.set_char_limit(key, _char_limit(chars))
    used = store.usage(record.id)
    quota = (f"{record.char_limit} characters a month" if record.char_limit is not None
             else "no quota")
    click.echo(f"key {record.id} ({record.name!r}, {record.prefix}...): {quota}; "
               f"{used.characters} used in {used.period}")


@keys.command("copy")
@click.argument("source", metavar="FROM")
@friendly_errors
@_store_options
def copy_keys(source: str, store: KeyStore) -> None:
    """Copy every key, with its id, quota and this month's usage, from FROM (an SQLite file
    or a database URL) into the configured database, which must hold no key yet: e.g. from
    keys.sqlite3 into the PostgreSQL of RINGKAS_DATABASE_URL. The keys stay valid; FROM is
    upgraded to this release's tables first, as opening it would."""
    from service.auth.store import KeyStore
    from service.db.database import Database, parse_url, sqlite_url

    url = source if "://" in source else sqlite_url(source)
    if url.startswith("sqlite") and not os.path.isfile(parse_url(url).database or ""):
        raise click.BadParameter(f"no such file: {source}", param_hint="FROM")
    origin = KeyStore(Database(url))
    copied = store.copy_from(origin)
    click.echo(f"{copied} keys copied from {origin.where} into {store.where}")


@keys.command("revoke")
@click.argument("key")
@friendly_errors
@_store_options
def revoke_key(key: str, store: KeyStore) -> None:
    """Revoke KEY, given by id or prefix (rk_...); requests with it get 403 from then on."""
    before = store.get(key)
    record = store.revoke(before.id)
    state = "was already revoked" if before.revoked else "revoked"
    click.echo(f"key {record.id} ({record.name!r}, {record.prefix}...) {state} at "
               f"{record.revoked_at}")
