"""The service's own commands' client for a running ringkas: the ``ringkas-client``
distribution (clients/python, import ``ringkas_client``), with the defaults a command wants:
a command asks once (no retries) and waits at most 30 s for a Retry-After.

Embedding ringkas in other tools needs only that distribution: ``pip install
clients/python`` brings httpx and nothing of the service.
"""

from __future__ import annotations

from typing import Any

from ringkas_client import (
    DEFAULT_TIMEOUT_S,
    Model,
    Notice,
    RingkasClientError,
    ServiceError,
    Summary,
    Translation,
    TransportError,
)
from ringkas_client import RingkasClient as _RingkasClient

__all__ = ["DEFAULT_TIMEOUT_S", "Model", "Notice", "RingkasClient", "RingkasClientError",
           "ServiceError", "Summary", "Translation", "TransportError"]


class RingkasClient(_RingkasClient):
    def __init__(self, base_url: str, *, api_key: str | None = None,
                 timeout: float = DEFAULT_TIMEOUT_S, retries: int = 0,
                 max_wait_s: float = 30.0, **options: Any) -> None:
        super().__init__(base_url, api_key=api_key, timeout=timeout, retries=retries,
                         max_wait_s=max_wait_s, **options)
