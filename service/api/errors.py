"""The one place where exceptions become JSON error responses, in the dialect of the API
family the request belongs to (ringkas's, DeepL's or LibreTranslate's: the table is
service/contract/errors.py)."""

from __future__ import annotations

import logging
import traceback
from collections.abc import Mapping

from flask import Flask, Response, g, jsonify, request
from werkzeug.exceptions import HTTPException

from service.api.body import body_limit_message, discard_unread_body
from service.contract.errors import DIALECTS
from service.contract.routes import family_of, not_served
from service.errors import RingkasError

log = logging.getLogger(__name__)

_HTTP_CODES = {
    404: "not_found",
    405: "method_not_allowed",
    413: "request_too_large",
    415: "unsupported_media_type",
    429: "rate_limited",  # normally raised as RateLimited (service/api/auth.py)
}


def _reply(status: int, code: str, message: str, details: Mapping[str, object] | None = None,
           headers: Mapping[str, str] | None = None) -> tuple[Response, int]:
    g.error_code = code
    answer = DIALECTS[family_of(request.path)].answer(
        status, code, message, details=details, headers=headers,
        request_id=getattr(g, "request_id", None), routed=request.url_rule is not None)
    response = jsonify(answer.body)
    response.headers.update(answer.headers)
    return response, answer.status


def allow_header(exc: HTTPException) -> dict[str, str]:
    """The methods a 405's resource does allow (RFC 9110 requires Allow on every 405)."""
    return {k: v for k, v in exc.get_headers() if k == "Allow"}


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(RingkasError)
    def ringkas_error(exc: RingkasError) -> tuple[Response, int]:
        return _reply(exc.status, exc.code, exc.message, exc.details, exc.headers)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> tuple[Response, int]:
        status = exc.code or 500
        message = exc.description or exc.name
        if status == 413:
            discard_unread_body()
            return _reply(413, "request_too_large", body_limit_message(),
                          {"limit": app.config.get("MAX_CONTENT_LENGTH")})
        if status == 404 and request.url_rule is None and (why := not_served(request.path)):
            return _reply(404, "not_served", why)
        return _reply(status, _HTTP_CODES.get(status, "http_error"), message,
                      headers=allow_header(exc))

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> tuple[Response, int]:
        # Frames only, never the exception's message: it may quote the article.
        log.error("unhandled %s in request %s\n%s", type(exc).__name__,
                  getattr(g, "request_id", "-"), "".join(traceback.format_tb(exc.__traceback__)))
        return _reply(500, "internal_error", "internal error; the request id is in the logs")
