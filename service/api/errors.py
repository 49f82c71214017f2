"""The one place where exceptions become JSON error responses: ringkas's shape
(``{"error": {"code", "message", ...}}``), or, under DeepL's paths, DeepL's
(``{"message": ...}`` with its statuses). LibreTranslate's routes answer in theirs through
their blueprint's handlers (service/api/libretranslate.py)."""

from __future__ import annotations

import logging
import traceback

from flask import Flask, Response, g, jsonify, request
from werkzeug.exceptions import HTTPException

from service.api.body import body_limit_message, discard_unread_body
from service.contract.routes import is_deepl, is_libretranslate
from service.errors import RingkasError

log = logging.getLogger(__name__)

_HTTP_CODES = {
    404: "not_found",
    405: "method_not_allowed",
    413: "request_too_large",
    415: "unsupported_media_type",
    429: "rate_limited",  # normally raised as RateLimited (service/api/auth.py)
}


# DeepL answers 403 to a missing or unknown key (its clients raise AuthorizationException),
# and 400 to every request it cannot use; 413, 429, 456 and 503 are its own too.
_DEEPL_STATUS = {401: 403, 415: 400, 422: 400}
# DeepL answers a download of a document still being translated with 503 (its clients
# raise DocumentNotReadyException); a failed one stays 409.
_DEEPL_CODE_STATUS = {"document_not_ready": 503}


def _reply(status: int, code: str, message: str, details: dict[str, object] | None = None,
           headers: dict[str, str] | None = None) -> tuple[Response, int]:
    if is_deepl(request.path):
        return _deepl_reply(status, code, message, headers)
    if is_libretranslate(request.path):  # what routing refuses before the blueprint's own
        return lt_reply(status, code, message, headers)
    body: dict[str, object] = {"code": code, "message": message}
    if details:
        body["details"] = details
    if getattr(g, "request_id", None):
        body["request_id"] = g.request_id
    g.error_code = code
    response = jsonify({"error": body})
    response.headers.update(headers or {})
    return response, status


def lt_reply(status: int, code: str, message: str,
             headers: dict[str, str] | None = None) -> tuple[Response, int]:
    """LibreTranslate's error shape: ``{"error": "message"}`` (and ringkas's code)."""
    g.error_code = code
    response = jsonify({"error": message, "code": code})
    response.headers.update(headers or {})
    return response, status


def _deepl_reply(status: int, code: str, message: str,
                 headers: dict[str, str] | None) -> tuple[Response, int]:
    g.error_code = code
    response = jsonify({"message": message, "code": code})
    # A DeepL client answers a missing key as AuthorizationException, not a challenge.
    response.headers.update({k: v for k, v in (headers or {}).items()
                             if k != "WWW-Authenticate"})
    return response, _DEEPL_CODE_STATUS.get(code) or _DEEPL_STATUS.get(status, status)


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
        return _reply(status, _HTTP_CODES.get(status, "http_error"), message,
                      headers=allow_header(exc))

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> tuple[Response, int]:
        # Frames only, never the exception's message: it may quote the article.
        log.error("unhandled %s in request %s\n%s", type(exc).__name__,
                  getattr(g, "request_id", "-"), "".join(traceback.format_tb(exc.__traceback__)))
        return _reply(500, "internal_error", "internal error; the request id is in the logs")
