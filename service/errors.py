"""One exception hierarchy; the API maps it to JSON in one place (service/api/errors.py)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar


class RingkasError(Exception):
    """Base of every error a client or operator is meant to read."""

    status: ClassVar[int] = 500
    default_code: ClassVar[str] = "internal_error"

    def __init__(self, message: str, *, code: str | None = None,
                 details: Mapping[str, Any] | None = None,
                 headers: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code or self.default_code
        self.details = dict(details or {})
        self.headers = dict(headers or {})  # e.g. Retry-After on 503


class ConfigError(RingkasError):
    """A setting (config file, environment, command line) that cannot be used."""

    default_code = "invalid_config"


class MalformedRequest(RingkasError):
    status = 400
    default_code = "malformed_json"


class UnsupportedMediaType(RingkasError):
    status = 415
    default_code = "unsupported_media_type"


class PayloadTooLarge(RingkasError):
    status = 413
    default_code = "payload_too_large"


class InvalidField(RingkasError):
    """A well-formed request whose fields are not acceptable (HTTP 422)."""

    status = 422
    default_code = "invalid_field"

    def __init__(self, field: str, message: str, *, code: str | None = None) -> None:
        super().__init__(message, code=code, details={"field": field})
        self.field = field


class InvalidDocument(RingkasError):
    """An uploaded document that cannot be translated: an unsupported format, content that
    is not what its name says, or a damaged file (HTTP 400)."""

    status = 400
    default_code = "invalid_document"


class InvalidMarkup(RingkasError):
    """HTML or XML the parser refuses outright (HTTP 400): nothing of it can be read."""

    status = 400
    default_code = "invalid_markup"


class NotReady(RingkasError):
    status = 503
    default_code = "not_ready"


class Overloaded(RingkasError):
    """The inference queue is full (or the server is draining): come back later."""

    status = 503
    default_code = "overloaded"

    def __init__(self, message: str, retry_after_s: int, *, code: str | None = None) -> None:
        super().__init__(message, code=code, details={"retry_after_s": retry_after_s},
                         headers={"Retry-After": str(retry_after_s)})


class JobsStorageUnavailable(RingkasError):
    """The jobs data dir cannot be written (read-only, no permission, I/O error) (HTTP 503).

    Not ``jobs_unavailable`` (another process owns the dir, a setup to change): this one
    clears by itself once the dir can be written again, without a restart.
    """

    status = 503
    default_code = "jobs_storage_unavailable"


class JobsStorageFull(JobsStorageUnavailable):
    """The jobs data dir is out of space or quota (HTTP 507 Insufficient Storage)."""

    status = 507


class DatabaseUnavailable(RingkasError):
    """The database (RINGKAS_DATABASE_URL) cannot be reached, or is busy past its timeout
    (HTTP 503 with Retry-After): it clears by itself once the database answers again, without
    a restart."""

    status = 503
    default_code = "database_unavailable"

    def __init__(self, message: str, retry_after_s: int = 5) -> None:
        super().__init__(message, details={"retry_after_s": retry_after_s},
                         headers={"Retry-After": str(retry_after_s)})


class DeadlineExceeded(RingkasError):
    status = 504
    default_code = "deadline_exceeded"


class Unauthorized(RingkasError):
    """No API key, or one the service does not know (HTTP 401)."""

    status = 401
    default_code = "invalid_api_key"

    def __init__(self, message: str, *, code: str | None = None,
                 challenge: str = "Bearer") -> None:
        super().__init__(message, code=code, headers={"WWW-Authenticate": challenge})


class Forbidden(RingkasError):
    """A known API key that may not be used (revoked) (HTTP 403)."""

    status = 403
    default_code = "forbidden"


class RateLimited(RingkasError):
    """The key (or client address) spent its request budget (HTTP 429)."""

    status = 429
    default_code = "rate_limited"

    def __init__(self, message: str, retry_after_s: int, *, limit: str | None = None) -> None:
        details: dict[str, Any] = {"retry_after_s": retry_after_s}
        if limit:
            details["limit"] = limit
        super().__init__(message, details=details, headers={"Retry-After": str(retry_after_s)})


class QuotaExceeded(RingkasError):
    """The key's character quota for this period would be passed (HTTP 456, DeepL's)."""

    status = 456
    default_code = "quota_exceeded"


@dataclass(frozen=True)
class MissingModel:
    role: str
    model: str
    revision: str
    reason: str


class ModelsUnavailable(RingkasError):
    """Every role whose model could not be had, reported at once."""

    status = 503
    default_code = "models_unavailable"

    def __init__(self, missing: Sequence[MissingModel]) -> None:
        self.missing = tuple(missing)
        lines = [f"ringkas cannot start: {len(self.missing)} model(s) unavailable"]
        for m in self.missing:
            lines.append(f"  - {m.role}: {m.model} (revision {m.revision}): {m.reason}")
        lines += [
            "Provide them in one of these ways:",
            "  * with network access: `ringkas models pull` (fills the Hugging Face cache)",
            "  * offline: copy a Hugging Face cache (HF_HOME) from a machine that pulled them, or",
            "    point each role at a local directory: `--models DIR` (DIR/<role>/) or",
            "    RINGKAS_MODEL_<ROLE>=/path/to/model",
            "  * for plumbing checks only: `ringkas models make-tiny DIR` then `--models DIR`",
        ]
        super().__init__("\n".join(lines), details={
            "missing": [m.__dict__ for m in self.missing]})


class EngineError(RingkasError):
    """The inference engine was misused (e.g. an input longer than its window)."""

    status = 500
    default_code = "engine_error"
