"""Overload control: the admission queue, deadlines, limits and graceful shutdown."""

from __future__ import annotations

import dataclasses
import signal
import threading
import time
from collections.abc import Sequence
from pathlib import Path

import pytest
import requests

from service.api import create_app
from service.api.runtime import runtime_of
from service.config import Settings
from service.engine import Engine, GenerationParams
from service.errors import DeadlineExceeded, Overloaded
from service.overload import ABORT_RETRY_AFTER_S, Admission, Deadline, DeadlineBound
from service.server import EXIT_DRAIN_TIMED_OUT
from tests.conftest import RecordingEngine, start_server, stop_server, with_limits

T = "/v1/translate"
S = "/v1/summarize"


def _hold(admission: Admission, release: threading.Event, started: threading.Event) -> None:
    with admission.slot(Deadline.after(30)):
        started.set()
        release.wait(10)


def test_queue_admits_then_refuses_with_retry_after() -> None:
    admission = Admission(max_inflight=1, max_queue=1)
    release, started = threading.Event(), threading.Event()
    holder = threading.Thread(target=_hold, args=(admission, release, started))
    holder.start()
    started.wait(5)
    queued_done = threading.Event()

    def queued() -> None:
        with admission.slot(Deadline.after(30)):
            queued_done.set()

    waiter = threading.Thread(target=queued)
    waiter.start()
    for _ in range(100):
        if admission.depth == (1, 1):
            break
        time.sleep(0.01)
    assert admission.depth == (1, 1)
    with pytest.raises(Overloaded) as err, admission.slot(Deadline.after(30)):
        pass
    assert err.value.code == "overloaded" and int(err.value.headers["Retry-After"]) >= 1
    release.set()
    holder.join(5)
    waiter.join(5)
    assert queued_done.is_set() and admission.depth == (0, 0)


def test_waiting_past_the_deadline_is_504() -> None:
    admission = Admission(max_inflight=1, max_queue=4)
    release, started = threading.Event(), threading.Event()
    holder = threading.Thread(target=_hold, args=(admission, release, started))
    holder.start()
    started.wait(5)
    began = time.monotonic()
    with pytest.raises(DeadlineExceeded), admission.slot(Deadline.after(0.2)):
        pass
    assert time.monotonic() - began < 5  # at its deadline, not the holder's 10 s
    release.set()
    holder.join(5)
    assert admission.depth == (0, 0)


def test_drain_refuses_new_work_and_waits_for_running() -> None:
    admission = Admission(max_inflight=1, max_queue=4)
    release, started = threading.Event(), threading.Event()
    holder = threading.Thread(target=_hold, args=(admission, release, started))
    holder.start()
    started.wait(5)
    assert admission.drain(0.2) is False  # still running
    with pytest.raises(Overloaded) as err, admission.slot(Deadline.after(5)):
        pass
    assert err.value.code == "shutting_down"
    threading.Timer(0.2, release.set).start()
    assert admission.drain(5) is True
    holder.join(5)


def test_abort_answers_a_request_blocked_in_a_model_call(engines: dict[str, Engine]) -> None:
    admission = Admission(max_inflight=1, max_queue=4)
    deadline = admission.deadline(60)
    stuck = DeadlineBound(SlowEngine(engines["translate_id_en"], 30), deadline)
    outcome: dict[str, Overloaded] = {}

    def request() -> None:
        try:
            with admission.slot(deadline):
                stuck.generate(["Dia pergi."])
        except Overloaded as exc:
            outcome["error"] = exc

    waiting = admission.deadline(60)

    def queued() -> None:
        try:
            with admission.slot(waiting):
                pass
        except Overloaded as exc:
            outcome["queued"] = exc

    threads = [threading.Thread(target=request), threading.Thread(target=queued)]
    threads[0].start()
    time.sleep(0.2)
    threads[1].start()
    time.sleep(0.2)
    assert admission.depth == (1, 1)
    began = time.monotonic()
    assert admission.abort(10) is True  # both slots given back, far before the 30 s call ends
    assert time.monotonic() - began < 10
    for t in threads:
        t.join(5)
    for name in ("error", "queued"):
        assert outcome[name].code == "shutting_down"
        assert outcome[name].headers["Retry-After"] == str(ABORT_RETRY_AFTER_S)


class SlowEngine(RecordingEngine):
    def __init__(self, inner: Engine, delay_s: float) -> None:
        super().__init__(inner)
        self.delay_s = delay_s

    def generate(self, texts: Sequence[str], params: GenerationParams | None = None) -> list[str]:
        time.sleep(self.delay_s)
        return super().generate(texts, params)


def test_deadline_bound_engine(engines: dict[str, Engine]) -> None:
    inner = RecordingEngine(engines["translate_id_en"])
    expired = DeadlineBound(inner, Deadline.after(-1))
    with pytest.raises(DeadlineExceeded):
        expired.generate(["Dia pergi."])
    assert inner.calls == []  # no model call starts after the deadline
    bounded = DeadlineBound(inner, Deadline.after(30))
    assert bounded.generate(["Dia pergi."], GenerationParams(max_new_tokens=5))
    params = inner.calls[-1][1]
    assert params is not None and params.max_new_tokens == 5
    assert params.max_time is not None and 0 < params.max_time <= 30
    slow = DeadlineBound(SlowEngine(engines["translate_id_en"], 0.3), Deadline.after(0.1))
    with pytest.raises(DeadlineExceeded):  # finished too late: discarded
        slow.generate(["Dia pergi."])


def test_max_time_stops_generation(engines: dict[str, Engine]) -> None:
    engine = engines["summarize"]
    text = ["Kementerian Perindustrian memperkuat upaya pemulihan sentra IKM alas kaki."]
    full = GenerationParams(num_beams=1, min_new_tokens=200, max_new_tokens=200)
    started = time.monotonic()
    [whole] = engine.generate(text, full)
    unbounded_s = time.monotonic() - started
    [cut] = engine.generate(text, dataclasses.replace(full, max_time=unbounded_s / 10))
    # Tokens, not seconds: a busy machine slows both runs, but a stopped one is shorter.
    [n_whole, n_cut] = engine.count_tokens([whole, cut])
    assert n_cut < n_whole * 0.7


@pytest.fixture()
def tight(settings: Settings, engines: dict[str, Engine]) -> Settings:
    return settings.changed(max_inflight=1, max_queue=0)


def test_api_overloaded_is_503_with_retry_after(tight: Settings,
                                                engines: dict[str, Engine]) -> None:
    app = create_app(tight, engines=engines)
    admission = runtime_of(app).admission
    release, started = threading.Event(), threading.Event()
    holder = threading.Thread(target=_hold, args=(admission, release, started))
    holder.start()
    started.wait(5)
    try:
        resp = app.test_client().post(T, json={"text": "Dia pergi."})
        assert resp.status_code == 503
        assert resp.get_json()["error"]["code"] == "overloaded"
        assert int(resp.headers["Retry-After"]) >= 1
        assert app.test_client().get("/v1/health").status_code == 200  # never queued
    finally:
        release.set()
        holder.join(5)
    assert app.test_client().post(T, json={"text": "Dia pergi."}).status_code == 200


def test_api_deadline_is_504(settings: Settings, engines: dict[str, Engine]) -> None:
    slow = {r: SlowEngine(e, 0.5) for r, e in engines.items()}
    app = create_app(settings.changed(request_timeout_s=0.2), engines=slow)
    resp = app.test_client().post(T, json={"text": "Dia pergi. Dia pulang."})
    assert resp.status_code == 504
    assert resp.get_json()["error"]["code"] == "deadline_exceeded"
    assert runtime_of(app).admission.depth == (0, 0)  # the slot was given back


@pytest.mark.parametrize(("path", "body", "status", "code"), [
    (S, {"text": "Satu. Dua. Tiga. Empat. Lima.", "strategy": "extractive"}, 413,
     "too_many_sentences"),
    (T, {"text": ["Satu. Dua.", "Tiga. Empat."]}, 413, "too_many_sentences"),
    (S, {"text": "Satu.", "length": 6}, 422, "invalid_length"),
])
def test_limits_name_themselves(settings: Settings, engines: dict[str, Engine], path: str,
                                body: dict[str, object], status: int, code: str) -> None:
    limited = with_limits(settings, max_sentences=3, max_summary_sentences=5)
    resp = create_app(limited, engines=engines).test_client().post(path, json=body)
    assert resp.status_code == status
    error = resp.get_json()["error"]
    assert error["code"] == code
    assert error["details"]["limit"] in {3, 5}


def wait_in_flight(base: str, count: int, timeout_s: float = 60) -> None:
    """Until ``count`` requests run inference (the server's own gauge), within a bound."""
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        for line in requests.get(f"{base}/metrics", timeout=5).text.splitlines():
            if line.startswith("ringkas_inflight_requests ") and \
                    float(line.split()[1]) >= count:
                return
        time.sleep(0.05)
    raise AssertionError(f"{count} request(s) never ran at once")


def assert_refused_while_draining(base: str) -> None:
    late = requests.post(f"{base}{T}", json={"text": "Dia pergi."}, timeout=10)
    assert late.status_code == 503
    assert late.json()["error"]["code"] == "shutting_down"
    assert int(late.headers["Retry-After"]) >= 1


def test_graceful_shutdown_finishes_in_flight_work(tiny_dir: Path, seed_text: str) -> None:
    proc, base = start_server(tiny_dir, {"RINGKAS_DRAIN_TIMEOUT": "60"})
    results: dict[str, int] = {}

    def long_request() -> None:
        resp = requests.post(f"{base}{S}", json={"text": seed_text, "languages": ["en", "id"]},
                             timeout=120)
        results["status"] = resp.status_code

    try:
        worker = threading.Thread(target=long_request)
        worker.start()
        wait_in_flight(base, 1)  # the summary takes seconds on the tiny models
        proc.send_signal(signal.SIGTERM)
        time.sleep(0.3)
        # Still draining (the summary runs): the listener is open and refuses new work.
        assert_refused_while_draining(base)
        worker.join(120)
        assert results.get("status") == 200
        assert proc.wait(timeout=60) == 0
        assert "drain complete" in proc.log_path.read_text()  # type: ignore[attr-defined]
    finally:
        if proc.poll() is None:
            stop_server(proc)


def test_shutdown_past_the_drain_timeout_answers_in_flight_requests(
        tiny_dir: Path, seed_text: str) -> None:
    """Past RINGKAS_DRAIN_TIMEOUT every request still admitted gets 503 shutting_down with
    Retry-After, and the process exits with its documented status, not SIGABRT."""
    proc, base = start_server(tiny_dir, {"RINGKAS_DRAIN_TIMEOUT": "1",
                                         "RINGKAS_BACKEND": "transformers"})
    answers: list[requests.Response | Exception] = []

    def long_request() -> None:
        try:
            answers.append(requests.post(f"{base}{S}", json={
                "text": seed_text * 8, "languages": ["en", "id"]}, timeout=120))
        except requests.RequestException as exc:
            answers.append(exc)

    try:
        workers = [threading.Thread(target=long_request) for _ in range(4)]
        for w in workers:
            w.start()
        wait_in_flight(base, 4)  # each takes seconds: all four are admitted
        proc.send_signal(signal.SIGTERM)
        time.sleep(0.3)
        assert_refused_while_draining(base)
        for w in workers:
            w.join(60)
        assert proc.wait(timeout=30) == EXIT_DRAIN_TIMED_OUT
        log = proc.log_path.read_text()  # type: ignore[attr-defined]
        assert "terminate called" not in log
        assert len(answers) == 4
        for resp in answers:
            assert isinstance(resp, requests.Response), resp
            assert resp.status_code == 503
            assert resp.json()["error"]["code"] == "shutting_down"
            assert int(resp.headers["Retry-After"]) >= 1
        with pytest.raises(requests.ConnectionError):  # stopped: refused, not left hanging
            requests.post(f"{base}{T}", json={"text": "Dia pergi."}, timeout=5)
    finally:
        if proc.poll() is None:
            stop_server(proc)
