"""Rate limits as settings: flask-limiter's limit strings, checked when they are read."""

from __future__ import annotations

from limits import parse_many

from service.errors import ConfigError

_DISABLED = {"", "off", "none", "0", "false", "no"}


def rate_limit_string(value: str | None, *, what: str = "RINGKAS_RATE_LIMIT") -> str:
    """A validated flask-limiter limit string ("120/minute", "10/second;1000/day"), or ""
    for none ("", "off", "none")."""
    value = (value or "").strip()
    if value.lower() in _DISABLED:
        return ""
    try:
        parse_many(value)
    except ValueError:
        raise ConfigError(f"{what}: {value!r} is not a rate limit; use e.g. '120/minute' or "
                          "'10/second;1000/day', or 'off'", code="invalid_rate_limit") from None
    return value
