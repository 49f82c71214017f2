"""Documents as jobs: checked at upload (a refused file is refused at once, with its code),
then translated, now (LibreTranslate's ``/translate_file``) or by a background thread with a
status to poll (queued -> translating -> done | error, as DeepL's document API reports
it); the translated file waits in the data dir for its download.

A background document runs like a job item: through the same admission queue as the
interactive requests, behind any of them that are waiting, under the job item deadline.
The upload is held in memory until it is translated, never written: a document whose
process stopped before it finished is reported as failed (``document_interrupted``) once
it has been live for longer than it could have been.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from service.config import Settings
from service.contract.errors import error_object, error_of
from service.documents.document import Document, open_document
from service.documents.formats import SUPPORTED_EXTENSIONS
from service.documents.store import (
    DONE,
    ERROR,
    LIVE,
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
from service.pipeline.markup import pipeline_translator
from service.pipeline.report import RunWarning
from service.text.language import likelier_language

if TYPE_CHECKING:
    from service.runtime.assembly import Runtime

log = logging.getLogger(__name__)
MAX_QUEUED = 8  # documents waiting for the background thread, held in memory
_INTERRUPTED = error_object("document_interrupted", "the service stopped before this "
                            "document was translated; upload it again")


class DocumentNotReady(RingkasError):
    """A download asked for before the translation is done (HTTP 409; DeepL's 503)."""

    status = 409
    default_code = "document_not_ready"


class DocumentFailed(DocumentNotReady):
    """A download asked for a document whose translation failed: it never will be ready
    (HTTP 409, DeepL's too); its status says why."""

    default_code = "document_failed"


# Charging a document's characters (to a key's quota) before it is queued: called with the
# count, it raises to refuse the document, or returns what gives the charge back.
Refund = Callable[[], None]
Charge = Callable[[int], Refund]


def _no_refund() -> None:
    return None


@dataclass(frozen=True)
class Submitted:
    record: DocumentRecord
    key: str  # the document's secret: shown once, needed for its status and download


def detect_source(units: Sequence[str]) -> str:
    """id or en, from the document's own text (its first 20,000 characters)."""
    return likelier_language(" ".join(units)[:20_000])[0]


class DocumentJobs:
    def __init__(self, settings: Settings, runtime: Runtime,
                 store: DocumentStore | None = None) -> None:
        self.settings = settings
        self.runtime = runtime
        self.store = store or DocumentStore(Path(settings.data_dir).expanduser() / "documents",
                                            retention_s=settings.jobs.document_retention_s)
        self._queue: queue.Queue[tuple[DocumentRecord, Document, Refund,
                                       GlossaryPolicy | None]] = queue.Queue(MAX_QUEUED)
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        # the file extensions translated (LibreTranslate's /frontend/settings reports them)
        self.formats: tuple[str, ...] = tuple(SUPPORTED_EXTENSIONS)

    # --- uploads ----------------------------------------------------------------------------

    def open(self, filename: str, data: bytes, source: str, target: str,
             ) -> tuple[Document, str]:
        """The checked document and its source language (detected for ``auto``)."""
        doc = open_document(filename, data, self.settings.limits)
        if source == "auto":
            source = detect_source(doc.content.units) if doc.content.units else target
        return doc, source

    def translate_now(self, owner: str | None, filename: str, data: bytes, source: str,
                      target: str) -> Submitted:
        """Translate in this request, under its deadline; the translated file is stored for
        download. Errors are the request's own (nothing is stored then)."""
        doc, source = self.open(filename, data, source, target)
        rt = self.runtime
        rt.pipeline()  # 503 before any work when the models are not ready
        out = rt.run(lambda pipeline, deadline: doc.translate(
            pipeline_translator(pipeline, deadline, source, target)))
        # LibreTranslate's: the URL it answers is the capability
        record, key = self._create(owner, doc, source, target, TRANSLATING, capability=True)
        return Submitted(self.store.finish(record, out), key)

    def submit(self, owner: str | None, filename: str, data: bytes, source: str,
               target: str, charge: Charge | None = None,
               glossary: GlossaryPolicy | None = None) -> Submitted:
        """Queue for the background thread; poll :meth:`status`, then :meth:`download`.
        ``charge`` is called with the document's characters once it is checked; its refund
        runs when the document is not translated after all. ``glossary`` is followed (a
        term it could not apply is in the record's warnings)."""
        doc, source = self.open(filename, data, source, target)
        refund = charge(doc.characters) if charge is not None else _no_refund
        try:
            record, key = self._create(owner, doc, source, target, QUEUED)
            try:
                self._queue.put_nowait((record, doc, refund, glossary))
            except queue.Full:
                busy = Overloaded(f"{MAX_QUEUED} documents are waiting already; retry "
                                  "shortly", self.runtime.admission.retry_after_s(),
                                  code="documents_busy")
                self.store.update(record, status=ERROR, error=error_of(busy))
                raise busy from None
        except BaseException:
            refund()
            raise
        self._start()
        return Submitted(record, key)

    def _create(self, owner: str | None, doc: Document, source: str, target: str,
                status: str, *, capability: bool = False) -> tuple[DocumentRecord, str]:
        return self.store.create(owner, filename=doc.filename, format=doc.format.name,
                                 media_type=doc.format.media_type, source=source,
                                 target=target, characters=doc.characters, status=status,
                                 capability=capability)

    # --- reading ----------------------------------------------------------------------------

    def status(self, doc_id: str, key: str, owner: Asker) -> DocumentRecord:
        record = self.store.get(doc_id, key, owner)
        if record is None:
            raise DocumentNotFound("no such document for this key (expired, downloaded "
                                   "already, or never made)")
        if record.status in LIVE and self.clock() - record.updated_at > self._live_bound(
                record.status):
            record = self.store.update(record, status=ERROR, error=_INTERRUPTED)
        return record

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

    def _live_bound(self, status: str) -> float:
        """How long a document can stay queued or translating while its process lives."""
        item = self.settings.jobs.job_item_timeout_s + 60
        return item if status == TRANSLATING else (MAX_QUEUED + 1) * item

    # --- the background thread --------------------------------------------------------------

    def _start(self) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._work, name="documents",
                                                daemon=True)
                self._thread.start()

    def _work(self) -> None:
        while True:
            record, doc, refund, glossary = self._queue.get()
            translated = False
            try:
                translated = self._run(record, doc, glossary)
            except Exception as exc:  # the thread lives on; frames only reach the log
                log.error("document %s: the background thread failed with %s\n%s", record.id,
                          type(exc).__name__, "".join(traceback.format_tb(exc.__traceback__)))
            if not translated:
                try:
                    refund()  # only translated characters count
                except Exception as exc:
                    log.error("document %s: its refund failed with %s", record.id,
                              type(exc).__name__)

    def _run(self, record: DocumentRecord, doc: Document,
             glossary: GlossaryPolicy | None = None) -> bool:
        """Whether the document was translated."""
        warnings: list[RunWarning] = []
        rt = self.runtime
        record = self.store.update(record, status=TRANSLATING)
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
            with rt.admission.slot(deadline):
                out = doc.translate(pipeline_translator(pipeline, deadline, record.source,
                                                        record.target, glossary, warnings))
        except RingkasError as exc:
            self.store.update(record, status=ERROR, error=error_of(exc))
            return False
        except Exception as exc:
            log.error("document %s failed with %s\n%s", record.id, type(exc).__name__,
                      "".join(traceback.format_tb(exc.__traceback__)))
            self.store.update(record, status=ERROR, error=error_object(
                "internal_error", "internal error while translating this document; see the "
                "service log"))
            return False
        self.store.finish(record, out, tuple(dict.fromkeys(w.code for w in warnings)))
        return True
