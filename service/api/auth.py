"""API-key authentication and rate limiting for the Flask app.

Both are ``before_request`` hooks, registered after the access log's (so every error carries
the request id) and in this order: auth decides who the caller is (``g.api_key_id``), then
flask-limiter counts the request against that key's budget (or, with keys off, the client
address's). Failures are raised as :mod:`service.errors` exceptions, so the one error mapper
(service/api/errors.py) answers them as JSON.
"""

from __future__ import annotations

import json
import logging
import time

from flask import Flask, g, request
from flask_limiter import ApplicationLimit, Limiter, RequestLimit

from service.api.body import read_body
from service.auth.store import KeyStore
from service.config import ConfigError, Settings
from service.config.rate_limits import rate_limit_string
from service.contract.routes import BODY_KEY_FIELDS, BODY_KEY_PATHS, is_public
from service.errors import DatabaseUnavailable, Forbidden, RateLimited, Unauthorized

log = logging.getLogger(__name__)

# DeepL's clients send ``Authorization: DeepL-Auth-Key <key>``.
_SCHEMES = frozenset({"bearer", "deepl-auth-key"})


def presented_keys() -> list[str]:
    """Every key the request presents: ``Authorization`` (``Bearer <key>`` or DeepL's
    ``DeepL-Auth-Key <key>``; any other scheme is a credential too, one that cannot be
    valid, so it is given as written), ``X-API-Key``, and on LibreTranslate's routes the
    body's ``api_key`` (or ``apiKey``)."""
    keys: list[str] = []
    auth = request.headers.get("Authorization", "").strip()
    if auth:
        scheme, _, token = auth.partition(" ")
        keys.append(token.strip() if scheme.lower() in _SCHEMES and token.strip() else auth)
    header = request.headers.get("X-API-Key", "").strip()
    if header:
        keys.append(header)
    if request.path in BODY_KEY_PATHS:
        keys += _body_keys()
    return keys


def _body_keys() -> list[str]:
    """Each key field of the body (``api_key``, ``apiKey``) that holds one: all are judged."""
    if request.mimetype == "application/json":
        try:  # cached: the view reads (and judges) the same bytes
            body = json.loads(read_body())
        except (ValueError, RecursionError):
            body = None
        values = [body.get(k) for k in BODY_KEY_FIELDS] if isinstance(body, dict) else []
    else:
        read_body()  # the limit applies before the form parser reads it
        # the query string too, as LibreTranslate
        values = [request.values.get(k) for k in BODY_KEY_FIELDS]
    return [v.strip() for v in values if isinstance(v, str) and v.strip()]


def init_auth(app: Flask, settings: Settings, store: KeyStore | None) -> None:
    """Register API-key checks (when there is a key ``store``: keys are required) and rate
    limits (when a default limit is set, or keys are on: a key may carry its own limit)."""
    default_limit = rate_limit_string(settings.auth.rate_limit)
    if store is not None:
        _register_auth(app, store)
        try:
            active = any(not k.revoked for k in store.list())
        except DatabaseUnavailable:
            active = True  # said when it was opened; each request tries again
        if not active:
            log.warning("API keys are required but %s holds no active key: every request but "
                        "health/ready will be refused; add one with `ringkas keys add NAME`",
                        store.where)
    if default_limit or store is not None:
        _register_limiter(app, settings, default_limit)


def _register_auth(app: Flask, store: KeyStore) -> None:
    @app.before_request
    def authenticate() -> None:
        if is_public(request.path):
            return
        keys = presented_keys()
        if not keys:
            raise Unauthorized("an API key is required: send 'Authorization: Bearer <key>' or "
                               "'X-API-Key: <key>'", code="missing_api_key")
        # One rule: every credential presented must be valid, and all must be one key.
        records = [store.verify(key) for key in dict.fromkeys(keys)]
        record = records[0]
        if record is None or any(r is None or r.id != record.id for r in records[1:]):
            raise Unauthorized("the API key is not valid" if len(records) == 1 else
                               "every credential sent must be the same valid API key",
                               code="invalid_api_key",
                               challenge='Bearer error="invalid_token"')
        g.api_key_id = record.id
        if record.revoked:
            # Says no more than that: the key's prefix and revocation time are the owner's.
            raise Forbidden("this API key was revoked", code="api_key_revoked")
        g.api_key_rate_limit = record.rate_limit


def _register_limiter(app: Flask, settings: Settings, default_limit: str) -> None:
    def limit_key() -> str:
        key_id = g.get("api_key_id")
        return f"key:{key_id}" if key_id is not None else f"addr:{request.remote_addr or '-'}"

    def current_limit() -> str:
        return g.get("api_key_rate_limit") or default_limit

    def breached(limit: RequestLimit) -> None:
        # reset_at is the window's end rounded up to a whole second: waiting this long is enough.
        retry_after = max(1, int(limit.reset_at - time.time()))
        raise RateLimited(f"rate limit of {limit.limit} exceeded; retry in {retry_after} s",
                          retry_after, limit=str(limit.limit))

    limiter = Limiter(
        limit_key,
        # An application limit: one budget per key across all routes, not one per route.
        application_limits=[ApplicationLimit(limit_provider=current_limit)],
        storage_uri=settings.auth.rate_limit_storage,
        strategy="fixed-window",
        headers_enabled=False,  # it would add Retry-After to every response; ours is on the 429
        on_breach=breached,
        key_prefix="ringkas",
    )
    limiter.request_filter(lambda: is_public(request.path))
    try:
        limiter.init_app(app)
    except Exception as exc:  # a bad storage URI or a missing storage driver
        raise ConfigError(f"RINGKAS_RATE_LIMIT_STORAGE {settings.auth.rate_limit_storage!r}: "
                          f"{exc}", code="invalid_rate_limit_storage") from None
