"""Typed results of the service's answers. Each keeps the JSON it was read from in ``raw``
(``to_json()`` gives it back), so a field this client does not name is never lost."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

# A job's status: queued and running are live; done, failed and cancelled are final.
QUEUED, RUNNING, DONE, FAILED, CANCELLED = "queued", "running", "done", "failed", "cancelled"
FINAL_STATUSES = frozenset({DONE, FAILED, CANCELLED})


@dataclass(frozen=True)
class Notice:
    """A warning attached to a result (``unsupported_claim``, ``random_weights``,
    ``glossary_not_applied``...); ``details`` as the service sent them, if any."""

    code: str
    message: str
    details: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True)
class Model:
    """One model that served a request: its role (``translate_id_en``, ``summarize``...),
    id and revision; ``raw`` holds the rest (backend settings, decoding)."""

    role: str
    id: str
    revision: str
    backend: str = ""
    commit: str | None = None
    random_weights: bool = False
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)


def _notices(body: Mapping[str, Any]) -> list[Notice]:
    return [Notice(str(w.get("code", "")), str(w.get("message", "")),
                   dict(w.get("details") or {}))
            for w in body.get("warnings") or [] if isinstance(w, Mapping)]


def _models(body: Mapping[str, Any]) -> list[Model]:
    return [Model(str(m.get("role", "")), str(m.get("id", "")), str(m.get("revision", "")),
                  str(m.get("backend") or ""), m.get("commit"), bool(m.get("random_weights")),
                  raw=m) for m in body.get("models") or [] if isinstance(m, Mapping)]


@dataclass(frozen=True)
class Summary:
    """A /v1/summarize answer: ``summary`` by language (``en``, and ``id`` when asked)."""

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


@dataclass(frozen=True)
class JobItem:
    """One item of a job: ``status`` is queued, running, done, error or cancelled; a done
    item has ``result`` (what /v1/summarize or /v1/translate answers for its body), a
    failed one ``error`` (``{"code", "message", "details"?}``). ``id`` is the caller's own
    id for it, echoed back."""

    index: int
    id: str | None
    kind: str
    status: str
    result: dict[str, Any] | None = None
    error: dict[str, Any] | None = None

    @classmethod
    def from_json(cls, body: Mapping[str, Any]) -> JobItem:
        result, error = body.get("result"), body.get("error")
        return cls(index=int(body.get("index", 0)), id=body.get("id"),
                   kind=str(body.get("kind", "summarize")), status=str(body.get("status", "")),
                   result=dict(result) if isinstance(result, Mapping) else None,
                   error=dict(error) if isinstance(error, Mapping) else None)

    @property
    def summary(self) -> Summary | None:
        """The result of a done summarize item, typed."""
        if self.kind == "summarize" and self.result is not None:
            return Summary.from_json(self.result)
        return None

    @property
    def translation(self) -> Translation | None:
        """The result of a done translate item, typed."""
        if self.kind == "translate" and self.result is not None:
            return Translation.from_json(self.result)
        return None


@dataclass(frozen=True)
class Job:
    """A /v1/jobs answer. ``progress`` is ``{"done", "failed", "finished", "total"}``;
    ``items`` is empty when the job was read with ``items=False``."""

    id: str
    status: str
    progress: dict[str, int]
    items: list[JobItem]
    created_at: str | None
    finished_at: str | None
    expires_at: str | None
    raw: dict[str, Any] = field(repr=False)

    @classmethod
    def from_json(cls, body: dict[str, Any]) -> Job:
        return cls(id=str(body["id"]), status=str(body["status"]),
                   progress=dict(body.get("progress") or {}),
                   items=[JobItem.from_json(i) for i in body.get("items") or []
                          if isinstance(i, Mapping)],
                   created_at=body.get("created_at"), finished_at=body.get("finished_at"),
                   expires_at=body.get("expires_at"), raw=body)

    @property
    def final(self) -> bool:
        """done, failed or cancelled: nothing of it will change any more."""
        return self.status in FINAL_STATUSES

    def to_json(self) -> dict[str, Any]:
        return self.raw


@dataclass(frozen=True)
class Glossary:
    """A glossary a request may name in ``glossary`` (by ``name``, or by ``glossary_id``
    for one of the caller's own); ``server`` ones come from the server's files and are
    read-only."""

    glossary_id: str
    name: str
    source_lang: str
    target_lang: str
    entry_count: int
    creation_time: str
    ready: bool = True
    server: bool = False
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_json(cls, body: dict[str, Any]) -> Glossary:
        return cls(glossary_id=str(body["glossary_id"]), name=str(body.get("name", "")),
                   source_lang=str(body.get("source_lang", "")).lower(),
                   target_lang=str(body.get("target_lang", "")).lower(),
                   entry_count=int(body.get("entry_count", 0)),
                   creation_time=str(body.get("creation_time", "")),
                   ready=bool(body.get("ready", True)), server=bool(body.get("server")),
                   raw=body)

    def to_json(self) -> dict[str, Any]:
        return self.raw
