"""Async jobs on the embedded SQLite backend, in process, on the tiny models."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Iterator, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest
from flask import Flask
from flask.testing import FlaskClient

from service.api import create_app
from service.api.runtime import runtime_of, services_of
from service.config import Settings
from service.engine import Engine
from service.jobs.model import Item
from service.jobs.store import JobStore
from service.overload import Deadline
from service.runtime.local_jobs import LocalJobs
from tests.conftest import with_limits
from tests.test_webhook import Receiver

SHORT_ID = "Menteri itu meresmikan pabrik baru di Bogor. Pabrik itu mempekerjakan 200 orang."
OTHER_ID = "Harga beras naik lima persen di Jakarta. Pemerintah menyiapkan operasi pasar."


def items_for(n: int) -> list[dict[str, Any]]:
    """Cheap items: translations and extractive summaries (fractions of a second each)."""
    out: list[dict[str, Any]] = []
    for i in range(n):
        text = f"{SHORT_ID if i % 2 else OTHER_ID} Nomor {i}."
        out.append({"kind": "translate", "text": text, "id": f"t{i}"} if i % 3 else
                   {"text": text, "strategy": "extractive", "length": 1, "id": f"s{i}"})
    return out


@pytest.fixture()
def job_settings(settings: Settings, tmp_path: Path) -> Settings:
    return settings.changed(data_dir=str(tmp_path / "data"))


@pytest.fixture()
def app(job_settings: Settings, engines: Mapping[str, Engine]) -> Iterator[Flask]:
    app = create_app(job_settings, engines=engines)
    yield app
    jobs = services_of(app).jobs
    assert isinstance(jobs, LocalJobs)
    jobs.stop()


@pytest.fixture()
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def wait_final(client: FlaskClient, job_id: str, timeout_s: float = 120) -> dict[str, Any]:
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        body: dict[str, Any] = client.get(f"/v1/jobs/{job_id}").get_json()
        if body["status"] in ("done", "failed", "cancelled"):
            return body
        time.sleep(0.1)
    pytest.fail(f"job {job_id} did not finish within {timeout_s} s")


def sync_result(client: FlaskClient, item: Mapping[str, Any]) -> Any:
    body = {k: v for k, v in item.items() if k not in ("kind", "id")}
    path = "/v1/translate" if item.get("kind") == "translate" else "/v1/summarize"
    resp = client.post(path, json=body)
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def comparable(result: Mapping[str, Any]) -> dict[str, Any]:
    """A result without what depends on the run rather than the input: its timings, how
    much the translation memory already knew, whether the answer was made before."""
    return {k: v for k, v in result.items()
            if k not in ("timings_ms", "translation_memory", "reused")}


def test_lifecycle_results_equal_sync_endpoints(client: FlaskClient, tmp_path: Path) -> None:
    items = items_for(4)
    resp = client.post("/v1/jobs", json={"items": items})
    assert resp.status_code == 202, resp.get_json()
    body = resp.get_json()
    assert resp.headers["Location"] == f"/v1/jobs/{body['id']}"
    assert body["status"] in ("queued", "running")
    assert body["progress"]["total"] == 4
    done = wait_final(client, body["id"])
    assert done["status"] == "done"
    assert done["progress"] == {"done": 4, "failed": 0, "finished": 4, "total": 4}
    assert done["finished_at"] and done["expires_at"]
    assert [i["id"] for i in done["items"]] == [i["id"] for i in items]
    for item, got in zip(items, done["items"], strict=True):
        assert got["status"] == "done" and got["kind"] == item.get("kind", "summarize")
        assert comparable(got["result"]) == comparable(sync_result(client, item))
    # Article text is kept only until its item is finished.
    data = (tmp_path / "data" / "jobs.sqlite3").read_bytes()
    assert b"Pabrik itu mempekerjakan" not in data
    short = client.get(f"/v1/jobs/{body['id']}?items=false").get_json()
    assert "items" not in short and short["progress"]["done"] == 4


def test_a_job_item_may_ask_for_attribution(client: FlaskClient) -> None:
    items = [{"id": "a", "text": "Menteri meresmikan pabrik di Bogor. Pabrik itu mempekerjakan "
              "200 orang.", "strategy": "extractive", "length": 1, "attribution": True},
             {"id": "b", "text": "Dia pergi.", "attribution": 1}]
    resp = client.post("/v1/jobs", json={"items": items})
    assert resp.status_code == 202, resp.get_json()
    done = wait_final(client, resp.get_json()["id"])
    good, bad = done["items"]
    assert good["status"] == "done"
    assert good["result"]["attribution"]["source_sentences"] == [
        "Menteri meresmikan pabrik di Bogor.", "Pabrik itu mempekerjakan 200 orang."]
    assert comparable(good["result"]) == comparable(sync_result(client, items[0]))
    assert bad["status"] == "error" and bad["error"]["code"] == "invalid_type"


def test_bad_items_fail_alone_with_the_sync_error_codes(
        client: FlaskClient, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    items = [{"kind": "translate", "text": SHORT_ID},
             {"text": "   "},  # empty_text, as /v1/summarize would say
             {"kind": "translate", "text": SHORT_ID, "target": "fr"},
             {"kind": "shout", "text": SHORT_ID},
             "not an object",
             # valid at submit time, fails while running: markup only, nothing left
             {"text": "<div><script>x()</script></div>", "html": True}]
    resp = client.post("/v1/jobs", json={"items": items})
    assert resp.status_code == 202, resp.get_json()
    early = resp.get_json()["items"]
    assert [i["status"] for i in early[1:5]] == ["error"] * 4
    assert early[0]["status"] == "queued"
    done = wait_final(client, resp.get_json()["id"])
    assert done["status"] == "done"  # one item failing does not fail the job
    codes = [i["error"]["code"] if i["status"] == "error" else "ok" for i in done["items"]]
    assert codes == ["ok", "empty_text", "unsupported_language_pair", "unknown_kind",
                     "not_an_object", "empty_after_cleaning"]
    assert done["progress"] == {"done": 1, "failed": 5, "finished": 6, "total": 6}
    # The same code the sync endpoint gives for the same body.
    sync = client.post("/v1/translate", json={"text": SHORT_ID, "target": "fr"})
    assert sync.get_json()["error"]["code"] == "unsupported_language_pair"
    assert "Menteri itu" not in caplog.text and "script" not in caplog.text  # no text in logs


def test_job_whose_items_all_fail_is_failed(client: FlaskClient) -> None:
    items = [{"text": "<p><script>a()</script></p>", "html": True}] * 2
    resp = client.post("/v1/jobs", json={"items": items})
    assert resp.status_code == 202
    assert wait_final(client, resp.get_json()["id"])["status"] == "failed"


@pytest.mark.parametrize(("body", "status", "code"), [
    ({}, 422, "missing_field"),
    ({"items": []}, 422, "invalid_type"),
    ({"items": "x"}, 422, "invalid_type"),
    ({"items": [{"text": "a"}], "extra": 1}, 422, "unknown_field"),
    ({"items": [{"text": " "}, {"kind": "translate"}]}, 422, "no_valid_items"),
    ({"items": [{"text": "a"}], "webhook": "http://127.0.0.1:9/x"}, 422, "webhook_not_allowed"),
    ({"items": [{"text": "a"}], "webhook": "ftp://host/x"}, 422, "invalid_webhook"),
    ([1], 400, "not_an_object"),
])
def test_submit_errors(client: FlaskClient, body: Any, status: int, code: str) -> None:
    resp = client.post("/v1/jobs", json=body)
    assert resp.status_code == status, resp.get_json()
    assert resp.get_json()["error"]["code"] == code


@pytest.mark.parametrize(("body", "code"), [
    (b'{"items": [{"id": "a\\ud800", "text": "Dia pergi ke pasar."}]}', "no_valid_items"),
    (b'{"items": [{"text": "Dia pergi ke pasar."}], "webhook": "http://h/\\udc00"}',
     "invalid_encoding"),
])
def test_lone_surrogate_in_id_or_webhook_is_422(client: FlaskClient, body: bytes,
                                                code: str) -> None:
    """Before, the job store failed to encode them: 500 internal_error."""
    resp = client.post("/v1/jobs", data=body, content_type="application/json")
    assert resp.status_code == 422, resp.get_json()
    error = resp.get_json()["error"]
    assert error["code"] == code
    if code == "no_valid_items":
        assert error["details"]["errors"][0]["code"] == "invalid_encoding"


def test_lone_surrogate_id_fails_its_item_alone(client: FlaskClient) -> None:
    resp = client.post("/v1/jobs", data=b'{"items": [{"id": "\\ud800", "text": "Dia pergi."},'
                       b' {"id": "ok", "kind": "translate", "text": "Dia pergi."}]}',
                       content_type="application/json")
    assert resp.status_code == 202, resp.get_json()
    done = wait_final(client, resp.get_json()["id"])
    assert [(i.get("id"), i["status"]) for i in done["items"]] == [(None, "error"),
                                                                   ("ok", "done")]
    assert done["items"][0]["error"]["code"] == "invalid_encoding"


def test_too_many_items(job_settings: Settings, engines: Mapping[str, Engine]) -> None:
    app = create_app(with_limits(job_settings, max_job_items=3), engines=engines)
    resp = app.test_client().post("/v1/jobs", json={"items": items_for(4)})
    assert resp.status_code == 413
    assert resp.get_json()["error"]["code"] == "too_many_items"


def test_unknown_job_is_404(client: FlaskClient) -> None:
    for method in (client.get, client.delete):
        resp = method("/v1/jobs/job_nope")
        assert resp.status_code == 404
        assert resp.get_json()["error"]["code"] == "job_not_found"


def test_cancel(client: FlaskClient, app: Flask) -> None:
    rt = runtime_of(app)
    # Hold the only inference slot: the job's items cannot start, so cancelling is certain
    # to catch them queued.
    with rt.admission.slot(Deadline.after(60)):
        resp = client.post("/v1/jobs", json={"items": items_for(5)})
        job_id = resp.get_json()["id"]
        cancelled = client.delete(f"/v1/jobs/{job_id}")
        assert cancelled.status_code == 200
    body = cancelled.get_json()
    assert body["status"] == "cancelled"
    states = [i["status"] for i in body["items"]]
    # At most the one item a worker had claimed (waiting for the slot) is still running.
    assert states.count("cancelled") >= 4 and set(states) <= {"cancelled", "running"}
    time.sleep(1.0)
    after = client.get(f"/v1/jobs/{job_id}").get_json()
    assert after["status"] == "cancelled"
    assert sum(i["status"] == "done" for i in after["items"]) <= 1
    again = client.delete(f"/v1/jobs/{job_id}")
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "job_finished"


def test_jobs_belong_to_their_api_key(job_settings: Settings, engines: Mapping[str, Engine],
                                      tmp_path: Path) -> None:
    from service.auth.store import KeyStore

    keys = KeyStore(tmp_path / "keys.sqlite3")
    alice, bob = keys.add("alice")[1], keys.add("bob")[1]
    app = create_app(job_settings.changed(require_api_keys=True,
                                         keys_db=str(tmp_path / "keys.sqlite3")),
                     engines=engines)
    client = app.test_client()
    try:
        assert client.post("/v1/jobs", json={"items": items_for(1)}).status_code == 401
        resp = client.post("/v1/jobs", json={"items": items_for(1)},
                           headers={"Authorization": f"Bearer {alice}"})
        assert resp.status_code == 202
        url = f"/v1/jobs/{resp.get_json()['id']}"
        assert client.get(url).status_code == 401
        assert client.get(url, headers={"X-API-Key": bob}).status_code == 404
        assert client.delete(url, headers={"X-API-Key": bob}).status_code == 404
        assert client.get(url, headers={"X-API-Key": alice}).status_code == 200
    finally:
        services_of(app).jobs.stop()


def test_retention_with_an_injected_clock(tmp_path: Path) -> None:
    now = [1000.0]
    store = JobStore(tmp_path / "jobs.sqlite3", retention_s=60, clock=lambda: now[0])
    store.create("j1", None, [Item(0, "translate", {"text": "x"})], None)
    claimed = store.claim()
    assert claimed is not None and claimed.job_id == "j1"
    now[0] = 5000.0  # a live job never expires, however old
    assert store.purge_expired() == 0 and store.get("j1", None) is not None
    assert store.finish_item("j1", 0, result={"translation": "y"}) == "done"
    assert store.finish_item("j1", 0, result={"translation": "z"}) is None  # never twice
    job = store.get("j1", None)
    assert job is not None and job.expires_at == 5060.0
    assert job.items[0].result == {"translation": "y"}
    now[0] = 5059.0
    assert store.get("j1", None) is not None and store.purge_expired() == 0
    now[0] = 5060.0
    assert store.get("j1", None) is None  # gone for readers at once
    assert store.purge_expired() == 1


def test_resume_requeues_running_and_gives_up_on_repeat_crashers(tmp_path: Path) -> None:
    store = JobStore(tmp_path / "jobs.sqlite3", retention_s=60)
    store.create("j", None, [Item(0, "translate", {"text": "a"}),
                             Item(1, "translate", {"text": "b"})], None)
    for _ in range(3):  # item 0 is claimed, and "the process dies", three times
        claimed = store.claim()
        assert claimed is not None and claimed.index == 0
        store.resume(max_attempts=4)
    assert store.claim() is not None  # item 0, a fourth time
    assert store.resume(max_attempts=4) == (0, 1)
    job = store.get("j", None)
    assert job is not None
    assert job.items[0].state == "error" and job.items[0].error
    assert job.items[0].error["code"] == "item_crashed"
    assert job.items[1].state == "queued"


class _Hook(BaseHTTPRequestHandler):
    received: ClassVar[list[tuple[dict[str, str], bytes]]] = []

    def do_POST(self) -> None:
        data = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append((dict(self.headers), data))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


def test_webhook_called_on_completion_for_allowed_host(job_settings: Settings,
                                                         engines: Mapping[str, Engine]) -> None:
    hook = ThreadingHTTPServer(("127.0.0.1", 0), _Hook)
    threading.Thread(target=hook.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{hook.server_address[1]}/done"
    app = create_app(job_settings.changed(webhook_hosts=("127.0.0.1",),
                                         webhook_secret="s3cret"), engines=engines)
    client = app.test_client()
    try:
        resp = client.post("/v1/jobs", json={"items": items_for(2), "webhook": url})
        assert resp.status_code == 202, resp.get_json()
        job_id = resp.get_json()["id"]
        wait_final(client, job_id)
        end = time.monotonic() + 30
        while not _Hook.received and time.monotonic() < end:
            time.sleep(0.1)
        assert len(_Hook.received) == 1
        headers, data = _Hook.received[0]
        body = json.loads(data)
        assert body["id"] == job_id and body["status"] == "done"
        assert body["progress"]["done"] == 2 and "items" not in body
        assert SHORT_ID[:20].encode() not in data
        import hashlib
        import hmac
        expected = hmac.new(b"s3cret", data, hashlib.sha256).hexdigest()
        assert headers["X-Ringkas-Signature"] == f"sha256={expected}"
        # Another host is refused even with an allow-list.
        other = client.post("/v1/jobs", json={"items": items_for(1),
                                              "webhook": "http://example.org/x"})
        assert other.get_json()["error"]["code"] == "webhook_not_allowed"
    finally:
        hook.shutdown()
        services_of(app).jobs.stop()


def test_webhook_allow_list_cannot_be_bypassed(job_settings: Settings,
                                               engines: Mapping[str, Engine]) -> None:
    """The URL that is checked is the URL that is called: a backslash or user info that
    makes parsers disagree is refused, and nothing reaches the receiver off the list."""
    allowed, other = Receiver(), Receiver()
    app = create_app(job_settings.changed(webhook_hosts=(
        f"localhost:{allowed.port}",)), engines=engines)
    client = app.test_client()
    try:
        for url in (f"http://127.0.0.1:{other.port}\\@localhost:{allowed.port}/x",
                    f"http://127.0.0.1:{other.port}@localhost:{allowed.port}/x",
                    f"http://localhost:{allowed.port}/x\t", f"http://localhost:{allowed.port}/ x"):
            resp = client.post("/v1/jobs", json={"items": items_for(1), "webhook": url})
            assert resp.status_code == 422, url
            assert resp.get_json()["error"]["code"] == "invalid_webhook", url
            assert resp.get_json()["error"]["details"] == {"field": "webhook"}
        resp = client.post("/v1/jobs", json={"items": items_for(1), "webhook":
                                             f"http://127.0.0.1:{other.port}/x"})
        assert resp.get_json()["error"]["code"] == "webhook_not_allowed"
        # The listed host itself still works (localhost: loopback, as its operator meant).
        resp = client.post("/v1/jobs", json={"items": items_for(1), "webhook":
                                             f"http://localhost:{allowed.port}/x"})
        assert resp.status_code == 202, resp.get_json()
        assert allowed.arrived.wait(60)
        assert other.received == []
    finally:
        allowed.close()
        other.close()
        services_of(app).jobs.stop()


def test_slow_webhook_receiver_does_not_delay_another(job_settings: Settings,
                                                      engines: Mapping[str, Engine]) -> None:
    slow, fast = Receiver(delay_s=3.0), Receiver()
    threads_before = set(threading.enumerate())
    app = create_app(job_settings.changed(webhook_hosts=("127.0.0.1",)),
                     engines=engines)
    client = app.test_client()
    jobs = services_of(app).jobs
    try:
        a = client.post("/v1/jobs", json={"items": items_for(1), "webhook":
                                          f"http://127.0.0.1:{slow.port}/a"}).get_json()["id"]
        assert slow.arrived.wait(60)  # A's webhook is now held by its receiver
        b = client.post("/v1/jobs", json={"items": items_for(1), "webhook":
                                          f"http://127.0.0.1:{fast.port}/b"}).get_json()["id"]
        assert fast.answered.wait(2.5), "B's webhook waited for A's receiver"
        assert not slow.answered.is_set()
        assert slow.answered.wait(10)
        time.sleep(0.3)  # any second delivery would have been handed out by now
        assert [json.loads(r[2])["id"] for r in slow.received] == [a]  # once each
        assert [json.loads(r[2])["id"] for r in fast.received] == [b]
    finally:
        slow.close()
        fast.close()
        jobs.stop()
    left = [t.name for t in set(threading.enumerate()) - threads_before
            if t.name.startswith("job-")]
    assert left == []  # the senders stopped with the runner


def test_interactive_requests_go_before_queued_job_items(client: FlaskClient) -> None:
    """A sync request waits for at most the item in progress, not for the whole batch."""
    job_id = client.post("/v1/jobs", json={"items": items_for(6)}).get_json()["id"]
    end = time.monotonic() + 120
    while client.get(f"/v1/jobs/{job_id}?items=false").get_json()["status"] == "queued":
        assert time.monotonic() < end
        time.sleep(0.02)
    resp = client.post("/v1/translate", json={"text": SHORT_ID})
    assert resp.status_code == 200
    progress = client.get(f"/v1/jobs/{job_id}?items=false").get_json()["progress"]
    assert progress["finished"] <= 2, progress  # the item running, perhaps one more
    assert wait_final(client, job_id)["status"] == "done"


def test_an_item_stopped_by_a_shutdown_abort_goes_back_to_the_queue(
        job_settings: Settings, engines: Mapping[str, Engine]) -> None:
    from service.api.runtime import runtime_of
    from tests.test_overload import SlowEngine

    slow = {role: SlowEngine(e, 30) for role, e in engines.items()}
    app = create_app(job_settings, engines=slow)
    client = app.test_client()
    try:
        job = client.post("/v1/jobs", json={"items": [
            {"kind": "translate", "text": "Dia pergi ke pasar.", "target": "en"}]}).get_json()
        end = time.monotonic() + 30
        while client.get(f"/v1/jobs/{job['id']}").get_json()["items"][0]["status"] != "running":
            assert time.monotonic() < end, "the item never started"
            time.sleep(0.05)
        admission = runtime_of(app).admission
        admission.drain(0)
        assert admission.abort(10) is True  # the item's slot comes back at once, not in 30 s
        end = time.monotonic() + 10
        while (item := client.get(f"/v1/jobs/{job['id']}").get_json()["items"][0])[
                "status"] == "running":
            assert time.monotonic() < end, "the item was not given back"
            time.sleep(0.05)
        # Back in the queue for the next start, not failed with the shutdown's 503.
        assert item["status"] == "queued" and "error" not in item, item
    finally:
        services_of(app).jobs.stop(timeout_s=1)


def test_a_lone_surrogate_in_an_items_glossary_fails_that_item_alone(
        client: FlaskClient) -> None:
    resp = client.post("/v1/jobs", data=b'{"items": [{"kind": "translate", "text": "Dia pergi.",'
                       b' "glossary_entries": {"pergi\\ud800": "went"}},'
                       b' {"id": "ok", "kind": "translate", "text": "Dia pergi."}]}',
                       content_type="application/json")
    assert resp.status_code == 202, resp.get_json()
    done = wait_final(client, resp.get_json()["id"])
    assert [i["status"] for i in done["items"]] == ["error", "done"]
    assert done["items"][0]["error"]["code"] == "invalid_encoding"
