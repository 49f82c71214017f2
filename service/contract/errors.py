"""What an error looks like to each API family, in one table: ringkas's own
(``{"error": {"code", "message", "details"?, "request_id"?}}``), DeepL's (``{"message"}``,
with DeepL's statuses) and LibreTranslate's (``{"error": "message"}``, with its statuses).
Every answer carries ringkas's ``code`` too. The web layer picks the family of the route
that failed (:func:`service.contract.routes.family_of`) and sends what this returns."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from service.errors import RingkasError

Shape = Callable[[str, str, Mapping[str, Any] | None, str | None], dict[str, Any]]


@dataclass(frozen=True)
class ErrorAnswer:
    status: int
    body: dict[str, Any]
    headers: dict[str, str]


def error_object(code: str, message: str,
                 details: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """ringkas's error object: the ``error`` of an answer, and of a job item or document."""
    out: dict[str, Any] = {"code": code, "message": message}
    if details:
        out["details"] = dict(details)
    return out


def error_of(exc: RingkasError) -> dict[str, Any]:
    return error_object(exc.code, exc.message, exc.details)


def _ringkas(code: str, message: str, details: Mapping[str, Any] | None,
             request_id: str | None) -> dict[str, Any]:
    body = error_object(code, message, details)
    if request_id:
        body["request_id"] = request_id
    return {"error": body}


def _deepl(code: str, message: str, details: Mapping[str, Any] | None,
           request_id: str | None) -> dict[str, Any]:
    return {"message": message, "code": code}


def _libretranslate(code: str, message: str, details: Mapping[str, Any] | None,
                    request_id: str | None) -> dict[str, Any]:
    return {"error": message, "code": code}


@dataclass(frozen=True)
class Dialect:
    shape: Shape
    statuses: Mapping[int, int] = field(default_factory=dict)  # ringkas's status -> theirs
    code_statuses: Mapping[str, int] = field(default_factory=dict)  # before ``statuses``
    dropped_headers: frozenset[str] = frozenset()
    # The statuses are those of the family's own routes: a request no route took (a wrong
    # method, say) keeps HTTP's.
    routed_statuses_only: bool = False

    def answer(self, status: int, code: str, message: str, *,
               details: Mapping[str, Any] | None = None,
               headers: Mapping[str, str] | None = None,
               request_id: str | None = None, routed: bool = True) -> ErrorAnswer:
        if routed or not self.routed_statuses_only:
            status = self.code_statuses.get(code) or self.statuses.get(status, status)
        kept = {k: v for k, v in (headers or {}).items() if k not in self.dropped_headers}
        return ErrorAnswer(status, self.shape(code, message, details, request_id), kept)


DIALECTS: Mapping[str, Dialect] = {
    "ringkas": Dialect(_ringkas),
    # DeepL answers 403 to a missing or unknown key (its clients raise
    # AuthorizationException, not a challenge: no WWW-Authenticate), and 400 to every
    # request it cannot use; 413, 429, 456 and 503 are its own too. A download of a document
    # still being translated is 503 (DocumentNotReadyException); a failed one stays 409.
    "deepl": Dialect(_deepl, statuses={401: 403, 415: 400, 422: 400},
                     code_statuses={"document_not_ready": 503},
                     dropped_headers=frozenset({"WWW-Authenticate"})),
    # LibreTranslate answers 400 to every request it cannot use (a text over its character
    # limit too), and 403 to a refused key. Only a body over the server's byte limit is 413,
    # as any HTTP client expects.
    "libretranslate": Dialect(_libretranslate, statuses={401: 403, 413: 400, 415: 400, 422: 400},
                              code_statuses={"request_too_large": 413},
                              routed_statuses_only=True),
}
