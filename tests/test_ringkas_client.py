"""ringkas_client (clients/python): its request building, error classes, retries and job
waiting against scripted answers (httpx.MockTransport), sync and async; the same against
the live server; and the distribution installed into a fresh virtualenv, where it must pull
in httpx and nothing of the service's stack."""

from __future__ import annotations

import asyncio
import email.utils
import itertools
import json
import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from ringkas_client import (
    AsyncRingkasClient,
    AuthenticationError,
    ConflictError,
    DeadlineExceededError,
    Glossary,
    InternalServerError,
    InvalidRequestError,
    Job,
    JobTimeoutError,
    Model,
    NotFoundError,
    Notice,
    NotReadyError,
    OverloadedError,
    PayloadTooLargeError,
    QuotaExceededError,
    RateLimitedError,
    RingkasClient,
    RingkasClientError,
    ServiceError,
    ServiceUnavailableError,
    Summary,
    Translation,
    TransportError,
)

CLIENT_DIR = Path(__file__).resolve().parent.parent / "clients" / "python"
SHORT_ID = ("Jakarta (ANTARA) - Menteri itu meresmikan pabrik baru di Bogor.\n\n"
            "Pabrik itu mempekerjakan 200 orang dari desa sekitar.")

Answer = Callable[[httpx.Request], httpx.Response] | Exception


# -- a scripted service -------------------------------------------------------------------

def reply(status: int = 200, body: Any = None, *, headers: dict[str, str] | None = None,
          content: bytes | None = None) -> Callable[[httpx.Request], httpx.Response]:
    """One answer, made fresh for the request it answers."""
    def make(request: httpx.Request) -> httpx.Response:
        if content is not None:
            return httpx.Response(status, content=content, headers=headers)
        return httpx.Response(status, json=body, headers=headers)
    return make


def ringkas_error(status: int, code: str, message: str = "no", *,
                  headers: dict[str, str] | None = None,
                  **extra: Any) -> Callable[[httpx.Request], httpx.Response]:
    return reply(status, {"error": {"code": code, "message": message, **extra}},
                 headers=headers)


class Script:
    """Answers requests in order from a script; records every request it was sent."""

    def __init__(self, *answers: Answer) -> None:
        self.answers = list(answers)
        self.seen: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request)
        if not self.answers:
            raise AssertionError(f"unscripted request {request.method} {request.url}")
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer(request)

    def sync(self, **options: Any) -> tuple[RingkasClient, list[float]]:
        waits: list[float] = []
        client = RingkasClient("http://ringkas.test/", transport=httpx.MockTransport(self),
                               sleep=waits.append, **options)
        return client, waits

    def aio(self, **options: Any) -> tuple[AsyncRingkasClient, list[float]]:
        waits: list[float] = []

        async def sleep(seconds: float) -> None:
            waits.append(seconds)

        client = AsyncRingkasClient("http://ringkas.test", transport=httpx.MockTransport(self),
                                    sleep=sleep, **options)
        return client, waits


def body_of(request: httpx.Request) -> Any:
    return json.loads(request.content)


SUMMARY = {"summary": {"en": "The minister opened a factory.", "id": "Menteri membuka pabrik."},
           "strategy": "translate-summarise", "length": "short",
           "models": [{"role": "summarize", "id": "sshleifer/distilbart-cnn-12-6",
                       "revision": "a4f8f3e", "backend": "ctranslate2", "commit": "a4f8f3e",
                       "random_weights": False, "compute_type": "int8"}],
           "fidelity": {"checked": 2, "supported": True},
           "timings_ms": {"total": 120.5},
           "warnings": [{"code": "glossary_not_applied", "message": "term missing",
                         "details": {"term": "Kemenperin"}}]}
TRANSLATION = {"translation": ["The factory is big.", "The village is small."],
               "models": [{"role": "translate_id_en", "id": "m", "revision": "r"}],
               "timings_ms": {"total": 5.0}, "warnings": []}


def job_body(status: str, done: int, failed: int, total: int, *,
             items: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": "job_1", "status": status,
        "progress": {"done": done, "failed": failed, "finished": done + failed, "total": total},
        "created_at": "2026-01-01T00:00:00Z", "expires_at": None,
        "finished_at": "2026-01-01T00:00:09Z" if status in ("done", "failed") else None}
    if items is not None:
        body["items"] = items
    return body


# -- errors ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("status", "body", "cls", "code"), [
    (422, {"error": {"code": "unsupported_language_pair", "message": "fr"}},
     InvalidRequestError, "unsupported_language_pair"),
    (400, {"error": {"code": "malformed_json", "message": "bad"}}, InvalidRequestError,
     "malformed_json"),
    (415, {"error": {"code": "unsupported_media_type", "message": "json"}},
     InvalidRequestError, "unsupported_media_type"),
    (413, {"error": {"code": "text_too_long", "message": "big"}}, PayloadTooLargeError,
     "text_too_long"),
    # LibreTranslate's routes: {"error": message, "code"}, every bad request a 400.
    (400, {"error": "too long", "code": "text_too_long"}, PayloadTooLargeError,
     "text_too_long"),
    (400, {"error": "pdf", "code": "unsupported_file_format"}, InvalidRequestError,
     "unsupported_file_format"),
    (401, {"error": {"code": "missing_api_key", "message": "key"}}, AuthenticationError,
     "missing_api_key"),
    (403, {"error": "refused", "code": "invalid_api_key"}, AuthenticationError,
     "invalid_api_key"),
    (404, {"error": {"code": "job_not_found", "message": "gone"}}, NotFoundError,
     "job_not_found"),
    (409, {"error": {"code": "job_finished", "message": "done"}}, ConflictError,
     "job_finished"),
    (429, {"error": {"code": "rate_limited", "message": "slow"}}, RateLimitedError,
     "rate_limited"),
    # DeepL's routes: {"message", "code"}, with its 456 for a full quota.
    (456, {"message": "full", "code": "glossary_limit"}, QuotaExceededError, "glossary_limit"),
    (503, {"error": {"code": "overloaded", "message": "busy"}}, OverloadedError, "overloaded"),
    (503, {"error": {"code": "shutting_down", "message": "bye"}}, OverloadedError,
     "shutting_down"),
    (503, {"error": {"code": "not_ready", "message": "loading"}}, NotReadyError, "not_ready"),
    (503, {"error": {"code": "jobs_unavailable", "message": "lock"}}, ServiceUnavailableError,
     "jobs_unavailable"),
    (507, {"error": {"code": "jobs_storage_unavailable", "message": "full"}},
     ServiceUnavailableError, "jobs_storage_unavailable"),
    (504, {"error": {"code": "deadline_exceeded", "message": "slow"}}, DeadlineExceededError,
     "deadline_exceeded"),
    (500, {"error": {"code": "engine_fault", "message": "broke"}}, InternalServerError,
     "engine_fault"),
    (502, None, ServiceError, "http_error"),  # a proxy's page: not the service's JSON
])
def test_an_error_answer_raises_the_class_of_its_status_and_code(
        status: int, body: Any, cls: type[ServiceError], code: str) -> None:
    answer = (reply(status, body) if body is not None
              else reply(status, content=b"<h1>Bad gateway</h1>",
                         headers={"Content-Type": "text/html"}))
    client, waits = Script(answer).sync(max_retries=0)
    with pytest.raises(ServiceError) as info:
        client.translate("Pabrik itu besar.")
    exc = info.value
    assert type(exc) is cls
    assert isinstance(exc, RingkasClientError)
    assert (exc.status, exc.code) == (status, code)
    assert exc.message and isinstance(exc.details, dict)
    assert str(exc) == f"{status} {code}: {exc.message}"
    assert waits == []


def test_an_error_keeps_details_request_id_and_retry_after() -> None:
    client, _ = Script(
        ringkas_error(422, "invalid_length", "length must be 1-20", details={"field": "length"},
                      request_id="req-1"),
        reply(400, {"error": "pdf", "code": "unsupported_file_format"},
              headers={"X-Request-ID": "req-2"}),
        ringkas_error(503, "overloaded", headers={"Retry-After": "4"},
                      details={"retry_after_s": 4}),
    ).sync(max_retries=0)
    with pytest.raises(InvalidRequestError) as first:
        client.summarize(SHORT_ID, length=99)
    assert first.value.details == {"field": "length"}
    assert first.value.request_id == "req-1"
    assert first.value.message == "length must be 1-20"
    assert first.value.retry_after_s is None
    with pytest.raises(InvalidRequestError) as second:
        client.translate("x")
    assert second.value.request_id == "req-2"  # from the header when the body has none
    assert second.value.details == {}
    with pytest.raises(OverloadedError) as third:
        client.translate("x")
    assert third.value.retry_after_s == 4.0


def test_service_error_and_transport_error_construct_as_service_client_did() -> None:
    exc = ServiceError(503, "overloaded", "busy", details={"a": 1}, request_id="r",
                       retry_after_s=2.0)
    assert (exc.status, exc.code, exc.message, exc.details, exc.request_id,
            exc.retry_after_s) == (503, "overloaded", "busy", {"a": 1}, "r", 2.0)
    assert str(exc) == "503 overloaded: busy"
    assert ServiceError(500, "x", "y").details == {}
    transport = TransportError("down")
    assert (transport.code, transport.message, transport.details) == (
        "service_unreachable", "down", {})
    assert TransportError("odd", code="unexpected_response").code == "unexpected_response"
    assert issubclass(ServiceError, RingkasClientError)
    assert issubclass(TransportError, RingkasClientError)
    assert not issubclass(TransportError, ServiceError)


def test_an_answer_that_is_not_the_json_expected_is_a_transport_error() -> None:
    client, _ = Script(reply(200, [1, 2]), reply(200, {"translation_missing": True}),
                       reply(200, content=b"not json")).sync()
    for _ in range(3):
        with pytest.raises(TransportError) as info:
            client.translate("x")
        assert info.value.code == "unexpected_response"


def test_an_unreachable_service_is_a_transport_error_after_the_retries() -> None:
    script = Script(*[httpx.ConnectError("refused")] * 3)
    client, waits = script.sync(max_retries=2)
    with pytest.raises(TransportError) as info:
        client.health()
    assert info.value.code == "service_unreachable"
    assert info.value.details == {"attempts": 3}
    assert len(script.seen) == 3 and waits == [0.5, 1.0]


# -- retries --------------------------------------------------------------------------------

def test_429_and_503_are_retried_after_the_servers_retry_after() -> None:
    script = Script(ringkas_error(503, "overloaded", headers={"Retry-After": "2"}),
                    ringkas_error(429, "rate_limited", headers={"Retry-After": "7"}),
                    reply(200, TRANSLATION))
    client, waits = script.sync(api_key="k1")
    result = client.translate(["Pabrik itu besar.", "Desa itu kecil."])
    assert result.translation == TRANSLATION["translation"]
    assert waits == [2.0, 7.0]
    assert [r.method for r in script.seen] == ["POST"] * 3
    assert all(body_of(r) == body_of(script.seen[0]) for r in script.seen)
    assert all(r.headers["Authorization"] == "Bearer k1" for r in script.seen)


def test_the_wait_is_capped_and_backs_off_without_retry_after() -> None:
    later = email.utils.formatdate(time.time() + 30, usegmt=True)
    script = Script(ringkas_error(503, "overloaded", headers={"Retry-After": "3600"}),
                    ringkas_error(503, "not_ready"),
                    ringkas_error(503, "not_ready"),
                    reply(200, TRANSLATION))
    client, waits = script.sync(max_wait_s=60)
    client.translate("x")
    assert waits == [60.0, 1.0, 2.0]  # capped; then 0.5 s doubled per attempt

    script = Script(ringkas_error(429, "rate_limited", headers={"Retry-After": later}),
                    reply(200, TRANSLATION))
    client, waits = script.sync()
    client.translate("x")
    assert len(waits) == 1 and 25 < waits[0] <= 30  # an HTTP date


def test_retries_end_after_max_retries_with_the_last_error() -> None:
    script = Script(*[ringkas_error(503, "overloaded", headers={"Retry-After": "1"})] * 4)
    client, waits = script.sync(max_retries=3)
    with pytest.raises(OverloadedError) as info:
        client.summarize(SHORT_ID)
    assert len(script.seen) == 4 and waits == [1.0, 1.0, 1.0]
    assert info.value.retry_after_s == 1.0

    script = Script(ringkas_error(503, "overloaded", headers={"Retry-After": "0"}))
    client, waits = script.sync(retries=0)  # service.client's name for it
    with pytest.raises(OverloadedError):
        client.translate("x")
    assert (len(script.seen), waits, client.retries) == (1, [], 0)
    with pytest.raises(TypeError):
        RingkasClient("http://x", retries=1, max_retries=2)


def test_a_post_that_may_have_run_is_never_sent_twice() -> None:
    script = Script(ringkas_error(500, "engine_fault"))
    client, waits = script.sync(max_retries=3)
    with pytest.raises(InternalServerError):
        client.summarize(SHORT_ID)
    assert len(script.seen) == 1 and waits == []

    for failure in (httpx.ReadTimeout("slow"), httpx.RemoteProtocolError("dropped")):
        script = Script(failure)
        client, waits = script.sync(max_retries=3)
        with pytest.raises(TransportError) as info:
            client.submit_job([{"text": SHORT_ID}])
        assert len(script.seen) == 1 and waits == []
        assert info.value.code == ("timeout" if isinstance(failure, httpx.ReadTimeout)
                                   else "service_unreachable")


def test_a_get_is_retried_after_any_transport_failure_a_post_after_a_refused_connect(
        ) -> None:
    script = Script(httpx.ConnectError("refused"), httpx.ReadTimeout("slow"),
                    reply(200, {"status": "ok"}))
    client, waits = script.sync()
    assert client.health() == {"status": "ok"}
    assert len(script.seen) == 3 and waits == [0.5, 1.0]

    script = Script(httpx.ConnectError("refused"), reply(200, TRANSLATION))
    client, waits = script.sync()
    assert client.translate("x").translation == TRANSLATION["translation"]
    assert len(script.seen) == 2 and waits == [0.5]


def test_ready_is_asked_once_and_a_503_is_false() -> None:
    script = Script(ringkas_error(503, "not_ready"), reply(200, {"status": "ready"}),
                    ringkas_error(500, "internal_error"))
    client, waits = script.sync()
    assert client.ready() is False
    assert client.ready() is True
    with pytest.raises(InternalServerError):
        client.ready()
    assert len(script.seen) == 3 and waits == []


# -- requests and results -------------------------------------------------------------------

def test_summarize_sends_the_fields_given_and_reads_a_typed_summary() -> None:
    script = Script(reply(200, SUMMARY), reply(200, SUMMARY))
    client, _ = script.sync(api_key="secret")
    result = client.summarize(SHORT_ID, languages=("en", "id"), length="short",
                              glossary_entries={"pabrik": "factory"})
    request = script.seen[0]
    assert (request.method, str(request.url)) == ("POST", "http://ringkas.test/v1/summarize")
    assert body_of(request) == {"text": SHORT_ID, "html": False, "languages": ["en", "id"],
                                "length": "short", "glossary_entries": {"pabrik": "factory"}}
    assert request.headers["Authorization"] == "Bearer secret"
    assert request.headers["User-Agent"].startswith("ringkas-client/")
    assert isinstance(result, Summary)
    assert result.summary == SUMMARY["summary"] and result.strategy == "translate-summarise"
    assert result.models == [Model("summarize", "sshleifer/distilbart-cnn-12-6", "a4f8f3e",
                                   "ctranslate2", "a4f8f3e", False)]
    assert result.models[0].raw["compute_type"] == "int8"
    assert result.warnings == [Notice("glossary_not_applied", "term missing")]
    assert result.warnings[0].details == {"term": "Kemenperin"}
    assert result.fidelity == {"checked": 2, "supported": True}
    assert result.timings_ms == {"total": 120.5}
    assert result.to_json() == SUMMARY and Summary.from_json(result.to_json()) == result

    client.summarize_body({"text": SHORT_ID, "strategy": "crosssum"})
    assert body_of(script.seen[1]) == {"text": SHORT_ID, "strategy": "crosssum"}


def test_translate_keeps_the_shape_it_was_given() -> None:
    one = dict(TRANSLATION, translation="The factory is big.")
    script = Script(reply(200, one), reply(200, TRANSLATION))
    client, _ = script.sync()
    result = client.translate("Pabrik itu besar.", glossary="newsroom")
    assert isinstance(result, Translation) and result.translation == "The factory is big."
    assert body_of(script.seen[0]) == {"text": "Pabrik itu besar.", "source": "id",
                                       "target": "en", "glossary": "newsroom"}
    many = client.translate(("The factory is big.", "b"), source="en", target="id")
    assert body_of(script.seen[1])["text"] == ["The factory is big.", "b"]
    assert many.translation == TRANSLATION["translation"]
    assert many.models[0].role == "translate_id_en"
    assert Translation.from_json(many.to_json()) == many


def test_ids_in_paths_stay_one_path_segment() -> None:
    script = Script(reply(200, job_body("queued", 0, 0, 1)), reply(204, content=b""))
    client, _ = script.sync()
    client.get_job("../../v1/models?x=1", items=False)
    client.delete_glossary("a/b")
    assert script.seen[0].url.raw_path == b"/v1/jobs/..%2F..%2Fv1%2Fmodels%3Fx%3D1?items=false"
    assert script.seen[1].url.raw_path == b"/v2/glossaries/a%2Fb"


def test_request_reaches_any_route() -> None:
    script = Script(reply(200, {"supported_languages": []}), ringkas_error(404, "not_found"))
    client, _ = script.sync()
    assert client.request("get", "/v2/glossary-language-pairs",
                          params={"x": "1"}) == {"supported_languages": []}
    assert str(script.seen[0].url) == "http://ringkas.test/v2/glossary-language-pairs?x=1"
    with pytest.raises(NotFoundError):
        client.request("GET", "/v1/nothing-here")


# -- jobs -----------------------------------------------------------------------------------

FINAL_ITEMS: list[dict[str, Any]] = [
    {"index": 0, "id": "a", "kind": "summarize", "status": "done", "result": SUMMARY},
    {"index": 1, "id": None, "kind": "translate", "status": "done", "result": TRANSLATION},
    {"index": 2, "id": "bad", "kind": "summarize", "status": "error",
     "error": {"code": "empty_text", "message": "text is empty"}},
]


def test_wait_for_job_polls_until_final_and_reports_each_change_of_progress() -> None:
    script = Script(reply(200, job_body("queued", 0, 0, 3)),
                    reply(200, job_body("running", 0, 0, 3)),  # status changed, progress not
                    reply(200, job_body("running", 1, 1, 3)),
                    reply(200, job_body("done", 2, 1, 3)),
                    reply(200, job_body("done", 2, 1, 3, items=FINAL_ITEMS)))
    client, waits = script.sync()
    seen: list[dict[str, int]] = []
    job = client.wait_for_job("job_1", poll_s=0.25, on_progress=seen.append)
    assert [p["finished"] for p in seen] == [0, 2, 3]
    assert seen[-1] == {"done": 2, "failed": 1, "finished": 3, "total": 3}
    assert waits == [0.25] * 3
    assert [r.url.params.get("items") for r in script.seen] == ["false"] * 4 + [None]
    assert isinstance(job, Job) and job.status == "done" and job.final
    assert [(i.index, i.id, i.status) for i in job.items] == [
        (0, "a", "done"), (1, None, "done"), (2, "bad", "error")]
    assert job.items[0].summary is not None and job.items[0].translation is None
    assert job.items[0].summary.summary == SUMMARY["summary"]
    assert job.items[1].translation is not None
    assert job.items[1].translation.translation == TRANSLATION["translation"]
    assert job.items[2].error == {"code": "empty_text", "message": "text is empty"}
    assert job.items[2].summary is None


def test_run_job_submits_then_waits_from_the_submit_answer() -> None:
    items = [{"id": "a", "text": SHORT_ID}, {"kind": "translate", "text": "Pabrik itu."}]
    script = Script(reply(202, job_body("queued", 0, 0, 2)),
                    reply(200, job_body("failed", 0, 2, 2)),
                    reply(200, job_body("failed", 0, 2, 2, items=[])))
    client, waits = script.sync()
    seen: list[dict[str, int]] = []
    job = client.run_job(items, webhook="https://hooks.example/r", poll_s=1,
                         on_progress=seen.append)
    assert body_of(script.seen[0]) == {"items": items, "webhook": "https://hooks.example/r"}
    assert [r.method for r in script.seen] == ["POST", "GET", "GET"]
    assert [p["failed"] for p in seen] == [0, 2]
    assert job.status == "failed" and waits == [1]


def test_a_job_still_live_at_the_timeout_raises_and_run_job_cancels_it() -> None:
    script = Script(reply(200, job_body("running", 1, 0, 2)))
    client, _ = script.sync()
    with pytest.raises(JobTimeoutError) as info:
        client.wait_for_job("job_1", timeout_s=0)
    assert info.value.job.status == "running" and info.value.job_id == "job_1"
    assert info.value.details["progress"]["done"] == 1
    assert [r.method for r in script.seen] == ["GET"]  # waiting does not cancel

    script = Script(reply(202, job_body("queued", 0, 0, 2)),
                    reply(200, job_body("cancelled", 0, 0, 2)))
    client, _ = script.sync()
    with pytest.raises(JobTimeoutError):
        client.run_job([{"text": SHORT_ID}], timeout_s=0)
    assert [(r.method, r.url.path) for r in script.seen] == [
        ("POST", "/v1/jobs"), ("DELETE", "/v1/jobs/job_1")]


def test_an_answer_that_is_not_the_job_waited_for_is_a_transport_error() -> None:
    other = dict(job_body("running", 0, 0, 1), id="job_2")
    client, _ = Script(reply(200, {"status": "running"}), reply(200, other)).sync()
    for _ in range(2):
        with pytest.raises(TransportError) as info:
            client.wait_for_job("job_1")
        assert info.value.code == "unexpected_response"


# -- documents and glossaries ---------------------------------------------------------------

def test_translate_file_uploads_then_downloads_once_without_the_key(tmp_path: Path) -> None:
    # The service names the URL as it saw itself (behind a proxy: another host, plain http);
    # the file is fetched from the client's own base URL.
    url = "http://10.0.0.5:8000/download_file/doc1.key1.berita.txt"
    script = Script(reply(200, {"translatedFileUrl": url}),
                    reply(200, content=b"The factory.\n", headers={"Content-Type": "text/plain"}))
    client, _ = script.sync(api_key="secret")
    path = tmp_path / "berita.txt"
    path.write_bytes(b"Pabrik itu.\n")
    assert client.translate_file(path, source="id", target="en") == b"The factory.\n"
    upload, download = script.seen
    assert (upload.method, upload.url.path) == ("POST", "/translate_file")
    assert upload.headers["Content-Type"].startswith("multipart/form-data")
    form = upload.content
    assert b'name="file"; filename="berita.txt"' in form and b"Pabrik itu.\n" in form
    assert b'name="source"\r\n\r\nid' in form and b'name="target"\r\n\r\nen' in form
    assert upload.headers["Authorization"] == "Bearer secret"
    assert (download.method, str(download.url)) == (
        "GET", "http://ringkas.test/download_file/doc1.key1.berita.txt")
    assert "Authorization" not in download.headers  # the URL is the capability

    with pytest.raises(ValueError, match="filename"):
        client.translate_file(b"Pabrik itu.\n")
    script = Script(reply(400, {"error": "not a format", "code": "unsupported_file_format"}))
    client, _ = script.sync()
    with pytest.raises(InvalidRequestError) as info:
        client.translate_file(b"%PDF", filename="a.pdf")
    assert info.value.code == "unsupported_file_format"


def test_glossaries_are_created_read_listed_and_deleted() -> None:
    made = {"glossary_id": "g-1", "name": "newsroom", "ready": True, "source_lang": "id",
            "target_lang": "en", "creation_time": "2026-01-01T00:00:00.000Z",
            "entry_count": 2, "server": False}
    script = Script(reply(201, made), reply(200, {"glossaries": [made]}),
                    reply(200, {"glossaries": [made]}), reply(200, made),
                    reply(200, content=b"Kemenperin\tMinistry of Industry\nIKM\tSMEs\n",
                          headers={"Content-Type": "text/tab-separated-values"}),
                    reply(204, content=b""))
    client, _ = script.sync()
    glossary = client.create_glossary("newsroom", {"Kemenperin": "Ministry of Industry",
                                                   "IKM": "SMEs"})
    assert body_of(script.seen[0]) == {
        "name": "newsroom", "source_lang": "id", "target_lang": "en",
        "entries": "Kemenperin\tMinistry of Industry\nIKM\tSMEs\n", "entries_format": "tsv"}
    assert glossary == Glossary("g-1", "newsroom", "id", "en", 2, "2026-01-01T00:00:00.000Z")
    assert client.list_glossaries() == [glossary]
    assert client.glossaries() == [made]
    assert client.get_glossary("g-1") == glossary
    assert client.glossary_entries("g-1") == {"Kemenperin": "Ministry of Industry",
                                              "IKM": "SMEs"}
    client.delete_glossary("g-1")
    assert [(r.method, r.url.path) for r in script.seen] == [
        ("POST", "/v2/glossaries"), ("GET", "/v1/glossaries"), ("GET", "/v1/glossaries"),
        ("GET", "/v2/glossaries/g-1"), ("GET", "/v2/glossaries/g-1/entries"),
        ("DELETE", "/v2/glossaries/g-1")]
    with pytest.raises(ValueError, match="tab"):
        client.create_glossary("bad", {"a\tb": "c"})
    assert len(script.seen) == 6  # refused before sending


# -- lifetime -------------------------------------------------------------------------------

def test_the_context_managers_close_the_http_client_they_made() -> None:
    with RingkasClient("http://x", transport=httpx.MockTransport(Script())) as client:
        pass
    assert client.http.is_closed
    own = httpx.Client(transport=httpx.MockTransport(Script()))
    with RingkasClient("http://x", http_client=own):
        pass
    assert not own.is_closed
    own.close()

    async def run() -> tuple[bool, bool]:
        async with AsyncRingkasClient("http://x",
                                      transport=httpx.MockTransport(Script())) as aclient:
            pass
        mine = httpx.AsyncClient(transport=httpx.MockTransport(Script()))
        async with AsyncRingkasClient("http://x", http_client=mine):
            pass
        kept = not mine.is_closed
        await mine.aclose()
        return aclient.http.is_closed, kept

    assert asyncio.run(run()) == (True, True)


# -- async ----------------------------------------------------------------------------------

def test_async_errors_and_retries_behave_as_the_sync_client() -> None:
    async def run() -> None:
        script = Script(ringkas_error(429, "rate_limited", headers={"Retry-After": "3"}),
                        ringkas_error(503, "overloaded"),
                        reply(200, SUMMARY),
                        ringkas_error(500, "engine_fault"),
                        ringkas_error(422, "unsupported_language_pair"),
                        httpx.ReadTimeout("slow"))
        client, waits = script.aio(api_key="k")
        async with client:
            result = await client.summarize(SHORT_ID, length=2)
            assert result.summary == SUMMARY["summary"]
            assert waits == [3.0, 1.0]  # Retry-After, then 0.5 s doubled once
            with pytest.raises(InternalServerError):
                await client.summarize(SHORT_ID)
            assert len(script.seen) == 4 and waits == [3.0, 1.0]  # no retry of the 500
            with pytest.raises(InvalidRequestError) as info:
                await client.translate("x", target="fr")
            assert info.value.code == "unsupported_language_pair"
            with pytest.raises(TransportError) as timeout:
                await client.submit_job([{"text": "x"}])
            assert timeout.value.code == "timeout" and len(script.seen) == 6
        assert all(r.headers["Authorization"] == "Bearer k" for r in script.seen)

    asyncio.run(run())


def test_async_job_waiting_awaits_an_async_progress_callback() -> None:
    async def run() -> None:
        script = Script(reply(202, job_body("queued", 0, 0, 3)),
                        reply(200, job_body("running", 1, 0, 3)),
                        reply(200, job_body("running", 1, 0, 3)),
                        reply(200, job_body("done", 3, 0, 3)),
                        reply(200, job_body("done", 3, 0, 3, items=FINAL_ITEMS)))
        client, waits = script.aio()
        seen: list[Any] = []

        async def progress(p: dict[str, int]) -> None:
            await asyncio.sleep(0)
            seen.append(p["done"])

        job = await client.run_job([{"text": SHORT_ID}] * 3, poll_s=0.1, on_progress=progress)
        assert seen == [0, 1, 3] and waits == [0.1] * 3
        assert job.final and len(job.items) == 3
        script.answers[:] = [reply(200, job_body("queued", 0, 0, 1))]
        with pytest.raises(JobTimeoutError):
            await client.wait_for_job("job_1", timeout_s=0, on_progress=seen.append)
        assert seen[-1] == {"done": 0, "failed": 0, "finished": 0, "total": 1}  # a plain one
        await client.aclose()

    asyncio.run(run())


def _record_every_call(client: Any) -> Iterator[Any]:
    """The same API calls, on either client; yields each call's result (or coroutine)."""
    yield client.health()
    yield client.summarize(SHORT_ID, title="T", languages=["en"], strategy="crosssum")
    yield client.translate(["a", "b"], source="en", target="id",
                           glossary_entries={"a": "b"})
    yield client.glossaries()
    yield client.submit_job([{"text": "x"}])
    yield client.get_job("job_1", items=False)
    yield client.cancel_job("job_1")
    yield client.create_glossary("n", {"a": "b"}, source="en", target="id")
    yield client.translate_file(b"x", filename="a.txt", target="id")


def _answers() -> list[Answer]:
    job = job_body("queued", 0, 0, 1)
    glossary = {"glossary_id": "g", "name": "n", "source_lang": "en", "target_lang": "id",
                "entry_count": 1, "creation_time": "t"}
    return [reply(200, {"status": "ok"}), reply(200, SUMMARY), reply(200, TRANSLATION),
            reply(200, {"glossaries": []}), reply(202, job), reply(200, job), reply(200, job),
            reply(201, glossary), reply(200, {"translatedFileUrl": "/download_file/a.k.a.txt"}),
            reply(200, content=b"y")]


def test_both_clients_send_the_same_requests() -> None:
    def shape(requests: list[httpx.Request]) -> list[tuple[str, str, bytes]]:
        # (a multipart body's boundary is random: its parts are checked elsewhere)
        return [(r.method, str(r.url),
                 b"" if r.headers.get("Content-Type", "").startswith("multipart/")
                 else r.content) for r in requests]

    sync_script = Script(*_answers())
    sync_client, _ = sync_script.sync(api_key="k")
    sync_results = list(_record_every_call(sync_client))

    async def run() -> list[Any]:
        client, _ = async_script.aio(api_key="k")
        return [await c for c in _record_every_call(client)]

    async_script = Script(*_answers())
    async_results = asyncio.run(run())
    assert shape(sync_script.seen) == shape(async_script.seen)
    assert len(sync_script.seen) == 10
    assert sync_results == async_results
    assert sync_results[-1] == b"y"


# -- the live service -----------------------------------------------------------------------

def _txt(tmp_path: Path) -> Path:
    path = tmp_path / "berita.txt"
    path.write_text("Pabrik itu besar.\n\n  Desa itu kecil.\n", encoding="utf-8")
    return path


def _check_translated_txt(out: bytes) -> None:
    lines = out.decode("utf-8").split("\n")
    assert len(lines) == 4 and lines[1] == "" and lines[3] == ""  # blank line, last newline
    assert lines[0].strip() and lines[2].startswith("  ") and lines[2].strip()


def _job_items() -> list[dict[str, Any]]:
    return [{"id": "s", "text": SHORT_ID, "length": "short"},
            {"id": "t", "kind": "translate", "text": "Pabrik itu besar."},
            {"id": "bad", "text": ""}]


def _check_job(job: Job, seen: list[dict[str, int]]) -> None:
    assert job.status == "done"
    assert seen and seen[-1] == {"done": 2, "failed": 1, "finished": 3, "total": 3}
    assert all(a != b for a, b in itertools.pairwise(seen))
    assert [p["finished"] for p in seen] == sorted(p["finished"] for p in seen)
    by_id = {i.id: i for i in job.items}
    assert by_id["s"].summary is not None and by_id["s"].summary.summary["en"]
    assert by_id["t"].translation is not None and by_id["t"].translation.translation
    assert by_id["bad"].status == "error" and by_id["bad"].error is not None
    assert by_id["bad"].error["code"] == "empty_text"


def test_live_sync_client(server: str, tmp_path: Path) -> None:
    with RingkasClient(server) as client:
        assert client.ready() is True and client.health()
        assert "strategies" in client.models()
        result = client.summarize(SHORT_ID, languages=("en", "id"), length="short")
        assert set(result.summary) == {"en", "id"} and all(result.summary.values())
        assert {m.role for m in result.models} >= {"translate_id_en", "summarize"}
        assert "random_weights" in {w.code for w in result.warnings}
        many = client.translate(["Pabrik itu besar.", "Desa itu kecil."])
        assert isinstance(many.translation, list) and len(many.translation) == 2

        seen: list[dict[str, int]] = []
        job = client.run_job(_job_items(), poll_s=0.1, timeout_s=240, on_progress=seen.append)
        _check_job(job, seen)
        with pytest.raises(ConflictError) as finished:
            client.cancel_job(job.id)
        assert finished.value.code == "job_finished"
        with pytest.raises(NotFoundError) as missing:
            client.get_job("job_" + "0" * 32)
        assert missing.value.code == "job_not_found"

        _check_translated_txt(client.translate_file(_txt(tmp_path), source="id", target="en"))
        with pytest.raises(InvalidRequestError) as bad_file:
            client.translate_file(b"%PDF-1.4", filename="berita.pdf", target="en")
        assert bad_file.value.code == "unsupported_file_format"

        name = f"client-{uuid.uuid4().hex[:8]}"
        glossary = client.create_glossary(name, {"pabrik": "factory", "desa": "village"})
        assert (glossary.name, glossary.entry_count, glossary.source_lang) == (name, 2, "id")
        assert glossary.glossary_id in {g.glossary_id for g in client.list_glossaries()}
        assert name in {g["name"] for g in client.glossaries()}
        assert client.get_glossary(glossary.glossary_id) == glossary
        assert client.glossary_entries(glossary.glossary_id) == {"pabrik": "factory",
                                                                 "desa": "village"}
        assert client.translate("Pabrik itu besar.", glossary=name).translation
        client.delete_glossary(glossary.glossary_id)
        assert name not in {g.name for g in client.list_glossaries()}
        with pytest.raises(NotFoundError):
            client.get_glossary(glossary.glossary_id)

        with pytest.raises(InvalidRequestError) as info:
            client.translate("Pabrik itu besar.", target="fr")
        assert (info.value.status, info.value.code) == (422, "unsupported_language_pair")
        assert info.value.request_id and info.value.message


def test_live_async_client(server: str, tmp_path: Path) -> None:
    async def run() -> None:
        async with AsyncRingkasClient(server) as client:
            assert await client.ready() is True
            result, many = await asyncio.gather(
                client.summarize(SHORT_ID, length="short"),
                client.translate(["Pabrik itu besar.", "Desa itu kecil."]))
            assert result.summary["en"] and {m.role for m in result.models} >= {"summarize"}
            assert isinstance(many.translation, list) and len(many.translation) == 2

            seen: list[dict[str, int]] = []

            async def progress(p: dict[str, int]) -> None:
                seen.append(p)

            job = await client.run_job(_job_items(), poll_s=0.1, timeout_s=240,
                                       on_progress=progress)
            _check_job(job, seen)

            out = await client.translate_file(_txt(tmp_path).read_bytes(), filename="b.txt",
                                              source="auto", target="en")
            _check_translated_txt(out)

            name = f"client-{uuid.uuid4().hex[:8]}"
            glossary = await client.create_glossary(name, {"factory": "pabrik"},
                                                    source="en", target="id")
            assert (glossary.source_lang, glossary.target_lang) == ("en", "id")
            assert name in {g.name for g in await client.list_glossaries()}
            await client.delete_glossary(glossary.glossary_id)
            assert name not in {g.name for g in await client.list_glossaries()}

            with pytest.raises(InvalidRequestError) as info:
                await client.translate("Pabrik itu besar.", target="fr")
            assert info.value.code == "unsupported_language_pair"

    asyncio.run(run())


# -- the distribution -----------------------------------------------------------------------

_PROBE = """
import importlib.metadata as md, json, pathlib, ringkas_client
print(json.dumps({
    "dists": sorted({d.metadata["Name"] for d in md.distributions()}),
    "module": ringkas_client.__file__,
    "typed": (pathlib.Path(ringkas_client.__file__).parent / "py.typed").is_file(),
    "version": md.version("ringkas-client"),
    "requires": md.requires("ringkas-client"),
    "client": repr(ringkas_client.RingkasClient("http://127.0.0.1:1/")),
}))
"""
_HEAVY = {"torch", "transformers", "ctranslate2", "flask", "ringkas", "requests",
          "tokenizers", "numpy"}


def _canonical(name: str) -> str:
    return name.lower().replace("_", "-").replace(".", "-")


def test_the_distribution_installs_with_httpx_and_nothing_of_the_service(
        tmp_path: Path) -> None:
    # A copy: building in place would leave build/ and *.egg-info in the checkout.
    source = tmp_path / "ringkas-client"
    shutil.copytree(CLIENT_DIR, source,
                    ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__"))
    venv = tmp_path / "venv"
    # This interpreter's own PYTHONPATH (the repository, this checkout) must not leak in.
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONSTARTUP")}
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, env=env,
                   cwd=tmp_path, timeout=120)
    python = venv / ("Scripts" if os.name == "nt" else "bin") / "python"
    install = subprocess.run([str(python), "-I", "-m", "pip", "install",
                              "--disable-pip-version-check", str(source)],
                             check=False, env=env, cwd=tmp_path, capture_output=True, text=True,
                             timeout=300)
    assert install.returncode == 0, install.stdout + install.stderr
    check = subprocess.run([str(python), "-I", "-m", "pip", "check"], check=False, env=env,
                           cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert check.returncode == 0, check.stdout + check.stderr
    listed = subprocess.run([str(python), "-I", "-m", "pip", "list", "--format=json"],
                            env=env, cwd=tmp_path, capture_output=True, text=True,
                            check=True, timeout=120)
    pip_names = {_canonical(d["name"]) for d in json.loads(listed.stdout)}
    probe = subprocess.run([str(python), "-I", "-c", _PROBE], check=False, env=env,
                           cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert probe.returncode == 0, probe.stderr
    found = json.loads(probe.stdout)
    names = {_canonical(n) for n in found["dists"]}
    assert {"ringkas-client", "httpx"} <= names and {"ringkas-client", "httpx"} <= pip_names
    assert not (names | pip_names) & _HEAVY, sorted((names | pip_names) & _HEAVY)
    assert Path(found["module"]).is_relative_to(venv)  # the installed copy, not the source
    assert found["typed"] and found["version"] == "0.1.0"
    assert [r.split(">")[0].split("<")[0].strip() for r in found["requires"]] == ["httpx"]
    assert found["client"] == "RingkasClient('http://127.0.0.1:1')"


def test_the_readme_examples_run_against_a_live_ringkas(server: str,
                                                       capsys: pytest.CaptureFixture[str],
                                                       ) -> None:
    readme = (CLIENT_DIR / "README.md").read_text(encoding="utf-8")
    blocks = readme.split("```python\n")[1:]
    assert len(blocks) >= 2
    for block in blocks[:2]:
        code = block.split("```", 1)[0]
        assert "http://127.0.0.1:8000" in code
        exec(compile(code.replace("http://127.0.0.1:8000", server), "README.md", "exec"), {})
    printed = capsys.readouterr().out
    assert "2/2 finished" in printed and "422 unsupported_language_pair" in printed


def test_the_http_api_pages_client_snippet_runs(server: str,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    page = (CLIENT_DIR.parent.parent / "docs" / "api.md").read_text(encoding="utf-8")
    section = page.split("## Python client", 1)[1]
    code = section.split("```python\n", 1)[1].split("```", 1)[0]
    repo = CLIENT_DIR.parent.parent
    exec(compile(code.replace("http://127.0.0.1:8000", server).replace(
        'open("seeds/', f'open("{repo}/seeds/'), "api.md", "exec"), {})
    assert capsys.readouterr().out.strip().endswith("422 invalid_length")
