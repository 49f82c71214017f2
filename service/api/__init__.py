"""The Flask application factory."""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Mapping
from urllib.parse import quote

from flask import Flask, Response, g, request
from werkzeug.middleware.proxy_fix import ProxyFix

from service.api import (
    deepl,
    deepl_documents,
    deepl_glossaries,
    documents,
    glossaries,
    health,
    jobs,
    libretranslate,
    metrics,
    models,
    openapi,
    summarize,
    translate,
    web,
)
from service.api.auth import init_auth
from service.api.caller import key_id
from service.api.errors import register_error_handlers
from service.api.runtime import EXTENSION
from service.config import Settings
from service.contract.routes import SECRET_PATHS
from service.engine import Engine
from service.runtime.assembly import EngineLoader, Runtime
from service.runtime.metrics import Metrics
from service.runtime.services import Services

log = logging.getLogger("service.access")
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")


def create_app(settings: Settings | None = None, *, engines: Mapping[str, Engine] | None = None,
               loader: EngineLoader | None = None) -> Flask:
    """Build the app. ``engines`` injects ready models; otherwise ``loader`` (default: the
    configured models, from hub cache or dirs) runs now, or in a thread with background_load.
    """
    settings = settings or Settings.from_env()
    app = Flask(__name__)
    proxies = settings.server.trusted_proxies
    if proxies:  # the client address and scheme from the proxies' headers
        app.wsgi_app = ProxyFix(app.wsgi_app,  # type: ignore[method-assign]
                                x_for=proxies, x_proto=proxies)
    app.config["MAX_CONTENT_LENGTH"] = settings.limits.max_request_bytes
    # A form field (LibreTranslate's q) may be as large as the body itself: one limit.
    app.config["MAX_FORM_MEMORY_SIZE"] = settings.limits.max_request_bytes
    app.json.sort_keys = False  # type: ignore[attr-defined]
    # ASCII-escaped JSON: a lone surrogate echoed from a request (a field name, say) must
    # never make the error response itself unencodable.
    app.json.ensure_ascii = True  # type: ignore[attr-defined]

    rt = Runtime(settings)
    watching = Metrics.watching(rt)  # before the start: it counts the engines' tokens
    rt.start(rt.served_roles, engines=engines, loader=loader,
             background=settings.server.background_load)
    services = Services.build(rt, watching)
    app.extensions[EXTENSION] = services
    metrics.time_requests(app, watching)

    for bp in (health.bp, models.bp, summarize.bp, translate.bp, libretranslate.bp, deepl.bp,
               openapi.bp, openapi.docs_blueprint(), metrics.bp, web.bp, jobs.bp, documents.bp,
               deepl_documents.bp, deepl_glossaries.bp, glossaries.bp):
        app.register_blueprint(bp)
    register_error_handlers(app)
    _access_log(app)
    # After the access log's hook: auth errors carry the request id.
    init_auth(app, settings, services.keys)
    return app


def _logged_path() -> str:
    """The request's path, or its route's template when the path holds a secret."""
    rule = request.url_rule
    return SECRET_PATHS.get(rule.rule, request.path) if rule is not None else request.path


def _access_log(app: Flask) -> None:
    """One line per request: ids, sizes, timings and codes; never the text."""

    @app.before_request
    def start() -> None:
        g.started = time.perf_counter()
        given = request.headers.get("X-Request-ID", "")
        # A client's id is kept only when it is a plain token: it goes into log lines.
        g.request_id = given if _REQUEST_ID.fullmatch(given) else uuid.uuid4().hex

    @app.after_request
    def finish(response: Response) -> Response:
        response.headers["X-Request-ID"] = g.get("request_id", "")
        elapsed = (time.perf_counter() - g.get("started", time.perf_counter())) * 1000
        log.info("request_id=%s method=%s path=%s status=%s code=%s key=%s bytes_in=%s "
                 "bytes_out=%s ms=%.1f", g.get("request_id"), request.method,
                 # Percent-encoded: neither a newline (a forged line) nor a space or "="
                 # (forged fields) from a URL reaches the line as itself.
                 quote(_logged_path(), safe="/-._~!$&'()*+,;:@{}", errors="backslashreplace"),
                 response.status_code, g.get("error_code", "-"), _or_dash(key_id()),
                 request.content_length or 0,
                 # A streamed answer's size is not known yet (and counting it would
                 # read the whole stream before its first event is sent).
                 response.calculate_content_length() if response.is_sequence else "-",
                 elapsed)
        return response


def _or_dash(value: object) -> object:
    return "-" if value is None else value
