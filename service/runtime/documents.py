"""Documents as jobs: checked at upload (a refused file is refused at once, with its code),
then translated, now (LibreTranslate's ``/translate_file``) or by a background thread with a
status to poll (queued -> translating -> done | error, as DeepL's document API reports
it); the translated file waits in the data dir for its download.

A background document runs like a job item: through the same admission queue as the
interactive requests, behind any of them that are waiting, under the job item deadline.
The upload is held in memory until it is translated, never written. The process holds a
lease on each of its live documents and renews it every third of
``jobs.document_lease_s``; a document whose process stopped (its lease lapsed, or its
process is certainly gone: service/documents/lease.py) is reported as failed
(``document_interrupted``) by whichever process next looks, a starting one first of all.
A document's characters are charged to its key with the document's id, and given back with
that id when it fails, so exactly once whichever process finds it failed.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
import traceback
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from service.auth.usage import Meter
from service.config import Settings
from service.contract.errors import error_object, error_of
from service.documents.document import Document, open_document
from service.documents.formats import SUPPORTED_EXTENSIONS, DocumentFormat, detect
from service.documents.lease import process_gone, process_id
from service.documents.store import (
    DONE,
    ERROR,
    LIVE,
    PURGE_EVERY_S,
    QUEUED,
    TRANSLATING,
    Asker,
    DocumentNotFound,
    DocumentRecord,
    DocumentStore,
    Download,
)
from service.errors import NotReady, Overloaded, RingkasError
from service.glossary.terms import GlossaryPolicy
from service.overload import Deadline
from service.pipeline.markup import pipeline_translator
from service.pipeline.report import RunWarning
from service.text.language import likelier_language

if TYPE_CHECKING:
    from service.pipeline.pipeline import Pipeline
    from service.runtime.assembly import Runtime

log = logging.getLogger(__name__)
MAX_QUEUED = 8  # documents waiting for the background thread, their bytes held in memory
# Documents parsed (held as trees) at once in this process, whichever route: a parsed
# document takes tens of MB (an HTML file at the element bound, some 60), many times its
# bytes, so this and the element bound bound what documents add to the process's memory.
MAX_OPEN = 2
_INTERRUPTED = error_object("document_interrupted", "the service stopped before this "
                            "document was translated; upload it again")


class DocumentNotReady(RingkasError):
    """A download asked for before the translation is done (HTTP 409; DeepL's 503)."""

    status = 409
    default_code = "document_not_ready"


class DocumentsKeyBusy(RingkasError):
    """This key holds its share of the document queue (RINGKAS_MAX_QUEUED_DOCUMENTS_PER_KEY):
    HTTP 429, as DeepL answers a client sending too much, so its clients back off and retry;
    other keys' documents are still taken."""

    status = 429
    default_code = "documents_key_busy"

    def __init__(self, message: str, retry_after_s: int, *, limit: int) -> None:
        super().__init__(message, details={"retry_after_s": retry_after_s, "limit": limit},
                         headers={"Retry-After": str(retry_after_s)})


class DocumentFailed(DocumentNotReady):
    """A download asked for a document whose translation failed: it never will be ready
    (HTTP 409, DeepL's too); its status says why."""

    default_code = "document_failed"


@dataclass(frozen=True)
class Checked:
    """What the record of a parsed document needs: not its tree."""

    filename: str
    format: DocumentFormat
    characters: int

    @classmethod
    def of(cls, doc: Document) -> Checked:
        return cls(doc.filename, doc.format, doc.characters)


@dataclass(frozen=True)
class Upload:
    """A queued document as uploaded: its bytes, not its parsed tree (a DOCX's tree takes
    many times its file's size)."""

    filename: str
    data: bytes


@dataclass(frozen=True)
class Submitted:
    record: DocumentRecord
    key: str  # the document's secret: shown once, needed for its status and download


def detect_source(units: Sequence[str]) -> str:
    """id or en, from the document's own text (its first 20,000 characters)."""
    return likelier_language(" ".join(units)[:20_000])[0]


class DocumentJobs:
    def __init__(self, settings: Settings, runtime: Runtime,
                 store: DocumentStore | None = None, meter: Meter | None = None) -> None:
        """``meter``: where documents' characters are charged (None: they are not)."""
        self.settings = settings
        self.runtime = runtime
        self.store = store or DocumentStore(Path(settings.data_dir).expanduser() / "documents",
                                            retention_s=settings.jobs.document_retention_s)
        self.meter = meter
        self.holder = process_id()  # this process's name on the leases it holds
        self.lease_s = settings.jobs.document_lease_s
        self._held: set[str] = set()  # the ids of the live documents this process holds
        self._queue: queue.Queue[tuple[DocumentRecord, Upload,
                                       GlossaryPolicy | None]] = queue.Queue(MAX_QUEUED)
        self._threads: list[threading.Thread] = []
        self._open = threading.BoundedSemaphore(MAX_OPEN)
        self._lock = threading.Lock()
        # Each key's documents in the queue, counted under _queued_lock with the queue's own
        # put, so concurrent uploads of one key never pass its share together.
        self._queued: Counter[str] = Counter()
        self._queued_lock = threading.Lock()
        # the file extensions translated (LibreTranslate's /frontend/settings reports them)
        self.formats: tuple[str, ...] = tuple(SUPPORTED_EXTENSIONS)
        self.recover()  # what a stopped process left live is failed, and given back, now

    # --- uploads ----------------------------------------------------------------------------

    def open(self, filename: str, data: bytes, source: str, target: str,
             ) -> tuple[Document, str]:
        """The checked document and its source language (detected for ``auto``)."""
        doc = open_document(filename, data, self.settings.limits)
        if source == "auto":
            source = detect_source(doc.content.units) if doc.content.units else target
        return doc, source

    @contextmanager
    def _opening(self, deadline: Deadline) -> Iterator[None]:
        """One of the MAX_OPEN places for a parsed document, waited for until
        ``deadline``."""
        if not self._open.acquire(timeout=max(0.0, deadline.remaining())):
            raise Overloaded(f"{MAX_OPEN} documents are being read already; retry shortly",
                             self.runtime.admission.retry_after_s(), code="documents_busy")
        try:
            yield
        finally:
            self._open.release()

    def translate_now(self, owner: str | None, filename: str, data: bytes, source: str,
                      target: str) -> Submitted:
        """Translate in this request, under its deadline; the translated file is stored for
        download. Errors are the request's own (nothing is stored then). The file is parsed
        inside the admission slot: how many are parsed at once is bounded as translations
        are (the cheap checks, on the bytes, answer first)."""
        detect(filename, data, self.settings.limits)
        rt = self.runtime
        rt.pipeline()  # 503 before any work when the models are not ready

        def work(pipeline: Pipeline, deadline: Deadline) -> tuple[Checked, str, bytes]:
            with self._opening(deadline):
                doc, found = self.open(filename, data, source, target)
                return Checked.of(doc), found, doc.translate(
                    pipeline_translator(pipeline, deadline, found, target))

        doc, source, out = rt.run(work)
        # LibreTranslate's: the URL it answers is the capability
        record, key = self._create(owner, doc, source, target, TRANSLATING, capability=True)
        return Submitted(self.store.finish(record, out), key)

    def submit(self, owner: str | None, filename: str, data: bytes, source: str,
               target: str, charge_key: int | None = None,
               glossary: GlossaryPolicy | None = None) -> Submitted:
        """Queue for the background thread; poll :meth:`status`, then :meth:`download`.
        With ``charge_key``, the document's characters are charged to that key (the
        meter's 456 refuses the upload), and given back when it is not translated after
        all. ``glossary`` is followed (a term it could not apply is in the record's
        warnings)."""
        detect(filename, data, self.settings.limits)  # the cheap checks, before admission
        # Parsed in an admission slot to count what it holds, then let go: the queue holds
        # the bytes, and the background thread parses them again in its own slot.
        def counted(_: Pipeline, deadline: Deadline) -> tuple[Checked, str]:
            with self._opening(deadline):
                doc, found = self.open(filename, data, source, target)
                return Checked.of(doc), found  # the tree goes with the slot

        doc, source = self.runtime.run(counted)
        charged = charge_key if self.meter is not None else None
        record, key = self._create(owner, doc, source, target, QUEUED, charged_key=charged)
        with self._lock:
            self._held.add(record.id)
        if self.meter is not None and charge_key is not None:
            try:
                # With the record's id: the charge can be given back by any process later.
                self.meter.charge(charge_key, doc.characters, ref=record.id)
            except BaseException:
                self._release(record.id)
                self.store.discard(record.id)  # refused: as if never uploaded
                raise
        try:
            self._enqueue(record, Upload(filename, data), glossary)
        except (Overloaded, DocumentsKeyBusy) as busy:
            self._fail(record, error_of(busy), self._holds)
            raise
        self._start()
        return Submitted(record, key)

    def _enqueue(self, record: DocumentRecord, upload: Upload,
                 glossary: GlossaryPolicy | None) -> None:
        """Into the queue, when it has room and the document's key holds less than its
        share of it. With keys off there is one caller: the whole queue is its."""
        owner, share = record.owner, self.settings.jobs.max_queued_documents_per_key
        with self._queued_lock:
            if owner is not None and share and self._queued[owner] >= share:
                raise DocumentsKeyBusy(
                    f"this key has {self._queued[owner]} documents waiting already, its "
                    "share of the queue; retry when one has started",
                    self.runtime.admission.retry_after_s(), limit=share)
            try:
                self._queue.put_nowait((record, upload, glossary))
            except queue.Full:
                raise Overloaded(f"{MAX_QUEUED} documents are waiting already; retry "
                                 "shortly", self.runtime.admission.retry_after_s(),
                                 code="documents_busy") from None
            if owner is not None:
                self._queued[owner] += 1

    def _dequeued(self, record: DocumentRecord) -> None:
        """The background thread took ``record`` from the queue: its key's place is free."""
        if record.owner is None:
            return
        with self._queued_lock:
            self._queued[record.owner] -= 1
            if self._queued[record.owner] <= 0:
                del self._queued[record.owner]

    def _create(self, owner: str | None, doc: Checked, source: str, target: str,
                status: str, *, capability: bool = False, charged_key: int | None = None,
                ) -> tuple[DocumentRecord, str]:
        return self.store.create(owner, filename=doc.filename, format=doc.format.name,
                                 media_type=doc.format.media_type, source=source,
                                 target=target, characters=doc.characters, status=status,
                                 capability=capability, charged_key=charged_key,
                                 lease_owner=self.holder)

    # --- failure, leases and recovery -------------------------------------------------------

    def _holds(self, record: DocumentRecord) -> bool:
        """Whether this process still holds the live document (no other declared it
        interrupted)."""
        return record.status in LIVE and record.lease_owner == self.holder

    def _fail(self, record: DocumentRecord, error: dict[str, object],
              only_if: Callable[[DocumentRecord], bool]) -> DocumentRecord:
        """The document failed with ``error`` when ``only_if`` holds of its stored record,
        then its charge given back. The failure is written first: a process that stops
        between the two leaves a failed, unsettled document, which the next sweep
        settles."""
        record = self.store.update(record, only_if=only_if, status=ERROR, error=error)
        self._release(record.id)
        return self._settle(record)

    def _settle(self, record: DocumentRecord) -> DocumentRecord:
        """A failed document's charge given back (at most once: the meter keeps the charge
        by the document's id), then the record marked so."""
        if record.status != ERROR or record.charged_key is None or record.refunded:
            return record
        if self.meter is not None:
            try:
                self.meter.refund_charge(record.charged_key, record.id)
            except Exception as exc:  # the next sweep tries again: the record says it is due
                log.error("document %s: its refund failed with %s", record.id,
                          type(exc).__name__)
                return record
        return self.store.update(record, refunded=True)

    def _release(self, doc_id: str) -> None:
        with self._lock:
            self._held.discard(doc_id)

    def lapsed(self, record: DocumentRecord) -> bool:
        """Whether a live document's process has stopped: its lease was not renewed in
        time, or its process is certainly gone."""
        if record.status not in LIVE:
            return False
        if record.lease_owner == self.holder:
            with self._lock:
                if record.id in self._held:
                    return False
        return (self.clock() - record.lease_at > self.lease_s
                or process_gone(record.lease_owner))

    def _check(self, record: DocumentRecord) -> DocumentRecord:
        """The record, failed as interrupted if its process stopped, and settled."""
        if self.lapsed(record):
            record = self._fail(record, _INTERRUPTED, self.lapsed)
        return self._settle(record)

    def recover(self) -> int:
        """Every document whose process stopped failed, and every failed charge given
        back; how many documents were failed."""
        failed = 0
        try:
            for record in self.store.records():
                if record.unsettled:
                    failed += self._check(record).status != record.status
        except RingkasError as exc:  # the data dir is not writable: readers will retry
            log.error("documents: the recovery sweep failed: %s", exc.message)
        return failed

    # --- reading ----------------------------------------------------------------------------

    def status(self, doc_id: str, key: str, owner: Asker) -> DocumentRecord:
        record = self.store.get(doc_id, key, owner)
        if record is None:
            raise DocumentNotFound("no such document for this key (expired, downloaded "
                                   "already, or never made)")
        return self._check(record)

    def download(self, doc_id: str, key: str, owner: Asker) -> Download:
        """The translated file; the document is deleted with it."""
        self.ready(doc_id, key, owner)
        taken = self.store.take(doc_id, key, owner)
        if taken is None:  # another download took it a moment ago
            raise DocumentNotFound("no such document for this key (downloaded already)")
        return taken

    def ready(self, doc_id: str, key: str, owner: Asker) -> DocumentRecord:
        """The document, when its translated file is there to download (nothing is taken:
        a HEAD of the download, say)."""
        record = self.status(doc_id, key, owner)
        if record.status == ERROR:
            raise DocumentFailed("the document's translation failed; its status says why",
                                 details={"status": record.status})
        if record.status != DONE:
            raise DocumentNotReady(f"the document is {record.status}, not done",
                                   details={"status": record.status})
        return record

    def clock(self) -> float:
        return self.store.clock()

    # --- the background threads -------------------------------------------------------------

    def _start(self) -> None:
        with self._lock:
            if not self._threads or not all(t.is_alive() for t in self._threads):
                self._threads = [
                    threading.Thread(target=self._work, name="documents", daemon=True),
                    threading.Thread(target=self._keep_leases, name="documents-leases",
                                     daemon=True)]
                for thread in self._threads:
                    thread.start()

    def _keep_leases(self) -> None:
        """Renew this process's leases; now and then sweep for what stopped processes left
        (documents nobody reads are settled too)."""
        swept = time.monotonic()
        while True:
            time.sleep(self.lease_s / 3)
            with self._lock:
                held = sorted(self._held)
            try:
                self.store.renew(held, self.holder)
            except Exception as exc:  # the next renewal tries again
                log.error("documents: renewing leases failed with %s", type(exc).__name__)
            if time.monotonic() - swept > PURGE_EVERY_S:
                swept = time.monotonic()
                self.recover()

    def _work(self) -> None:
        while True:
            record, upload, glossary = self._queue.get()
            self._dequeued(record)
            try:
                self._run(record, upload, glossary)
            except Exception as exc:  # the thread lives on; frames only reach the log
                log.error("document %s: the background thread failed with %s\n%s", record.id,
                          type(exc).__name__, "".join(traceback.format_tb(exc.__traceback__)))
                self._fail(record, error_object("internal_error", "internal error while "
                                                "translating this document; see the service "
                                                "log"), self._holds)
            finally:
                self._release(record.id)

    def _run(self, record: DocumentRecord, upload: Upload,
             glossary: GlossaryPolicy | None = None) -> None:
        warnings: list[RunWarning] = []
        rt = self.runtime
        record = self.store.update(record, only_if=self._holds, status=TRANSLATING)
        if record.status != TRANSLATING:  # declared interrupted meanwhile
            return
        deadline = rt.admission.deadline(self.settings.jobs.job_item_timeout_s)
        try:
            while True:
                try:
                    pipeline = rt.pipeline()
                    break
                except NotReady:  # models still loading: wait, as job items do
                    if deadline.remaining() <= 0:
                        raise
                    time.sleep(0.5)
            while rt.admission.depth[1] > 0 and deadline.remaining() > 0:
                time.sleep(0.05)  # interactive requests are waiting: they go first
            with rt.admission.slot(deadline), self._opening(deadline):
                doc = open_document(upload.filename, upload.data, self.settings.limits)
                out = doc.translate(pipeline_translator(pipeline, deadline, record.source,
                                                        record.target, glossary, warnings))
        except RingkasError as exc:
            self._fail(record, error_of(exc), self._holds)
            return
        self.store.finish(record, out, tuple(dict.fromkeys(w.code for w in warnings)),
                          only_if=self._holds)
