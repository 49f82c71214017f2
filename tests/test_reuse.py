"""Whole answers reused (service/pipeline/reuse.py): an identical summary request is not
computed again, identical requests at once are computed once, and anything that changes
the answer is computed afresh."""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Mapping, Sequence

import pytest

from service.api import create_app
from service.config import Settings
from service.engine import Engine, EngineWrapper, GenerationParams
from service.errors import DeadlineExceeded
from service.glossary import GlossaryPolicy, Terms
from service.pipeline import Pipeline
from service.pipeline.requests import Length, SummarizeRequest
from service.pipeline.reuse import ResultCache
from tests.conftest import RecordingEngine


class Slow(EngineWrapper):
    """Holds each call long enough for concurrent requests to arrive while it runs."""

    def generate(self, texts: Sequence[str], params: GenerationParams | None = None) -> list[str]:
        time.sleep(0.3)
        return self.inner.generate(texts, params)


def _pipeline(recording: Mapping[str, RecordingEngine], size: int = 8) -> Pipeline:
    return Pipeline(recording, results=ResultCache(size))


def _calls(recording: Mapping[str, RecordingEngine]) -> int:
    return sum(len(e.calls) for e in recording.values())


def test_an_identical_request_is_answered_without_a_model_call(
        recording: dict[str, RecordingEngine], seed_text: str) -> None:
    pipeline = _pipeline(recording)
    req = SummarizeRequest(text=seed_text, languages=("en", "id"))
    first = pipeline.summarize(req)
    made = _calls(recording)
    assert made > 0 and not first.reused
    # The same article with other boilerplate around it cleans to the same text.
    second = pipeline.summarize(dataclasses.replace(req, text=seed_text + "\n\nBaca juga: x"))
    assert _calls(recording) == made
    assert second.reused and second.summary == first.summary
    assert second.fidelity == first.fidelity and second.warnings == first.warnings


@pytest.mark.parametrize("change", [
    {"length": Length(2)}, {"languages": ("en",)}, {"translation": True},
    {"attribution": True}, {"strategy": "extractive"},
    {"glossary": GlossaryPolicy((Terms("id", "en", (("pabrik", "plant"),)),))},
])
def test_what_changes_the_answer_is_computed_again(
        recording: dict[str, RecordingEngine], seed_text: str,
        change: dict[str, object]) -> None:
    pipeline = _pipeline(recording)
    req = SummarizeRequest(text=seed_text, languages=("en", "id"))
    pipeline.summarize(req)
    other = pipeline.summarize(dataclasses.replace(req, **change))  # type: ignore[arg-type]
    assert not other.reused and pipeline.results is not None
    assert pipeline.results.computed == 2


def test_another_model_commit_is_another_answer(engines: Mapping[str, Engine],
                                                seed_text: str) -> None:
    cache: ResultCache = ResultCache(8)
    req = SummarizeRequest(text=seed_text)
    Pipeline(engines, results=cache).summarize(req)
    newer = dict(engines)
    moved = RecordingEngine(engines["summarize"])
    moved.info = dataclasses.replace(moved.info, commit="a" * 40)
    newer["summarize"] = moved
    again = Pipeline(newer, results=cache).summarize(req)
    assert not again.reused and moved.calls


def test_concurrent_identical_requests_compute_once(
        engines: Mapping[str, Engine], seed_text: str) -> None:
    alone = {role: RecordingEngine(e) for role, e in engines.items()}
    Pipeline(alone).summarize(SummarizeRequest(text=seed_text))
    once = _calls(alone)
    shared = {role: RecordingEngine(Slow(e)) for role, e in engines.items()}
    pipeline = _pipeline(shared)
    start = threading.Barrier(4)
    results = []

    def ask() -> None:
        start.wait()
        results.append(pipeline.summarize(SummarizeRequest(text=seed_text)))

    threads = [threading.Thread(target=ask) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert len(results) == 4 and _calls(shared) == once
    assert sorted(r.reused for r in results) == [False, True, True, True]
    assert len({r.summary["en"] for r in results}) == 1


def test_when_the_first_fails_a_waiting_request_computes_for_itself() -> None:
    cache: ResultCache[str] = ResultCache(4)
    entered = threading.Event()
    release = threading.Event()

    def failing() -> str:
        entered.set()
        release.wait(10)
        raise DeadlineExceeded("the first request's own deadline")

    errors: list[BaseException] = []

    def first() -> None:
        try:
            cache.get_or_compute("k", failing)
        except DeadlineExceeded as exc:
            errors.append(exc)

    thread = threading.Thread(target=first)
    thread.start()
    entered.wait(10)
    threading.Timer(0.2, release.set).start()
    assert cache.get_or_compute("k", lambda: "mine") == ("mine", False)
    thread.join(10)
    assert len(errors) == 1 and cache.get_or_compute("k", lambda: "other") == ("mine", True)


def test_a_waiting_request_ends_at_its_own_deadline() -> None:
    cache: ResultCache[str] = ResultCache(4)
    entered = threading.Event()
    release = threading.Event()

    def slow() -> str:
        entered.set()
        release.wait(10)
        return "done"

    thread = threading.Thread(target=cache.get_or_compute, args=("k", slow))
    thread.start()
    entered.wait(10)

    def expired() -> None:
        raise DeadlineExceeded("past the waiter's deadline")

    with pytest.raises(DeadlineExceeded):
        cache.get_or_compute("k", lambda: "never", expired)
    release.set()
    thread.join(10)
    assert cache.get_or_compute("k", lambda: "never") == ("done", True)


def test_the_cache_keeps_at_most_its_size() -> None:
    cache: ResultCache[int] = ResultCache(2)
    for n in range(3):
        cache.get_or_compute(str(n), lambda n=n: n)  # type: ignore[misc]
    assert len(cache) == 2
    assert cache.get_or_compute("0", lambda: -1) == (-1, False)  # the oldest went first
    none: ResultCache[int] = ResultCache(0)
    none.get_or_compute("a", lambda: 1)
    assert none.get_or_compute("a", lambda: 2) == (2, False)


def test_the_api_says_an_answer_was_reused(settings: Settings,
                                          engines: Mapping[str, Engine],
                                          seed_text: str) -> None:
    client = create_app(settings, engines=engines).test_client()
    first = client.post("/v1/summarize", json={"text": seed_text}).get_json()
    second = client.post("/v1/summarize", json={"text": seed_text}).get_json()
    assert first["reused"] is False and second["reused"] is True
    assert {k: v for k, v in second.items() if k != "reused"} == {
        k: v for k, v in first.items() if k != "reused"}
    off = create_app(settings.changed(result_cache_size=0), engines=engines).test_client()
    for _ in range(2):
        assert off.post("/v1/summarize", json={"text": seed_text}).get_json()["reused"] is False
