"""A Python client for the ringkas service (Indonesian news summarised and translated into
English): typed results, the service's error codes as exceptions, retries that honour
``Retry-After``, background jobs with progress, documents and glossaries; blocking
(:class:`RingkasClient`) or asyncio (:class:`AsyncRingkasClient`).

    from ringkas_client import RingkasClient
    with RingkasClient("http://127.0.0.1:8000", api_key="...") as client:
        result = client.summarize(article, languages=("en", "id"))
        print(result.summary["en"], [w.code for w in result.warnings])
"""

from ringkas_client.aio import AsyncRingkasClient
from ringkas_client.base import DEFAULT_MAX_RETRIES, DEFAULT_MAX_WAIT_S, DEFAULT_TIMEOUT_S
from ringkas_client.errors import (
    AuthenticationError,
    ConflictError,
    DeadlineExceededError,
    InternalServerError,
    InvalidRequestError,
    JobTimeoutError,
    NotFoundError,
    NotReadyError,
    OverloadedError,
    PayloadTooLargeError,
    QuotaExceededError,
    RateLimitedError,
    RingkasClientError,
    ServiceError,
    ServiceUnavailableError,
    TransportError,
    error_class,
)
from ringkas_client.results import (
    FINAL_STATUSES,
    Glossary,
    Job,
    JobItem,
    Model,
    Notice,
    Summary,
    Translation,
)
from ringkas_client.retry import RetryPolicy
from ringkas_client.sync import RingkasClient
from ringkas_client.version import __version__

__all__ = [
    "DEFAULT_MAX_RETRIES",
    "DEFAULT_MAX_WAIT_S",
    "DEFAULT_TIMEOUT_S",
    "FINAL_STATUSES",
    "AsyncRingkasClient",
    "AuthenticationError",
    "ConflictError",
    "DeadlineExceededError",
    "Glossary",
    "InternalServerError",
    "InvalidRequestError",
    "Job",
    "JobItem",
    "JobTimeoutError",
    "Model",
    "NotFoundError",
    "NotReadyError",
    "Notice",
    "OverloadedError",
    "PayloadTooLargeError",
    "QuotaExceededError",
    "RateLimitedError",
    "RetryPolicy",
    "RingkasClient",
    "RingkasClientError",
    "ServiceError",
    "ServiceUnavailableError",
    "Summary",
    "Translation",
    "TransportError",
    "__version__",
    "error_class",
]
