"""The cross-request batcher on a real tiny engine: sharing, isolation, deadlines."""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pytest
from flask import Flask

from service.api import create_app
from service.api.runtime import runtime_of
from service.config import Settings
from service.engine import Engine, GenerationParams
from service.engine.batcher import Batcher
from service.errors import DeadlineExceeded, EngineError
from tests.conftest import RecordingEngine

SENTENCES = [
    "Kementerian Perindustrian memperkuat upaya pemulihan sentra IKM alas kaki.",
    "Nilai investasi mencapai lebih dari Rp18 triliun.",
    "Sebanyak 14 perajin terlibat langsung dalam program tersebut.",
    "Menteri itu meresmikan pabrik baru di Bogor.",
    "Pabrik itu mempekerjakan 200 orang.",
    "Program ini dimulai pada tahun 2025.",
    "Para perajin menyambut baik bantuan tersebut.",
    "Pemerintah daerah ikut mendukung kegiatan itu.",
]
GREEDY = GenerationParams(num_beams=1, max_new_tokens=10)


def run_concurrently(jobs: list[Callable[[], Any]]) -> list[Any]:
    """Start every job at once; each result is its return value or the exception raised."""
    results: list[Any] = [None] * len(jobs)
    barrier = threading.Barrier(len(jobs))

    def runner(i: int) -> None:
        barrier.wait()
        try:
            results[i] = jobs[i]()
        except Exception as exc:
            results[i] = exc

    threads = [threading.Thread(target=runner, args=(i,)) for i in range(len(jobs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


@pytest.fixture()
def marian(engines: Mapping[str, Engine]) -> RecordingEngine:
    return RecordingEngine(engines["translate_id_en"])


def test_concurrent_callers_get_their_own_results_in_order(marian: RecordingEngine) -> None:
    batcher = Batcher(marian, max_wait_ms=200)
    # Twelve callers, each with its own texts (different subsets, different orders).
    inputs = [[SENTENCES[(i + k) % len(SENTENCES)] for k in range(1 + i % 3)][:: -1 if i % 2
                                                                              else 1]
              for i in range(12)]
    expected = {s: marian.inner.generate([s], GREEDY)[0] for s in SENTENCES}
    results = run_concurrently([lambda t=t: batcher.generate(t, GREEDY) for t in inputs])
    for texts, got in zip(inputs, results, strict=True):
        assert got == [expected[s] for s in texts]
    assert batcher.batches_run < len(inputs)  # callers shared model calls
    assert max(len(texts) for texts, _ in marian.calls) > 3  # more than any one caller sent
    batcher.close()


def test_only_identical_params_share_a_batch(marian: RecordingEngine) -> None:
    batcher = Batcher(marian, max_wait_ms=200)
    short = GenerationParams(num_beams=1, max_new_tokens=3, min_new_tokens=3)
    long = GenerationParams(num_beams=1, max_new_tokens=12, min_new_tokens=12)
    results = run_concurrently([lambda p=p, s=s: batcher.generate([s], p)
                                for p in (short, long) for s in SENTENCES[:3]])
    for _, params in marian.calls:
        assert params in (short, long)
    assert len(marian.calls) >= 2
    assert results[:3] == [marian.inner.generate([s], short) for s in SENTENCES[:3]]
    assert results[3:] == [marian.inner.generate([s], long) for s in SENTENCES[:3]]
    batcher.close()


def test_a_failing_batch_fails_only_its_own_request(marian: RecordingEngine) -> None:
    batcher = Batcher(marian, max_wait_ms=300)
    # Over the model's window: the engine refuses it, and with it the batch it is in.
    bad = " ".join(["pemulihan"] * (marian.max_input_tokens + 5))
    jobs: list[Callable[[], Any]] = [lambda i=i: batcher.generate(SENTENCES[i:i + 2], GREEDY)
                                     for i in range(4)]
    jobs.insert(2, lambda: batcher.generate([SENTENCES[0], bad], GREEDY))
    results = run_concurrently(jobs)
    assert isinstance(results[2], EngineError)
    good = results[:2] + results[3:]
    for i, got in enumerate(good):
        assert got == [marian.inner.generate([s], GREEDY)[0] for s in SENTENCES[i:i + 2]]
    assert any(bad in texts and len(texts) > 1 for texts, _ in marian.calls)  # shared, failed
    batcher.close()


class GatedEngine(RecordingEngine):
    """A real engine whose model calls wait for a gate: "the model is busy" without timing."""

    def __init__(self, inner: Engine) -> None:
        super().__init__(inner)
        self.gate = threading.Event()
        self.entered = threading.Event()

    def generate(self, texts: Sequence[str], params: GenerationParams | None = None) -> list[str]:
        self.entered.set()
        self.gate.wait(60)
        return super().generate(texts, params)


def test_deadlines_are_honoured(engines: Mapping[str, Engine]) -> None:
    gated = GatedEngine(engines["translate_id_en"])
    batcher = Batcher(gated, max_wait_ms=1)
    outcome: dict[str, Any] = {}

    def busy() -> None:
        outcome["busy"] = batcher.generate(SENTENCES, GREEDY)

    worker = threading.Thread(target=busy)
    worker.start()
    assert gated.entered.wait(30)  # the model is "running" the busy batch now
    assert batcher.queued == 0
    hurried = "Dia pergi ke pasar."
    began = time.monotonic()
    with pytest.raises(DeadlineExceeded):
        batcher.generate([hurried], dataclasses.replace(GREEDY, max_time=0.2))
    assert 0.2 <= time.monotonic() - began < 5  # answered at its deadline
    gated.gate.set()
    worker.join(60)
    assert len(outcome["busy"]) == len(SENTENCES)  # the other caller is unaffected
    time.sleep(0.05)
    assert hurried not in gated.inputs  # dropped before it reached the model
    batcher.close()


def test_http_requests_share_batches(settings: Settings, engines: Mapping[str, Engine]) -> None:
    app = create_app(settings.changed(batch_wait_ms=300), engines=engines)
    batcher = runtime_of(app).pipeline().engines["translate_id_en"]
    assert isinstance(batcher, Batcher)
    assert runtime_of(app).admission.max_inflight > 1  # requests run together

    def post(to: Flask, i: int) -> Any:
        body = {"text": [SENTENCES[i], SENTENCES[i + 1]], "source": "id", "target": "en"}
        return to.test_client().post("/v1/translate", json=body)

    responses = run_concurrently([lambda i=i: post(app, i) for i in range(4)])
    assert all(r.status_code == 200 for r in responses)
    assert batcher.batches_run < 4
    # The same answers as one request at a time without the batcher.
    alone = create_app(settings.changed(batching=False), engines=engines)
    for i, r in enumerate(responses):
        assert r.get_json()["translation"] == post(alone, i).get_json()["translation"]
