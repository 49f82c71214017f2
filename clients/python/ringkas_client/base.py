"""What the sync and the async client share: settings, headers, building an httpx request
from a :class:`~ringkas_client.calls.Call`, the retry decision after each attempt, and
reading the final answer. Only the sending and the sleeping differ between them."""

from __future__ import annotations

from typing import Any, TypeVar

import httpx

from ringkas_client.calls import Call, error_of, url_of
from ringkas_client.errors import TransportError
from ringkas_client.retry import RetryPolicy
from ringkas_client.version import __version__

T = TypeVar("T")

DEFAULT_TIMEOUT_S = 600.0
DEFAULT_MAX_RETRIES = 3
DEFAULT_MAX_WAIT_S = 60.0
USER_AGENT = f"ringkas-client/{__version__}"


class ClientBase:
    """Settings of one client of one service."""

    def __init__(self, base_url: str, *, api_key: str | None, timeout: float,
                 max_retries: int | None, max_wait_s: float, retries: int | None,
                 backoff_s: float) -> None:
        if max_retries is not None and retries is not None and max_retries != retries:
            raise TypeError("give max_retries or retries (service.client's name), not both")
        given = next((n for n in (max_retries, retries) if n is not None), None)
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key or None
        self.timeout = timeout
        self.retry = RetryPolicy(max_retries=DEFAULT_MAX_RETRIES if given is None else given,
                                 max_wait_s=max_wait_s, backoff_s=backoff_s)

    @staticmethod
    def _owns(http_client: object | None, transport: object | None) -> bool:
        """Whether the client makes (and so closes) its httpx client."""
        if http_client is not None and transport is not None:
            raise TypeError("give http_client or transport, not both")
        return http_client is None

    @property
    def retries(self) -> int:
        """How many times a refused (429/503) or unsent request is tried again."""
        return self.retry.max_retries

    @property
    def max_wait_s(self) -> float:
        """The longest wait between two attempts, whatever ``Retry-After`` says."""
        return self.retry.max_wait_s

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.base_url!r})"

    # -- one attempt ------------------------------------------------------------------------
    def _request(self, http: httpx.Client | httpx.AsyncClient, call: Call[Any]) -> httpx.Request:
        options: dict[str, Any] = {"timeout": self.timeout, **call.options}
        headers = {"User-Agent": USER_AGENT, "Accept": "application/json"}
        if call.send_key and self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        headers.update(options.pop("headers", None) or {})
        return http.build_request(call.method, url_of(self.base_url, call.path),
                                  headers=headers, **options)

    def _wait_after_response(self, call: Call[Any], response: httpx.Response,
                             attempt: int) -> float | None:
        """Seconds to wait before sending ``call`` again, or None: this is the answer."""
        if not call.retry or response.status_code in call.accept:
            return None
        return self.retry.after_response(response, attempt)

    def _wait_after_failure(self, call: Call[Any], exc: httpx.TransportError,
                            attempt: int) -> float:
        """Seconds to wait before sending ``call`` again; the TransportError to raise when
        it is not sent again."""
        wait = self.retry.after_failure(call.method, exc, attempt) if call.retry else None
        if wait is None:
            code = ("timeout" if isinstance(exc, httpx.TimeoutException)
                    and not isinstance(exc, httpx.ConnectTimeout) else "service_unreachable")
            detail = f": {exc}" if str(exc) else ""
            where = call.label or f"{call.method} {url_of(self.base_url, call.path)}"
            raise TransportError(f"{where} failed: {type(exc).__name__}{detail}",
                                 code=code, details={"attempts": attempt + 1}) from exc
        return wait

    @staticmethod
    def _read(call: Call[T], response: httpx.Response) -> T:
        if response.status_code >= 400 and response.status_code not in call.accept:
            raise error_of(response, call.name)
        return call.decode(response, call.name)
