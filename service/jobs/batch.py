"""``ringkas batch``: many items from a directory or a JSONL file into a JSONL of results,
resumable.

Each input item has a stable id: its ``id`` field when it has one, else its file name (a
directory) or a hash of its JSON (a JSONL line; a repeat of the same line gets ``#2``...).
A result line is appended (and flushed) as soon as its item is finished, so after an
interruption a rerun with the same ``--out`` skips every id already there and finishes the
rest: each item appears exactly once. A last line cut off mid-write is removed first.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from service.errors import RingkasError

SUFFIXES = {".txt": False, ".html": True, ".htm": True}  # -> html flag; .json: a request


class BatchInputError(RingkasError):
    default_code = "invalid_batch_input"


@dataclass(frozen=True)
class BatchItem:
    id: str
    source: str  # where it came from: a file name or "FILE:LINE"
    body: Any  # the request as /v1/jobs takes an item (may be invalid: it then fails alone)
    error: Mapping[str, Any] | None = None  # the item could not even be read


def read_items(path: Path, defaults: Mapping[str, Any]) -> list[BatchItem]:
    """Items of a directory (.txt, .html, .json files, sorted by name) or a .jsonl file;
    ``defaults`` fill fields an item does not set (``--length`` and the like)."""
    if path.is_dir():
        items = list(_dir_items(path))
    elif path.is_file():
        items = list(_jsonl_items(path))
    else:
        raise BatchInputError(f"{path} is neither a directory nor a file")
    if not items:
        raise BatchInputError(f"{path} holds no items (.txt, .html, .json files or JSONL "
                              "lines)")
    return [BatchItem(i.id, i.source, _with_defaults(i.body, defaults), i.error)
            for i in items]


def _with_defaults(body: Any, defaults: Mapping[str, Any]) -> Any:
    """Fill what the item does not say; summary options only for summarize items."""
    if not isinstance(body, dict):
        return body
    kind = body.get("kind", defaults.get("kind", "summarize"))
    fill = {k: v for k, v in defaults.items() if k == "kind" or kind in ("summarize",
                                                                          "summarise")}
    return {**fill, **body}


def _unreadable(ref: str, source: str, why: str) -> BatchItem:
    return BatchItem(ref, source, None, {"code": "unreadable_input",
                                         "message": f"{source}: {why}"})


def _dir_items(root: Path) -> Iterator[BatchItem]:
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        name = path.relative_to(root).as_posix()
        suffix = path.suffix.lower()
        if suffix not in SUFFIXES and suffix != ".json":
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            yield _unreadable(name, name, f"cannot read it as UTF-8 text ({type(exc).__name__})")
            continue
        if suffix == ".json":
            try:
                body = json.loads(text)
            except ValueError:
                yield _unreadable(name, name, "not valid JSON")
                continue
            ref = body.get("id") if isinstance(body, dict) else None
            yield BatchItem(ref if isinstance(ref, str) and ref else name, name, body)
        else:
            yield BatchItem(name, name, {"text": text, "html": SUFFIXES[suffix]}
                            if SUFFIXES[suffix] else {"text": text})


def _jsonl_items(path: Path) -> Iterator[BatchItem]:
    seen: dict[str, int] = {}
    with path.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            source = f"{path.name}:{n}"
            try:
                body: Any = json.loads(line)
            except ValueError:
                yield _unreadable(f"line:{n}", source, "not valid JSON")
                continue
            ref = body.get("id") if isinstance(body, dict) else None
            if not (isinstance(ref, str) and ref):
                canonical = json.dumps(body, sort_keys=True, ensure_ascii=False)
                ref = "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()[:16]
            seen[ref] = seen.get(ref, 0) + 1
            yield BatchItem(ref if seen[ref] == 1 else f"{ref}#{seen[ref]}", source, body)


def finished_ids(out: Path) -> set[str]:
    """Ids already in ``out``; a last line cut off mid-write is truncated away."""
    if not out.exists():
        return set()
    ids: set[str] = set()
    good_end = 0
    with out.open("rb") as fh:
        for raw in fh:
            try:
                if not raw.endswith(b"\n"):
                    raise ValueError("incomplete")
                ids.add(str(json.loads(raw)["id"]))
            except (ValueError, KeyError, TypeError):
                rest = fh.read()
                if rest.strip():
                    raise BatchInputError(f"{out}: a line that is not a result, followed by "
                                          "more lines; not resuming into it") from None
                break
            good_end += len(raw)
    if good_end != out.stat().st_size:
        with out.open("r+b") as fh:
            fh.truncate(good_end)
    return ids


class ResultWriter:
    """Appends one JSON line per finished item, flushed at once."""

    def __init__(self, out: Path) -> None:
        out.parent.mkdir(parents=True, exist_ok=True)
        self._fh: IO[str] = out.open("a", encoding="utf-8")

    def write(self, item: BatchItem, kind: str, result: Mapping[str, Any] | None,
              error: Mapping[str, Any] | None) -> None:
        line: dict[str, Any] = {"id": item.id, "source": item.source, "kind": kind,
                                "status": "error" if error is not None else "done"}
        if error is not None:
            line["error"] = dict(error)
        else:
            line["result"] = dict(result or {})
        self._fh.write(json.dumps(line, ensure_ascii=False) + "\n")
        self._fh.flush()
        os.fsync(self._fh.fileno())

    def close(self) -> None:
        self._fh.close()
