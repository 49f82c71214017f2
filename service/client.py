"""A Python client for a running ringkas service: typed results, and the service's error codes
raised as exceptions (``ServiceError.code`` is the ``error.code`` of the JSON body).

    from service.client import RingkasClient
    client = RingkasClient("http://127.0.0.1:8000", api_key="...")
    result = client.summarize(article, languages=("en", "id"))
    print(result.summary["en"], [w.code for w in result.warnings])
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import requests

from service.errors import RingkasError

DEFAULT_TIMEOUT_S = 600.0
_RETRY_STATUSES = frozenset({429, 503})


class ServiceError(RingkasError):
    """An error answer from the service: ``status`` and ``code`` as it sent them."""

    def __init__(self, status: int, code: str, message: str, *,
                 details: Mapping[str, Any] | None = None, request_id: str | None = None,
                 retry_after_s: float | None = None) -> None:
        super().__init__(message, code=code, details=details)
        self.status = status  # type: ignore[misc]  # per instance, unlike the server's classes
        self.request_id = request_id
        self.retry_after_s = retry_after_s

    def __str__(self) -> str:
        return f"{self.status} {self.code}: {self.message}"


class TransportError(RingkasError):
    """The service could not be reached, or did not answer with ringkas JSON."""

    default_code = "service_unreachable"


@dataclass(frozen=True)
class Notice:
    """A warning attached to a result (``unsupported_claim``, ``random_weights``...)."""

    code: str
    message: str


@dataclass(frozen=True)
class Model:
    role: str
    id: str
    revision: str
    backend: str = ""
    commit: str | None = None
    random_weights: bool = False
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)


def _notices(body: Mapping[str, Any]) -> list[Notice]:
    return [Notice(str(w.get("code", "")), str(w.get("message", "")))
            for w in body.get("warnings", [])]


def _models(body: Mapping[str, Any]) -> list[Model]:
    return [Model(str(m.get("role", "")), str(m.get("id", "")), str(m.get("revision", "")),
                  str(m.get("backend", "")), m.get("commit"), bool(m.get("random_weights")),
                  raw=m) for m in body.get("models", [])]


@dataclass(frozen=True)
class Summary:
    """A /v1/summarize answer."""

    summary: dict[str, str]
    strategy: str
    models: list[Model]
    warnings: list[Notice]
    fidelity: dict[str, Any]
    timings_ms: dict[str, float]
    raw: dict[str, Any] = field(repr=False)

    @classmethod
    def from_json(cls, body: dict[str, Any]) -> Summary:
        return cls(summary=dict(body["summary"]), strategy=str(body.get("strategy", "")),
                   models=_models(body), warnings=_notices(body),
                   fidelity=dict(body.get("fidelity") or {}),
                   timings_ms=dict(body.get("timings_ms") or {}), raw=body)

    def to_json(self) -> dict[str, Any]:
        return self.raw


@dataclass(frozen=True)
class Translation:
    """A /v1/translate answer: one string, or a list when a list was sent."""

    translation: str | list[str]
    models: list[Model]
    warnings: list[Notice]
    timings_ms: dict[str, float]
    raw: dict[str, Any] = field(repr=False)

    @classmethod
    def from_json(cls, body: dict[str, Any]) -> Translation:
        return cls(translation=body["translation"], models=_models(body),
                   warnings=_notices(body), timings_ms=dict(body.get("timings_ms") or {}),
                   raw=body)

    def to_json(self) -> dict[str, Any]:
        return self.raw


class RingkasClient:
    """One service; a ``requests.Session`` underneath (thread-safe enough for one thread per
    client). 503 ``overloaded`` and 429 answers are retried ``retries`` times, waiting what
    ``Retry-After`` says (capped by ``max_wait_s``)."""

    def __init__(self, base_url: str, *, api_key: str | None = None,
                 timeout: float = DEFAULT_TIMEOUT_S, retries: int = 0, max_wait_s: float = 30.0,
                 session: requests.Session | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.retries = retries
        self.max_wait_s = max_wait_s
        self.session = session or requests.Session()
        if api_key:
            self.session.headers["Authorization"] = f"Bearer {api_key}"

    # -- the API ---------------------------------------------------------------------------
    def health(self) -> dict[str, Any]:
        return self.request("GET", "/v1/health")

    def ready(self) -> bool:
        try:
            self.request("GET", "/v1/ready")
        except ServiceError as exc:
            if exc.status == 503:
                return False
            raise
        return True

    def models(self) -> dict[str, Any]:
        """The /v1/models body: ``models`` (roles, ids, revisions) and ``strategies``."""
        return self.request("GET", "/v1/models")

    def summarize(self, text: str, *, title: str | None = None, html: bool = False,
                  length: str | int | None = None, languages: Iterable[str] = ("en",),
                  strategy: str | None = None, prompt: str | None = None,
                  glossary: str | None = None,
                  glossary_entries: Mapping[str, str] | None = None) -> Summary:
        body: dict[str, Any] = {"text": text, "html": html, "languages": list(languages)}
        # None: the service's own default (length, strategy).
        for name, value in (("title", title), ("length", length), ("strategy", strategy),
                            ("prompt", prompt),
                            ("glossary", glossary), ("glossary_entries", glossary_entries)):
            if value is not None:
                body[name] = value
        return self.summarize_body(body)

    def summarize_body(self, body: Mapping[str, Any]) -> Summary:
        """POST a ready /v1/summarize body (as the eval and batch tools hold them)."""
        return Summary.from_json(self.request("POST", "/v1/summarize", json=dict(body)))

    def translate(self, text: str | Sequence[str], *, source: str = "id",
                  target: str = "en", glossary: str | None = None,
                  glossary_entries: Mapping[str, str] | None = None) -> Translation:
        payload: str | list[str] = text if isinstance(text, str) else list(text)
        body: dict[str, Any] = {"text": payload, "source": source, "target": target}
        if glossary is not None:
            body["glossary"] = glossary
        if glossary_entries:
            body["glossary_entries"] = dict(glossary_entries)
        return Translation.from_json(self.request("POST", "/v1/translate", json=body))

    def glossaries(self) -> list[dict[str, Any]]:
        """GET /v1/glossaries: the glossaries a request may name."""
        found: list[dict[str, Any]] = self.request("GET", "/v1/glossaries")["glossaries"]
        return found

    # -- async jobs (/v1/jobs): plain JSON bodies, as documented in the README ------------
    def submit_job(self, items: Sequence[Mapping[str, Any]], *,
                   webhook: str | None = None) -> dict[str, Any]:
        """POST /v1/jobs; the 202 body (``id``, ``status``, ``progress``, ``items``)."""
        body: dict[str, Any] = {"items": [dict(i) for i in items]}
        if webhook:
            body["webhook"] = webhook
        return self.request("POST", "/v1/jobs", json=body)

    def get_job(self, job_id: str, *, items: bool = True) -> dict[str, Any]:
        return self.request("GET", f"/v1/jobs/{job_id}",
                            params=None if items else {"items": "false"})

    def cancel_job(self, job_id: str) -> dict[str, Any]:
        return self.request("DELETE", f"/v1/jobs/{job_id}")

    # -- plumbing --------------------------------------------------------------------------
    def request(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        """One call; JSON object back, or ServiceError / TransportError."""
        attempt = 0
        while True:
            try:
                resp = self.session.request(method, f"{self.base_url}{path}",
                                            timeout=self.timeout, **kwargs)
            except requests.RequestException as exc:
                raise TransportError(f"{method} {self.base_url}{path} failed: "
                                     f"{type(exc).__name__}") from exc
            if resp.status_code in _RETRY_STATUSES and attempt < self.retries:
                attempt += 1
                time.sleep(min(self.max_wait_s, _retry_after(resp) or 1.0))
                continue
            return _decode(resp, method, path)


def _retry_after(resp: requests.Response) -> float | None:
    try:
        return float(resp.headers.get("Retry-After", ""))
    except ValueError:
        return None


def _decode(resp: requests.Response, method: str, path: str) -> dict[str, Any]:
    try:
        body = resp.json()
    except ValueError:
        body = None
    if resp.status_code < 400 and isinstance(body, dict):
        return body
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        if resp.status_code < 400:
            raise TransportError(f"{method} {path}: the answer is not a JSON object",
                                 code="unexpected_response")
        raise ServiceError(resp.status_code, "http_error",
                           f"{method} {path} answered {resp.status_code} without ringkas JSON",
                           retry_after_s=_retry_after(resp))
    raise ServiceError(resp.status_code, str(error.get("code", "http_error")),
                       str(error.get("message", "")), details=error.get("details"),
                       request_id=error.get("request_id"), retry_after_s=_retry_after(resp))
