"""The blocking client: :class:`RingkasClient`."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from types import TracebackType
from typing import Any, TypeVar

import httpx

from ringkas_client import calls
from ringkas_client.base import (
    DEFAULT_MAX_WAIT_S,
    DEFAULT_TIMEOUT_S,
    ClientBase,
)
from ringkas_client.calls import Call, FileInput
from ringkas_client.jobs import DEFAULT_POLL_S, DEFAULT_WAIT_S, JobWatch, ProgressCallback
from ringkas_client.results import Glossary, Job, Summary, Translation

T = TypeVar("T")


class RingkasClient(ClientBase):
    """A client of one ringkas service, on an ``httpx.Client`` (thread-safe).

    ``api_key`` goes as ``Authorization: Bearer``. 429 and 503 answers are retried up to
    ``max_retries`` times (3; ``retries`` is the same setting under service.client's name),
    waiting what ``Retry-After`` says, at most ``max_wait_s`` seconds; a connection that
    could not be made is retried too, and any transport failure of a GET. ``sleep`` is what
    waits (between attempts and between polls of a job). ``http_client`` or ``transport``
    replace the httpx client or its transport; a client passed in is not closed by
    :meth:`close`."""

    def __init__(self, base_url: str, *, api_key: str | None = None,
                 timeout: float = DEFAULT_TIMEOUT_S, max_retries: int | None = None,
                 max_wait_s: float = DEFAULT_MAX_WAIT_S, retries: int | None = None,
                 backoff_s: float = 0.5, http_client: httpx.Client | None = None,
                 transport: httpx.BaseTransport | None = None,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        super().__init__(base_url, api_key=api_key, timeout=timeout, max_retries=max_retries,
                         max_wait_s=max_wait_s, retries=retries, backoff_s=backoff_s)
        self._owns_http = self._owns(http_client, transport)
        self.http = http_client or httpx.Client(transport=transport)
        self._sleep = sleep

    # -- lifetime ---------------------------------------------------------------------------
    def close(self) -> None:
        """Close the httpx client (when this client made it)."""
        if self._owns_http:
            self.http.close()

    def __enter__(self) -> RingkasClient:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    # -- the service ------------------------------------------------------------------------
    def health(self) -> dict[str, Any]:
        return self._send(calls.health())

    def ready(self) -> bool:
        """Whether the models are loaded (GET /v1/ready is 200, not 503); asked once."""
        return self._send(calls.ready())

    def models(self) -> dict[str, Any]:
        """The /v1/models body: ``models`` (roles, ids, revisions) and ``strategies``."""
        return self._send(calls.models())

    def summarize(self, text: str, *, title: str | None = None, html: bool = False,
                  length: str | int | None = None, languages: Iterable[str] = ("en",),
                  strategy: str | None = None, prompt: str | None = None,
                  glossary: str | None = None,
                  glossary_entries: Mapping[str, str] | None = None) -> Summary:
        """POST /v1/summarize; None leaves a field to the service's default."""
        return self._send(calls.summarize(
            text, title=title, html=html, length=length, languages=languages,
            strategy=strategy, prompt=prompt, glossary=glossary,
            glossary_entries=glossary_entries))

    def summarize_body(self, body: Mapping[str, Any]) -> Summary:
        """POST a ready /v1/summarize body."""
        return self._send(calls.summarize_body(body))

    def translate(self, text: str | Sequence[str], *, source: str = "id",
                  target: str = "en", glossary: str | None = None,
                  glossary_entries: Mapping[str, str] | None = None) -> Translation:
        """POST /v1/translate: one text, or a list (the translation is a list then)."""
        return self._send(calls.translate(text, source=source, target=target,
                                          glossary=glossary,
                                          glossary_entries=glossary_entries))

    # -- glossaries -------------------------------------------------------------------------
    def glossaries(self) -> list[dict[str, Any]]:
        """GET /v1/glossaries: the glossaries a request may name, as JSON objects."""
        return self._send(calls.glossaries())

    def list_glossaries(self) -> list[Glossary]:
        """The same list, typed."""
        return self._send(calls.list_glossaries())

    def create_glossary(self, name: str, entries: Mapping[str, str], *, source: str = "id",
                        target: str = "en") -> Glossary:
        """A glossary of one language pair, owned by this client's API key (shared by all
        callers when the service runs without keys)."""
        return self._send(calls.create_glossary(name, entries, source=source, target=target))

    def get_glossary(self, glossary_id: str) -> Glossary:
        return self._send(calls.get_glossary(glossary_id))

    def glossary_entries(self, glossary_id: str) -> dict[str, str]:
        """A glossary's entries, source term -> target term."""
        return self._send(calls.glossary_entries(glossary_id))

    def delete_glossary(self, glossary_id: str) -> None:
        """Delete one of this key's glossaries (a server-wide one cannot be deleted)."""
        self._send(calls.delete_glossary(glossary_id))

    # -- jobs -------------------------------------------------------------------------------
    def submit_job(self, items: Sequence[Mapping[str, Any]], *,
                   webhook: str | None = None) -> dict[str, Any]:
        """POST /v1/jobs; the 202 body (``id``, ``status``, ``progress``, ``items``). An
        item is a /v1/summarize body, or a /v1/translate body with ``"kind": "translate"``."""
        return self._send(calls.submit_job(items, webhook=webhook))

    def get_job(self, job_id: str, *, items: bool = True) -> dict[str, Any]:
        return self._send(calls.get_job(job_id, items=items))

    def cancel_job(self, job_id: str) -> dict[str, Any]:
        """Cancel a live job: queued items will not run (409 ``job_finished`` if final)."""
        return self._send(calls.cancel_job(job_id))

    def wait_for_job(self, job_id: str, *, timeout_s: float | None = DEFAULT_WAIT_S,
                     poll_s: float = DEFAULT_POLL_S,
                     on_progress: ProgressCallback | None = None) -> Job:
        """Poll the job until it is done, failed or cancelled, calling ``on_progress`` with
        its progress each time that changes; the final job, with its items. After
        ``timeout_s`` seconds (None: no limit): JobTimeoutError (the job goes on)."""
        watch = JobWatch(job_id, timeout_s=timeout_s, poll_s=poll_s)
        return self._wait(watch, self.get_job(job_id, items=False), on_progress)

    def run_job(self, items: Sequence[Mapping[str, Any]], *, webhook: str | None = None,
                timeout_s: float | None = DEFAULT_WAIT_S, poll_s: float = DEFAULT_POLL_S,
                on_progress: ProgressCallback | None = None,
                cancel_on_error: bool = True) -> Job:
        """Submit a job and wait for it (as :meth:`wait_for_job`). If the wait ends in an
        error (a timeout, Ctrl-C), the job is cancelled first unless ``cancel_on_error`` is
        False."""
        submitted = self.submit_job(items, webhook=webhook)
        watch = JobWatch(str(submitted.get("id")), timeout_s=timeout_s, poll_s=poll_s)
        try:
            return self._wait(watch, submitted, on_progress)
        except BaseException:
            if cancel_on_error and not watch.final:
                self._cancel_quietly(watch.job_id)
            raise

    def _wait(self, watch: JobWatch, body: dict[str, Any],
              on_progress: ProgressCallback | None) -> Job:
        while True:
            changed = watch.observe(body)
            if changed is not None and on_progress is not None:
                on_progress(changed)
            if watch.final:
                return Job.from_json(self.get_job(watch.job_id))
            self._sleep(watch.pause())
            body = self.get_job(watch.job_id, items=False)

    def _cancel_quietly(self, job_id: str) -> None:
        with contextlib.suppress(Exception):  # best effort: the error raised is the one to see
            self._send(calls.cancel_job(job_id))

    # -- documents --------------------------------------------------------------------------
    def translate_file(self, file: FileInput, *, filename: str | None = None,
                       source: str = "auto", target: str = "en") -> bytes:
        """Translate a document (.txt, .html, .docx: a path, or its bytes with
        ``filename``) and return the translated file's bytes. The service keeps the
        translation for one download, made here."""
        url = self._send(calls.translate_file(file, filename=filename, source=source,
                                              target=target))
        return self._send(calls.download(url))

    # -- plumbing ---------------------------------------------------------------------------
    def request(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        """One call to any route (``kwargs`` as httpx takes them: ``json``, ``params``...);
        its JSON object back, or ServiceError / TransportError."""
        return self._send(calls.request(method, path, **kwargs))

    def _send(self, call: Call[T]) -> T:
        attempt = 0
        while True:
            try:
                response = self.http.send(self._request(self.http, call))
            except httpx.TransportError as exc:
                wait = self._wait_after_failure(call, exc, attempt)
            else:
                answer = self._wait_after_response(call, response, attempt)
                if answer is None:
                    return self._read(call, response)
                wait = answer
            self._sleep(wait)
            attempt += 1
