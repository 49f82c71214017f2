"""What can go wrong talking to ringkas, as exceptions.

Every exception this package raises on purpose derives from :class:`RingkasClientError`:

- :class:`ServiceError`: the service answered with an error. ``status`` is the HTTP status,
  ``code`` the service's stable error code (``unsupported_language_pair``, ``overloaded``...),
  ``message`` its explanation and ``details`` its ``details`` object. Its subclasses are
  chosen by status and code (:func:`error_class`), so a caller can catch what it can handle.
- :class:`TransportError`: no usable answer (the service could not be reached, timed out, or
  answered something that is not the JSON it should have).
- :class:`JobTimeoutError`: a job did not finish within the time a caller would wait.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from ringkas_client.results import Job


class RingkasClientError(Exception):
    """Base of every error of this client; ``code``, ``message`` and ``details`` always set."""

    default_code: ClassVar[str] = "client_error"

    def __init__(self, message: str, *, code: str | None = None,
                 details: Mapping[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code or self.default_code
        self.details: dict[str, Any] = dict(details or {})


class ServiceError(RingkasClientError):
    """An error answer from the service: ``status`` and ``code`` as it sent them.

    ``request_id`` is the id to quote to an operator (the service logs it); ``retry_after_s``
    is the service's ``Retry-After`` in seconds, when it sent one (429, 503)."""

    default_code = "http_error"

    def __init__(self, status: int, code: str, message: str, *,
                 details: Mapping[str, Any] | None = None, request_id: str | None = None,
                 retry_after_s: float | None = None) -> None:
        super().__init__(message, code=code, details=details)
        self.status = status
        self.request_id = request_id
        self.retry_after_s = retry_after_s

    def __str__(self) -> str:
        return f"{self.status} {self.code}: {self.message}"

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(status={self.status!r}, code={self.code!r}, "
                f"message={self.message!r})")


class InvalidRequestError(ServiceError):
    """400, 405, 415, 422: a request the service cannot use (a bad field, an unsupported
    language pair, an unknown strategy, a document it cannot read...). Sending it again
    will not help."""


class PayloadTooLargeError(InvalidRequestError):
    """413 (and the size codes the LibreTranslate and DeepL routes answer with 400): a text,
    a list, a document or a body over one of the service's limits (``details.limit``)."""


class AuthenticationError(ServiceError):
    """401, 403: no API key, an unknown one, or a revoked one."""


class NotFoundError(ServiceError):
    """404: no such route, job (or one expired), glossary, or translated file."""


class ConflictError(ServiceError):
    """409: e.g. cancelling a job that already finished (``job_finished``)."""


class QuotaExceededError(ServiceError):
    """456 (DeepL's status): a spent character quota or a full glossary store."""


class RateLimitedError(ServiceError):
    """429: this key (or address) sent too many requests; ``retry_after_s`` says when to
    come back."""


class ServiceUnavailableError(ServiceError):
    """503 (and 507): the service cannot take the request now. Nothing was run."""


class OverloadedError(ServiceUnavailableError):
    """503 ``overloaded`` or ``shutting_down``: the queue is full or the server is draining;
    ``retry_after_s`` is the service's estimate of when to come back."""


class NotReadyError(ServiceUnavailableError):
    """503 ``not_ready``, ``models_unavailable``, ``load_failed``: models are not loaded."""


class DeadlineExceededError(ServiceError):
    """504 ``deadline_exceeded``: the request ran past the service's deadline."""


class InternalServerError(ServiceError):
    """500: ``engine_fault`` (a model call broke its contract: a retry may succeed) or
    ``internal_error``."""


class TransportError(RingkasClientError):
    """The service could not be reached (``service_unreachable``), did not answer in time
    (``timeout``), or did not answer with the JSON it should have (``unexpected_response``)."""

    default_code = "service_unreachable"


class JobTimeoutError(RingkasClientError):
    """A job was still live when the wait for it ended; ``job`` is its last state seen
    (the job goes on: cancel it with ``cancel_job`` if it is no longer wanted)."""

    default_code = "job_wait_timeout"

    def __init__(self, message: str, *, job: Job) -> None:
        super().__init__(message, details={"id": job.id, "status": job.status,
                                           "progress": dict(job.progress)})
        self.job = job
        self.job_id = job.id


_BY_STATUS: Mapping[int, type[ServiceError]] = {
    400: InvalidRequestError, 405: InvalidRequestError, 415: InvalidRequestError,
    422: InvalidRequestError, 413: PayloadTooLargeError, 401: AuthenticationError,
    403: AuthenticationError, 404: NotFoundError, 409: ConflictError, 429: RateLimitedError,
    456: QuotaExceededError, 500: InternalServerError, 503: ServiceUnavailableError,
    504: DeadlineExceededError, 507: ServiceUnavailableError,
}
# Codes whose class the status alone does not say: the 503 family, and the codes the
# LibreTranslate and DeepL routes answer with their own (flatter) statuses.
_BY_CODE: Mapping[str, type[ServiceError]] = {
    "overloaded": OverloadedError, "shutting_down": OverloadedError,
    "not_ready": NotReadyError, "models_unavailable": NotReadyError,
    "load_failed": NotReadyError,
    **dict.fromkeys(("request_too_large", "text_too_long", "too_many_texts",
                     "too_many_sentences", "too_many_items", "document_too_large",
                     "document_unpacks_too_large", "too_many_paragraphs",
                     "too_many_characters"), PayloadTooLargeError),
    **dict.fromkeys(("missing_api_key", "invalid_api_key", "api_key_revoked"),
                    AuthenticationError),
    "rate_limited": RateLimitedError,
    "deadline_exceeded": DeadlineExceededError,
}


def error_class(status: int, code: str) -> type[ServiceError]:
    """The exception class for an error answer. The code's class wins where it refines the
    status's (``overloaded`` among 503s) or where the status is one of the flat 400/403 that
    the LibreTranslate and DeepL routes answer with (``text_too_long`` there is a 400);
    otherwise the status's class, or :class:`ServiceError` for a status with none."""
    by_status = _BY_STATUS.get(status, ServiceError)
    by_code = _BY_CODE.get(code)
    if by_code is not None and (issubclass(by_code, by_status) or status in (400, 403)):
        return by_code
    return by_status
