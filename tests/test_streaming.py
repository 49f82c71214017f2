"""Streamed answers (service/contract/events.py): progress events as the work finishes, the
answer itself last, exactly as the same request answers without streaming; errors after
the stream began as an error event."""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping, Sequence
from typing import Any

import pytest

from service.api import create_app
from service.config import Settings
from service.contract.events import EVENTS
from service.engine import Engine, EngineWrapper, GenerationParams
from service.pipeline.translate import chunks

STREAM = {"Accept": "text/event-stream"}


def _events(body: bytes) -> list[tuple[str, Any]]:
    out = []
    for block in body.decode("utf-8").split("\n\n"):
        if not block.strip():
            continue
        lines = block.split("\n")
        assert lines[0].startswith("event: ") and lines[1].startswith("data: "), block
        assert len(lines) == 2  # one data line: JSON without raw newlines
        out.append((lines[0][7:], json.loads(lines[1][6:])))
    return out


def _plain(settings: Settings) -> Settings:
    """Every request computed afresh, so that two runs of one request can be compared."""
    return settings.changed(tm_max_mb=0, result_cache_size=0)


def _without_timings(answer: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in answer.items() if k != "timings_ms"}


def test_a_streamed_summary_tells_each_step_then_the_answer(
        settings: Settings, engines: Mapping[str, Engine], seed_text: str) -> None:
    client = create_app(_plain(settings), engines=engines).test_client()
    body = {"text": seed_text, "languages": ["en", "id"], "attribution": True}
    resp = client.post("/v1/summarize", json=body,
                       headers={"Accept": "text/event-stream, */*;q=0.9"})
    assert resp.status_code == 200 and resp.mimetype == "text/event-stream"
    assert resp.headers["Cache-Control"] == "no-store"
    events = _events(resp.get_data())
    names = [name for name, _ in events]
    assert set(names) <= set(EVENTS)
    assert names[0] == "accepted" and names[1] == "segmented" and names[-1] == "result"
    assert names.index("summary") < names.index("fidelity") < names.index("result")
    total = events[1][1]["sentences"]
    article = [e for n, e in events
               if n == "translation" and e["of"] == "the article's translation"]
    # One event per chunk, in the article's order, each as it completed.
    assert [len(e["sentences"]) for e in article] == [b - a for a, b in
                                                      chunks(total, 16)]
    assert [s["sentence"] for e in article for s in e["sentences"]] == list(range(total))
    assert any(e["of"] == "the Indonesian summary" for n, e in events if n == "translation")
    answer = events[-1][1]
    summary = dict(events)["summary"]
    assert summary == answer["summary"] and dict(events)["fidelity"] == answer["fidelity"]
    plain = client.post("/v1/summarize", json=body).get_json()
    assert _without_timings(answer) == _without_timings(plain)


def test_stream_true_streams_a_translation(settings: Settings,
                                           engines: Mapping[str, Engine]) -> None:
    client = create_app(_plain(settings), engines=engines).test_client()
    texts = ["Pabrik itu besar. Kucing makan ikan.", "Menteri datang ke Bogor."]
    resp = client.post("/v1/translate", json={"text": texts, "stream": True})
    events = _events(resp.get_data())
    assert events[1] == ("segmented", {"texts": 2, "sentences": 3})
    placed = [(s["text"], s["sentence"]) for n, e in events if n == "translation"
              for s in e["sentences"]]
    assert placed == [(0, 0), (0, 1), (1, 0)]
    answer = events[-1][1]
    plain = client.post("/v1/translate", json={"text": texts}).get_json()
    assert events[-1][0] == "result" and _without_timings(answer) == _without_timings(plain)


def test_json_is_still_the_default_answer(settings: Settings,
                                          engines: Mapping[str, Engine]) -> None:
    client = create_app(settings, engines=engines).test_client()
    for accept in ("application/json", "*/*", "application/json, text/event-stream;q=0.5",
                   "text/*"):
        resp = client.post("/v1/translate", json={"text": "Pabrik itu besar."},
                           headers={"Accept": accept})
        assert resp.mimetype == "application/json" and resp.get_json()["translation"]


def test_a_request_refused_before_it_starts_is_a_plain_error(
        settings: Settings, engines: Mapping[str, Engine]) -> None:
    client = create_app(settings, engines=engines).test_client()
    resp = client.post("/v1/summarize", json={"text": "", "stream": True})
    assert resp.status_code == 422 and resp.get_json()["error"]["code"] == "empty_text"
    resp = client.post("/v1/translate", json={"text": "x", "stream": "yes"})
    assert resp.status_code == 422 and resp.get_json()["error"]["code"] == "invalid_type"


class Failing(EngineWrapper):
    def generate(self, texts: Sequence[str], params: GenerationParams | None = None) -> list[str]:
        raise RuntimeError("the backend broke")


@pytest.mark.parametrize("path, body", [
    ("/v1/summarize", {"text": "Menteri meresmikan pabrik baru di Bogor. Pabrik itu besar."}),
    ("/v1/translate", {"text": "Pabrik itu besar."}),
])
def test_a_failure_mid_stream_is_an_error_event_with_its_code(
        settings: Settings, engines: Mapping[str, Engine], path: str,
        body: dict[str, Any]) -> None:
    broken = {role: Failing(e) if role == "translate_id_en" else e
              for role, e in engines.items()}
    client = create_app(_plain(settings), engines=broken).test_client()
    plain = client.post(path, json=body)
    streamed = _events(client.post(path, json=body, headers=STREAM).get_data())
    name, error = streamed[-1]
    assert name == "error" and "result" not in dict(streamed)
    assert error["error"]["code"] == plain.get_json()["error"]["code"]
    assert error["error"]["request_id"]


class Gated(EngineWrapper):
    """Holds every model call until the test lets it through."""

    def __init__(self, inner: Engine, gate: threading.Event) -> None:
        super().__init__(inner)
        self.gate = gate

    def generate(self, texts: Sequence[str], params: GenerationParams | None = None) -> list[str]:
        self.gate.wait(30)
        return self.inner.generate(texts, params)


def test_the_first_event_leaves_before_the_work_is_done(
        settings: Settings, engines: Mapping[str, Engine]) -> None:
    """Nothing on the way out (the access log's byte count) may read the stream to its end
    before sending it: the client has its first event while the model is still busy."""
    gate = threading.Event()
    fallback: list[bool] = []
    timer = threading.Timer(10, lambda: (fallback.append(True), gate.set()))
    timer.start()
    try:
        gated = {role: Gated(e, gate) for role, e in engines.items()}
        client = create_app(_plain(settings), engines=gated).test_client()
        resp = client.post("/v1/translate", json={"text": "Pabrik itu besar."},
                           headers=STREAM, buffered=False)
        body = iter(resp.response)
        first = next(body)
        assert not fallback, "the answer waited for the model before its first event"
        assert first.startswith(b"event: accepted")
        gate.set()
        rest = b"".join(body)
    finally:
        timer.cancel()
        gate.set()
    assert _events(first + rest)[-1][0] == "result"
