"""What a job is: its items, their states, and the JSON a client reads."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

# A job's status. queued/running are live; done, failed and cancelled are final.
QUEUED, RUNNING, DONE, FAILED, CANCELLED = "queued", "running", "done", "failed", "cancelled"
FINAL = frozenset({DONE, FAILED, CANCELLED})
# An item's state: queued -> running -> done | error; or cancelled before it ran.
ITEM_DONE, ITEM_ERROR = "done", "error"
ITEM_FINAL = frozenset({ITEM_DONE, ITEM_ERROR, CANCELLED})
KINDS = ("summarize", "translate")


@dataclass(frozen=True)
class Item:
    """One request of a job, validated at submit time (``error`` set when it was not valid)."""

    index: int
    kind: str
    request: Mapping[str, Any]  # the request body as sent, minus "kind" and "id"
    ref: str | None = None  # the client's own id for the item, echoed back
    error: Mapping[str, Any] | None = None  # {"code", "message", "details"?} of a bad item


@dataclass(frozen=True)
class JobRequest:
    """A job as submitted: its items (each validated by service/contract/jobs.py) and where
    to call when it finishes."""

    items: tuple[Item, ...]
    webhook: str | None


@dataclass(frozen=True)
class ItemState:
    index: int
    kind: str
    state: str
    ref: str | None = None
    result: Mapping[str, Any] | None = None
    error: Mapping[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"index": self.index, "id": self.ref, "kind": self.kind,
                               "status": self.state}
        if self.result is not None:
            out["result"] = self.result
        if self.error is not None:
            out["error"] = self.error
        return out


@dataclass(frozen=True)
class JobState:
    id: str
    status: str
    total: int
    created_at: float
    finished_at: float | None = None
    expires_at: float | None = None
    webhook: str | None = None
    items: Sequence[ItemState] = field(default_factory=tuple)
    done: int = 0  # items finished with a result
    failed: int = 0  # items finished with an error

    def to_json(self, *, items: bool = True) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "status": self.status,
            "progress": {"done": self.done, "failed": self.failed,
                         "finished": self.done + self.failed, "total": self.total},
            "created_at": iso(self.created_at),
            "finished_at": iso(self.finished_at),
            "expires_at": iso(self.expires_at),
        }
        if items:
            out["items"] = [i.to_json() for i in self.items]
        return out


def counts(states: Sequence[str]) -> tuple[int, int]:
    """(done, failed) among item states."""
    return sum(s == ITEM_DONE for s in states), sum(s == ITEM_ERROR for s in states)


def live_status(states: Sequence[str]) -> str:
    """The status of a job that is not final, from its items' states."""
    return QUEUED if all(s == QUEUED for s in states) else RUNNING


def final_status(states: Sequence[str]) -> str | None:
    """done when every item finished and one at least succeeded; failed when every item
    failed; None while some item is still queued or running."""
    if not all(s in ITEM_FINAL for s in states):
        return None
    return DONE if any(s == ITEM_DONE for s in states) else FAILED


def new_job_id() -> str:
    return f"job_{uuid.uuid4().hex}"


def iso(ts: float | None) -> str | None:
    if ts is None:
        return None
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
