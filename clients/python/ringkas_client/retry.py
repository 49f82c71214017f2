"""When a request is sent again, and after how long: shared by both clients.

- A 429 or 503 answer is retried whatever the method: the service refused the request
  before running it (rate limit, full queue, draining, models not loaded). The wait is the
  answer's ``Retry-After`` (seconds or an HTTP date), capped at ``max_wait_s``; without one,
  a short exponential backoff.
- A failure to connect is retried whatever the method (nothing was sent); any other
  transport failure (a timeout, a dropped connection) only for GET and HEAD, since a POST
  or DELETE may have run.
- Nothing else is retried: a 500 to a POST may have done its work.
"""

from __future__ import annotations

import email.utils
import time
from collections.abc import Mapping
from dataclasses import dataclass

import httpx

RETRY_STATUSES = frozenset({429, 503})
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Failures that happen before a byte of the request is sent.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout)


def retry_after_s(headers: Mapping[str, str], now: float | None = None) -> float | None:
    """``Retry-After`` in seconds (delta-seconds or an HTTP date; never negative), or None
    when there is none or it cannot be read."""
    value = headers.get("Retry-After", "").strip()
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


@dataclass(frozen=True)
class RetryPolicy:
    """``max_retries`` more attempts at most; each wait at most ``max_wait_s`` seconds;
    ``backoff_s`` doubled per attempt when the service says nothing."""

    max_retries: int = 3
    max_wait_s: float = 60.0
    backoff_s: float = 0.5

    def __post_init__(self) -> None:
        if self.max_retries < 0 or self.max_wait_s < 0 or self.backoff_s < 0:
            raise ValueError("max_retries, max_wait_s and backoff_s cannot be negative")

    def _backoff(self, attempt: int) -> float:
        return min(self.max_wait_s, self.backoff_s * 2.0 ** attempt)

    def after_response(self, response: httpx.Response, attempt: int) -> float | None:
        """The wait before attempt ``attempt + 1`` after this answer, or None: keep it."""
        if response.status_code not in RETRY_STATUSES or attempt >= self.max_retries:
            return None
        wait = retry_after_s(response.headers)
        return self._backoff(attempt) if wait is None else min(self.max_wait_s, wait)

    def after_failure(self, method: str, exc: httpx.TransportError,
                      attempt: int) -> float | None:
        """The wait before attempt ``attempt + 1`` after a transport failure, or None."""
        if attempt >= self.max_retries:
            return None
        if method.upper() in IDEMPOTENT_METHODS or isinstance(exc, _NOT_SENT):
            return self._backoff(attempt)
        return None
