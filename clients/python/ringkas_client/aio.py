"""The asyncio client: :class:`AsyncRingkasClient`, the methods of
:class:`~ringkas_client.sync.RingkasClient` as coroutines, on the same calls, retry policy
and results."""

from __future__ import annotations

import asyncio
import contextlib
import inspect
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
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


class AsyncRingkasClient(ClientBase):
    """As :class:`~ringkas_client.sync.RingkasClient`, on an ``httpx.AsyncClient``;
    ``sleep`` is a coroutine function (``asyncio.sleep``), and ``on_progress`` may be one."""

    def __init__(self, base_url: str, *, api_key: str | None = None,
                 timeout: float = DEFAULT_TIMEOUT_S, max_retries: int | None = None,
                 max_wait_s: float = DEFAULT_MAX_WAIT_S, retries: int | None = None,
                 backoff_s: float = 0.5, http_client: httpx.AsyncClient | None = None,
                 transport: httpx.AsyncBaseTransport | None = None,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        super().__init__(base_url, api_key=api_key, timeout=timeout, max_retries=max_retries,
                         max_wait_s=max_wait_s, retries=retries, backoff_s=backoff_s)
        self._owns_http = self._owns(http_client, transport)
        self.http = http_client or httpx.AsyncClient(transport=transport)
        self._sleep = sleep

    # -- lifetime ---------------------------------------------------------------------------
    async def aclose(self) -> None:
        """Close the httpx client (when this client made it)."""
        if self._owns_http:
            await self.http.aclose()

    async def __aenter__(self) -> AsyncRingkasClient:
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None,
                        exc: BaseException | None, tb: TracebackType | None) -> None:
        await self.aclose()

    # -- the service ------------------------------------------------------------------------
    async def health(self) -> dict[str, Any]:
        return await self._send(calls.health())

    async def ready(self) -> bool:
        return await self._send(calls.ready())

    async def models(self) -> dict[str, Any]:
        return await self._send(calls.models())

    async def summarize(self, text: str, *, title: str | None = None, html: bool = False,
                        length: str | int | None = None, languages: Iterable[str] = ("en",),
                        strategy: str | None = None, prompt: str | None = None,
                        glossary: str | None = None,
                        glossary_entries: Mapping[str, str] | None = None) -> Summary:
        return await self._send(calls.summarize(
            text, title=title, html=html, length=length, languages=languages,
            strategy=strategy, prompt=prompt, glossary=glossary,
            glossary_entries=glossary_entries))

    async def summarize_body(self, body: Mapping[str, Any]) -> Summary:
        return await self._send(calls.summarize_body(body))

    async def translate(self, text: str | Sequence[str], *, source: str = "id",
                        target: str = "en", glossary: str | None = None,
                        glossary_entries: Mapping[str, str] | None = None) -> Translation:
        return await self._send(calls.translate(text, source=source, target=target,
                                                glossary=glossary,
                                                glossary_entries=glossary_entries))

    # -- glossaries -------------------------------------------------------------------------
    async def glossaries(self) -> list[dict[str, Any]]:
        return await self._send(calls.glossaries())

    async def list_glossaries(self) -> list[Glossary]:
        return await self._send(calls.list_glossaries())

    async def create_glossary(self, name: str, entries: Mapping[str, str], *,
                              source: str = "id", target: str = "en") -> Glossary:
        return await self._send(calls.create_glossary(name, entries, source=source,
                                                      target=target))

    async def get_glossary(self, glossary_id: str) -> Glossary:
        return await self._send(calls.get_glossary(glossary_id))

    async def glossary_entries(self, glossary_id: str) -> dict[str, str]:
        return await self._send(calls.glossary_entries(glossary_id))

    async def delete_glossary(self, glossary_id: str) -> None:
        await self._send(calls.delete_glossary(glossary_id))

    # -- jobs -------------------------------------------------------------------------------
    async def submit_job(self, items: Sequence[Mapping[str, Any]], *,
                         webhook: str | None = None) -> dict[str, Any]:
        return await self._send(calls.submit_job(items, webhook=webhook))

    async def get_job(self, job_id: str, *, items: bool = True) -> dict[str, Any]:
        return await self._send(calls.get_job(job_id, items=items))

    async def cancel_job(self, job_id: str) -> dict[str, Any]:
        return await self._send(calls.cancel_job(job_id))

    async def wait_for_job(self, job_id: str, *, timeout_s: float | None = DEFAULT_WAIT_S,
                           poll_s: float = DEFAULT_POLL_S,
                           on_progress: ProgressCallback | None = None) -> Job:
        watch = JobWatch(job_id, timeout_s=timeout_s, poll_s=poll_s)
        return await self._wait(watch, await self.get_job(job_id, items=False), on_progress)

    async def run_job(self, items: Sequence[Mapping[str, Any]], *, webhook: str | None = None,
                      timeout_s: float | None = DEFAULT_WAIT_S, poll_s: float = DEFAULT_POLL_S,
                      on_progress: ProgressCallback | None = None,
                      cancel_on_error: bool = True) -> Job:
        submitted = await self.submit_job(items, webhook=webhook)
        watch = JobWatch(str(submitted.get("id")), timeout_s=timeout_s, poll_s=poll_s)
        try:
            return await self._wait(watch, submitted, on_progress)
        except BaseException:  # a timeout, or the task cancelled
            if cancel_on_error and not watch.final:
                await self._cancel_quietly(watch.job_id)
            raise

    async def _wait(self, watch: JobWatch, body: dict[str, Any],
                    on_progress: ProgressCallback | None) -> Job:
        while True:
            changed = watch.observe(body)
            if changed is not None and on_progress is not None:
                returned = on_progress(changed)
                if inspect.isawaitable(returned):
                    await returned
            if watch.final:
                return Job.from_json(await self.get_job(watch.job_id))
            await self._sleep(watch.pause())
            body = await self.get_job(watch.job_id, items=False)

    async def _cancel_quietly(self, job_id: str) -> None:
        with contextlib.suppress(Exception):  # best effort: the error raised is the one to see
            await self._send(calls.cancel_job(job_id))

    # -- documents --------------------------------------------------------------------------
    async def translate_file(self, file: FileInput, *, filename: str | None = None,
                             source: str = "auto", target: str = "en") -> bytes:
        url = await self._send(calls.translate_file(file, filename=filename, source=source,
                                                    target=target))
        return await self._send(calls.download(url))

    # -- plumbing ---------------------------------------------------------------------------
    async def request(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        return await self._send(calls.request(method, path, **kwargs))

    async def _send(self, call: Call[T]) -> T:
        attempt = 0
        while True:
            try:
                response = await self.http.send(self._request(self.http, call))
            except httpx.TransportError as exc:
                wait = self._wait_after_failure(call, exc, attempt)
            else:
                answer = self._wait_after_response(call, response, attempt)
                if answer is None:
                    return self._read(call, response)
                wait = answer
            await self._sleep(wait)
            attempt += 1
