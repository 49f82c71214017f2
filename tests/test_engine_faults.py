"""Engine faults are contained: a model call that raises, returns too few or too many
outputs, or returns something that is not text fails only the requests of that call, with a
clear error, is counted in /metrics, and the next request is served at once, with the
batcher on and off. Empty output is reported, never a plain success."""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import pytest
from flask import Flask

from service.api import create_app
from service.config import Settings
from service.engine import Engine, EngineWrapper, GenerationParams
from service.engine.batcher import Batcher
from service.engine.guard import EngineFault, OutputGuard

SENTENCE = "Pasar itu menampung 300 pedagang kecil."
# A follow-up on a healthy model answers in milliseconds; a stalled batcher would hold it
# for the request deadline (60 s here), so this bound tells the two apart on a busy machine.
HEALTHY_S = 2.0


class Faulty(EngineWrapper):
    """A real engine whose next calls misbehave as ``mode`` says."""

    def __init__(self, inner: Engine) -> None:
        super().__init__(inner)
        self.mode = "ok"

    def generate(self, texts: Sequence[str], params: GenerationParams | None = None) -> Any:
        out: Any = self.inner.generate(texts, params)
        return self._spoil(out)

    def generate_hypotheses(self, texts: Sequence[str],
                            params: GenerationParams | None = None) -> Any:
        return self._spoil(self.inner.generate_hypotheses(texts, params))

    def _spoil(self, out: list[Any]) -> Any:
        mode = self.mode
        if mode == "raise":
            raise RuntimeError("native library in a bad state")
        if mode == "short":
            return out[:-1]
        if mode == "long":
            return [*out, out[-1]]
        if mode == "not_text":
            return [None for _ in out]
        if mode == "not_a_list":
            return None
        if mode == "empty":
            return ["" if isinstance(o, str) else [""] for o in out]
        return out


FAULTS = ["raise", "short", "long", "not_text", "not_a_list"]
KIND = {"raise": "exception", "short": "wrong_count", "long": "wrong_count",
        "not_text": "not_text", "not_a_list": "not_a_list"}


@pytest.fixture()
def faulty(engines: Mapping[str, Engine]) -> dict[str, Engine]:
    return {**engines, "translate_id_en": Faulty(engines["translate_id_en"])}


def _app(settings: Settings, engines: Mapping[str, Engine], batching: bool) -> Flask:
    return create_app(settings.changed(batching=batching,
                                          request_timeout_s=60), engines=engines)


@pytest.fixture(params=[True, False], ids=["batching", "no-batching"])
def batching(request: pytest.FixtureRequest) -> Iterator[bool]:
    yield request.param


@pytest.mark.parametrize("fault", FAULTS)
def test_a_fault_fails_its_request_and_the_next_one_is_served(
        settings: Settings, faulty: dict[str, Engine], batching: bool, fault: str) -> None:
    engine = faulty["translate_id_en"]
    assert isinstance(engine, Faulty)
    client = _app(settings, faulty, batching).test_client()
    engine.mode = fault
    started = time.monotonic()
    bad = client.post("/v1/translate", json={"text": SENTENCE})
    assert time.monotonic() - started < HEALTHY_S  # an error at once, not a deadline
    assert bad.status_code == 500
    error = bad.get_json()["error"]
    assert error["code"] == "engine_fault"
    assert error["details"] == {"role": "translate_id_en", "fault": KIND[fault]}

    engine.mode = "ok"
    started = time.monotonic()
    good = client.post("/v1/translate", json={"text": SENTENCE})
    assert time.monotonic() - started < HEALTHY_S
    assert good.status_code == 200, good.get_json()
    assert good.get_json()["translation"].strip()

    scraped = client.get("/metrics").get_data(as_text=True)
    assert (f'ringkas_engine_faults_total{{fault="{KIND[fault]}",role="translate_id_en"}} 1.0'
            in scraped)


def test_a_fault_on_a_summary_fails_it_and_the_next_summary_is_served(
        settings: Settings, faulty: dict[str, Engine], seed_text: str, batching: bool) -> None:
    engine = faulty["translate_id_en"]
    assert isinstance(engine, Faulty)
    client = _app(settings, faulty, batching).test_client()
    engine.mode = "short"
    bad = client.post("/v1/summarize", json={"text": seed_text})
    assert bad.status_code == 500
    assert bad.get_json()["error"]["code"] == "engine_fault"
    engine.mode = "ok"
    assert client.post("/v1/summarize", json={"text": seed_text}).status_code == 200


def test_empty_output_is_reported_on_translation_and_summary(
        settings: Settings, faulty: dict[str, Engine], seed_text: str, batching: bool) -> None:
    client = _app(settings, faulty, batching).test_client()
    engine = faulty["translate_id_en"]
    assert isinstance(engine, Faulty)
    engine.mode = "empty"
    body = client.post("/v1/translate", json={"text": SENTENCE}).get_json()
    assert body["translation"] == ""
    assert [w["code"] for w in body["warnings"]].count("empty_output") == 1
    scraped = client.get("/metrics").get_data(as_text=True)
    assert ('ringkas_engine_faults_total{fault="empty_output",role="translate_id_en"} 1.0'
            in scraped)

    summarizer = Faulty(faulty["summarize"])
    summarizer.mode = "empty"
    client = _app(settings, {**faulty, "summarize": summarizer}, batching).test_client()
    engine.mode = "ok"
    body = client.post("/v1/summarize", json={"text": seed_text}).get_json()
    assert body["summary"]["en"] == ""
    assert "empty_output" in [w["code"] for w in body["warnings"]]
    assert body["fidelity"]["supported"] is False


def test_a_bare_batcher_fails_a_short_batch_at_once_and_keeps_serving(
        engines: Mapping[str, Engine]) -> None:
    """The batcher's own check, for an engine with no guard below it."""
    engine = Faulty(engines["translate_id_en"])
    batcher = Batcher(engine, max_wait_ms=1)
    params = GenerationParams(max_new_tokens=8, max_time=60)
    try:
        engine.mode = "short"
        started = time.monotonic()
        with pytest.raises(EngineFault):
            batcher.generate([SENTENCE], params)
        assert time.monotonic() - started < HEALTHY_S
        engine.mode = "ok"
        assert len(batcher.generate([SENTENCE, SENTENCE], params)) == 2
    finally:
        batcher.close()


def test_a_crash_inside_the_worker_fails_its_callers_and_a_new_worker_serves(
        engines: Mapping[str, Engine], monkeypatch: pytest.MonkeyPatch) -> None:
    batcher = Batcher(OutputGuard(engines["translate_id_en"]), max_wait_ms=1)
    params = GenerationParams(max_new_tokens=8, max_time=60)
    real = Batcher._execute

    def broken(self: Batcher, batch: Any) -> None:
        raise KeyError("a bug in the batcher itself")

    try:
        monkeypatch.setattr(Batcher, "_execute", broken)
        with pytest.raises(KeyError):
            batcher.generate([SENTENCE], params)
        monkeypatch.setattr(Batcher, "_execute", real)
        started = time.monotonic()
        assert len(batcher.generate([SENTENCE], params)) == 1
        assert time.monotonic() - started < HEALTHY_S
    finally:
        batcher.close()


def test_too_few_hypotheses_are_a_fault_not_a_crash(engines: Mapping[str, Engine]) -> None:
    class OneBest(EngineWrapper):
        def generate_hypotheses(self, texts: Sequence[str],
                                params: GenerationParams | None = None) -> list[list[str]]:
            return [hyps[:1] for hyps in self.inner.generate_hypotheses(texts, params)]

    guard = OutputGuard(OneBest(engines["translate_id_en"]))
    with pytest.raises(EngineFault) as caught:
        guard.generate_hypotheses([SENTENCE], GenerationParams(num_hypotheses=3,
                                                               max_new_tokens=8))
    assert caught.value.kind == "bad_hypotheses"


def test_a_short_token_count_fails_at_once(engines: Mapping[str, Engine]) -> None:
    """A tokenizer that miscounts must not leave the caller waiting for outputs that can
    never all arrive."""
    class Miscounting(EngineWrapper):
        def count_tokens(self, texts: Sequence[str]) -> list[int]:
            return self.inner.count_tokens(texts)[:-1]

    for engine in (Miscounting(engines["translate_id_en"]),
                   OutputGuard(Miscounting(engines["translate_id_en"]))):
        batcher = Batcher(engine, max_wait_ms=1)
        try:
            started = time.monotonic()
            with pytest.raises(EngineFault):
                batcher.generate([SENTENCE, SENTENCE], GenerationParams(max_new_tokens=8))
            assert time.monotonic() - started < HEALTHY_S
        finally:
            batcher.close()


def test_the_guard_lets_the_services_own_errors_through(engines: Mapping[str, Engine]) -> None:
    """An input over the window is the caller's error, not an engine fault."""
    guard = OutputGuard(engines["translate_id_en"])
    with pytest.raises(Exception) as caught:
        guard.generate(["kata " * 5000])
    assert not isinstance(caught.value, EngineFault)
