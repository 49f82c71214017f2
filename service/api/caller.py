"""Who is asking: the API key the auth hook found (``g.api_key_id``), read here only."""

from __future__ import annotations

from flask import g


def key_id() -> int | None:
    """The caller's API key id; None with keys off."""
    key: int | None = g.get("api_key_id")
    return key


def owner() -> str | None:
    """Who owns what a request creates (glossaries, jobs, documents, suggestions): the
    caller's key id; None with keys off (shared)."""
    key = key_id()
    return None if key is None else str(key)


def usage_key() -> int:
    """The count a request's characters go to: the caller's key; 0 with keys off (the
    process's one count)."""
    return key_id() or 0
