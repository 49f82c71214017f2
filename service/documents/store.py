"""Documents in the data dir: one directory per document with its record (``record.json``:
status, names, languages, times, never any text) and, once translated, the translated file.

A document is reached with its id *and* its key (a secret handed out once, at upload; only
its hash is kept) and only by the API key that uploaded it. The translated file is deleted
when it is downloaded (the first download wins: the directory is renamed away first), and
every document when its retention ends, counted from the end of its work, as job text is.
The uploaded file itself is never written: it is translated from memory.

A live document (queued, translating) is held by the process translating it: the record
names that process (``lease_owner``) and when it last said it still holds it
(``lease_at``); a document whose holder stopped is found by any process that reads it. A
document charged to a key's quota says so (``charged_key``) until the charge is settled:
translated, or given back (``refunded``); one not settled is never purged.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import json
import os
import re
import secrets
import shutil
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from service.errors import RingkasError
from service.jobs.store import storage_fault


class KeyHolder(enum.Enum):
    """Whoever holds a document's key, whichever API key uploaded it, for a document made
    as a capability (LibreTranslate's download URL carries the key and is the capability,
    as LibreTranslate's is)."""

    ANYONE = "anyone"


# Who asks for a document: the API key id that uploaded it (None with keys off), or the
# holder of its key alone.
Asker = str | None | KeyHolder

# A document's status, named as DeepL's document API names them.
QUEUED, TRANSLATING, DONE, ERROR = "queued", "translating", "done", "error"
LIVE = frozenset({QUEUED, TRANSLATING})
_ID = re.compile(r"doc_[0-9a-f]{32}")
_RECORD, _RESULT = "record.json", "result"
PURGE_EVERY_S = 60.0


@dataclass(frozen=True)
class DocumentRecord:
    id: str
    owner: str | None  # the API key id that uploaded it (None with keys off)
    key_hash: str
    filename: str
    format: str  # txt, html or docx
    media_type: str
    source: str
    target: str
    status: str
    characters: int  # sent to the model
    created_at: float
    updated_at: float
    expires_at: float
    error: dict[str, Any] | None = None  # {"code", "message"} when status is error
    warnings: tuple[str, ...] = ()  # the translation's warning codes (glossary_not_applied)
    # Its key alone admits its holder (LibreTranslate's download URL); a DeepL document
    # also needs the API key that uploaded it.
    capability: bool = False
    charged_key: int | None = None  # the usage key its characters were charged to
    refunded: bool = False  # the charge was given back (its translation failed)
    lease_owner: str | None = None  # the process translating it (service/documents/lease.py)
    lease_at: float = 0.0  # when that process last renewed its lease

    @property
    def unsettled(self) -> bool:
        """Live, or failed with its charge not given back yet: not to be purged."""
        return self.status in LIVE or (self.status == ERROR and self.charged_key is not None
                                       and not self.refunded)


@dataclass(frozen=True)
class Download:
    record: DocumentRecord
    data: bytes


class DocumentStore:
    def __init__(self, root: str | Path, *, retention_s: float,
                 clock: Callable[[], float] = time.time) -> None:
        self.root = Path(root).expanduser()
        self.retention_s = retention_s
        self.clock = clock
        self._purged_at = float("-inf")
        self._purge_lock = threading.Lock()
        # One read-change-write of a record at a time in this process (the lease renewals
        # and the translation's own updates).
        self._write_lock = threading.Lock()

    @contextmanager
    def _storage(self) -> Iterator[None]:
        """A fault of the data dir (full, read-only) as the jobs routes report it."""
        try:
            yield
        except OSError as exc:
            fault = storage_fault(exc, self.root)
            if fault is None:
                raise
            raise fault from None

    def create(self, owner: str | None, *, filename: str, format: str, media_type: str,
               source: str, target: str, characters: int, status: str = QUEUED,
               capability: bool = False, charged_key: int | None = None,
               lease_owner: str | None = None) -> tuple[DocumentRecord, str]:
        """A new document's record, and its key (returned only now)."""
        self.purge_expired()
        key = secrets.token_urlsafe(24)
        now = self.clock()
        record = DocumentRecord(f"doc_{uuid.uuid4().hex}", owner, _hash(key), filename,
                                format, media_type, source, target, status, characters, now,
                                now, now + self.retention_s, capability=capability,
                                charged_key=charged_key, lease_owner=lease_owner,
                                lease_at=now)
        with self._storage():
            (self.root / record.id).mkdir(parents=True)
            self._write(record)
        return record, key

    def update(self, record: DocumentRecord, *,
               only_if: Callable[[DocumentRecord], bool] | None = None,
               **changes: Any) -> DocumentRecord:
        """The record as stored, with ``changes`` written; a document deleted meanwhile stays
        deleted. With ``only_if``, only when it holds of the stored record (which is
        returned as it is otherwise): a translation finishing as another process declares
        it interrupted does not undo that, nor the other way round."""
        with self._write_lock:
            now = self.clock()
            current = self._read(record.id)
            if current is None:
                return replace(record, **changes, updated_at=now)
            if only_if is not None and not only_if(current):
                return current
            updated = replace(current, **changes, updated_at=now)
            if updated.status not in LIVE and current.status in LIVE:
                # retention counts from the end of the work
                updated = replace(updated, expires_at=now + self.retention_s)
            with self._storage():
                self._write(updated)
            return updated

    def renew(self, doc_ids: list[str], holder: str) -> None:
        """The leases of ``holder``'s live documents renewed, and their retention with them
        (a live document does not expire while its process works on it)."""
        for doc_id in doc_ids:
            with self._write_lock:
                current = self._read(doc_id)
                if current is None or current.status not in LIVE or (
                        current.lease_owner != holder):
                    continue
                now = self.clock()
                with self._storage():
                    self._write(replace(current, lease_at=now,
                                        expires_at=max(current.expires_at,
                                                       now + self.retention_s)))

    def discard(self, doc_id: str) -> None:
        """The document gone (its upload was refused after its record was made)."""
        if _ID.fullmatch(doc_id):
            shutil.rmtree(self.root / doc_id, ignore_errors=True)

    def records(self) -> Iterator[DocumentRecord]:
        """Every document's record (for the sweep that finds those whose holder stopped)."""
        if not self.root.is_dir():
            return
        for path in self.root.iterdir():
            record = self._read(path.name)
            if record is not None:
                yield record

    def finish(self, record: DocumentRecord, data: bytes, warnings: tuple[str, ...] = (),
               only_if: Callable[[DocumentRecord], bool] | None = None) -> DocumentRecord:
        """The translated file stored, and the document done (with ``warnings``' codes);
        with ``only_if``, only when it holds (see update)."""
        path = self.root / record.id
        with self._storage():
            if not path.is_dir():
                return record
            tmp = path / f".{_RESULT}.tmp"
            tmp.write_bytes(data)
            os.replace(tmp, path / _RESULT)
        return self.update(record, only_if=only_if, status=DONE, warnings=warnings)

    def get(self, doc_id: str, key: str, owner: Asker) -> DocumentRecord | None:
        """The document, if ``doc_id`` and ``key`` name one of ``owner``'s (for
        KeyHolder.ANYONE: one made as a capability) that has not expired; else None (never
        saying which of these it was)."""
        self.purge_expired()
        record = self._read(doc_id)
        if (record is None
                or not (record.capability if owner is KeyHolder.ANYONE
                        else record.owner == owner)
                or not hmac.compare_digest(record.key_hash, _hash(key))
                or record.expires_at <= self.clock()):
            return None
        return record

    def take(self, doc_id: str, key: str, owner: Asker) -> Download | None:
        """The translated file of a document that is done, deleting the document; None when
        there is no such document, it is not done, or another download took it first."""
        record = self.get(doc_id, key, owner)
        if record is None or record.status != DONE:
            return None
        taken = self.root / f".taken-{record.id}-{secrets.token_hex(4)}"
        with self._storage():
            try:
                os.rename(self.root / record.id, taken)  # atomic: one download wins
            except FileNotFoundError:
                return None
            try:
                return Download(record, (taken / _RESULT).read_bytes())
            finally:
                shutil.rmtree(taken, ignore_errors=True)

    def purge_expired(self, *, force: bool = False) -> int:
        """Delete every expired document (at most once a minute unless ``force``)."""
        with self._purge_lock:
            now = self.clock()
            if not force and now - self._purged_at < PURGE_EVERY_S:
                return 0
            self._purged_at = now
        if not self.root.is_dir():
            return 0
        purged = 0
        for path in self.root.iterdir():
            if path.name.startswith(".taken-"):  # a download that died half way
                shutil.rmtree(path, ignore_errors=True)
                continue
            record = self._read(path.name)
            if record is not None and record.expires_at <= now and not record.unsettled:
                shutil.rmtree(path, ignore_errors=True)
                purged += 1
        return purged

    def _read(self, doc_id: str) -> DocumentRecord | None:
        if not _ID.fullmatch(doc_id):  # never a path of the client's making
            return None
        try:
            raw = json.loads((self.root / doc_id / _RECORD).read_text())
            return DocumentRecord(**{**raw, "warnings": tuple(raw.get("warnings", ()))})
        except (OSError, ValueError, TypeError):
            return None

    def _write(self, record: DocumentRecord) -> None:
        path = self.root / record.id
        tmp = path / f".{_RECORD}.{secrets.token_hex(4)}.tmp"
        tmp.write_text(json.dumps(asdict(record)))
        os.replace(tmp, path / _RECORD)


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


class DocumentNotFound(RingkasError):
    status = 404
    default_code = "document_not_found"
