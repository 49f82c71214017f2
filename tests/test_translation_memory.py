"""The translation memory (service/engine/recall.py): a sentence asked again is answered
without a model call, with exactly what the model said for it, and never from an entry of
another model, decoding or glossary."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import pytest

from eval.dataset import ntrex_documents
from service.api import create_app
from service.config import Settings
from service.engine import Engine, GenerationParams
from service.engine.recall import (
    LocalStore,
    RedisStore,
    Tally,
    TranslationMemory,
    entry_key,
    model_fingerprint,
)
from service.glossary import GlossaryPolicy, Terms
from service.pipeline import Pipeline
from service.pipeline.requests import SummarizeRequest, TranslateRequest
from service.text.clean import clean_article
from service.text.segment import split_sentences
from tests.conftest import RecordingEngine

ROLE = "translate_id_en"


def _memory(mb: int = 16) -> TranslationMemory:
    return TranslationMemory(LocalStore(mb * 1024 * 1024))


def _translate(pipeline: Pipeline, texts: list[str], **kw: Any) -> Any:
    return pipeline.translate(TranslateRequest(tuple(texts), "id", "en", single=False, **kw))


def _seed_sentences(seed_text: str) -> list[str]:
    return split_sentences(clean_article(seed_text).body, "id")


# -- the store ---------------------------------------------------------------------------

def test_local_store_drops_least_recently_used_past_its_bytes() -> None:
    store = LocalStore(3 * 260)  # three short entries' worth
    store.put_many({"a": ("x" * 10,), "b": ("y" * 10,), "c": ("z" * 10,)})
    assert store.get_many(["a"]) == [("x" * 10,)]  # a is now the most recent
    store.put_many({"d": ("w" * 10,)})
    assert store.get_many(["a", "b", "c", "d"]) == [("x" * 10,), None, ("z" * 10,),
                                                   ("w" * 10,)]
    assert store.bytes_held <= store.max_bytes
    store.put_many({"huge": ("q" * 10_000,)})  # larger than the whole store: not kept
    assert store.get_many(["huge"]) == [None] and len(store) == 3


def test_key_names_every_thing_that_changes_the_output(engines: Mapping[str, Engine]) -> None:
    info = engines[ROLE].info
    fp = model_fingerprint(info)
    params = GenerationParams(max_new_tokens=128)
    base = entry_key(fp, params, 1, "Kucing makan.")
    others = [
        entry_key(fp, params, 1, "Kucing minum."),
        entry_key(fp, GenerationParams(max_new_tokens=256), 1, "Kucing makan."),
        entry_key(fp, GenerationParams(max_new_tokens=128, num_beams=2), 1, "Kucing makan."),
        entry_key(fp, GenerationParams(max_new_tokens=128, num_hypotheses=3), 1,
                  "Kucing makan."),
        entry_key(fp, params, 3, "Kucing makan."),
        entry_key(model_fingerprint(dataclasses.replace(info, commit="0" * 40)), params, 1,
                  "Kucing makan."),
        entry_key(model_fingerprint(dataclasses.replace(info, compute_type="int16")),
                  params, 1, "Kucing makan."),
        entry_key(model_fingerprint(dataclasses.replace(info, backend="other")),
                  params, 1, "Kucing makan."),
        entry_key(model_fingerprint(dataclasses.replace(info, role="translate_en_id")),
                  params, 1, "Kucing makan."),
    ]
    assert base not in others and len(set(others)) == len(others)
    # The time limit only discards late output: the same entry under any deadline.
    assert entry_key(fp, dataclasses.replace(params, max_time=3.0), 1,
                     "Kucing makan.") == base


# -- the wrapper ---------------------------------------------------------------------------

def test_only_misses_reach_the_model_once_each_in_the_callers_order(
        recording: dict[str, RecordingEngine], seed_text: str) -> None:
    engine = recording[ROLE]
    memory = _memory()
    sentences = _seed_sentences(seed_text)
    params = GenerationParams(max_new_tokens=256)
    tally = Tally()
    first = memory.recalling(engine, tally).generate(sentences[:4], params)
    assert engine.calls == [(sentences[:4], params)]
    assert tally.to_json() == {"hits": 0, "misses": 4, "human": 0}
    engine.calls.clear()
    asked = [sentences[5], sentences[1], sentences[5], sentences[0], sentences[6]]
    tally = Tally()
    out = memory.recalling(engine, tally).generate(asked, params)
    assert engine.calls == [([sentences[5], sentences[6]], params)]  # each miss once
    assert out[1] == first[1] and out[3] == first[0] and out[0] == out[2]
    assert out == [engine.outputs[s] for s in asked]
    assert tally.to_json() == {"hits": 2, "misses": 3, "human": 0}
    engine.calls.clear()
    assert memory.recalling(engine).generate(asked, params) == out
    assert engine.calls == []


def test_hypotheses_and_the_best_are_separate_entries(
        recording: dict[str, RecordingEngine], seed_text: str) -> None:
    engine = recording[ROLE]
    memory = _memory()
    sentence = _seed_sentences(seed_text)[0]
    params = GenerationParams(max_new_tokens=128, num_hypotheses=3)
    hyps = memory.recalling(engine).generate_hypotheses([sentence], params)[0]
    again = memory.recalling(engine).generate_hypotheses([sentence], params)[0]
    assert again == hyps and len(hyps) == 3
    best = memory.recalling(engine).generate([sentence], params)
    assert best == [engine.inner.generate([sentence], params)[0]]


# -- through the pipeline ----------------------------------------------------------------

def test_memory_on_answers_as_memory_off_over_the_seed_and_ntrex(
        recording: dict[str, RecordingEngine], engines: Mapping[str, Engine],
        seed_text: str) -> None:
    documents = [list(doc.source) for doc in ntrex_documents()[:3]]
    texts = [seed_text, *(" ".join(doc) for doc in documents)]
    off = _translate(Pipeline(engines), texts)
    on = Pipeline(recording, memory=_memory())
    cold = _translate(on, texts)
    assert cold.translation == off.translation
    assert cold.warnings == off.warnings
    assert cold.translation_memory.hits == 0 and cold.translation_memory.misses > 0
    recording[ROLE].calls.clear()
    warm = _translate(on, texts)
    assert warm.translation == off.translation and warm.warnings == off.warnings
    assert recording[ROLE].calls == []  # every sentence from the memory
    assert warm.translation_memory.to_json() == {"hits": cold.translation_memory.misses,
                                                 "misses": 0, "human": 0}


def test_an_updated_article_pays_only_for_its_new_sentences(
        recording: dict[str, RecordingEngine], engines: Mapping[str, Engine],
        seed_text: str) -> None:
    """One sentence changed and one added: the other sentences are not decoded again, and
    the answer is what a cold run gives. One sentence a batch, so that batch company (whose
    padding moves int8 arithmetic) is the same on both sides."""
    sentences = _seed_sentences(seed_text)
    updated = [*sentences[:3], "Pabrik itu juga mempekerjakan 40 orang dari Bekasi.",
               *sentences[4:], "Peresmian dihadiri oleh wali kota."]
    on = Pipeline(recording, batch_size=1, memory=_memory())
    _translate(on, sentences)
    recording[ROLE].calls.clear()
    again = _translate(on, updated)
    sent = recording[ROLE].inputs
    assert sorted(sent) == sorted([updated[3], updated[-1]])
    assert again.translation_memory.to_json() == {"hits": len(updated) - 2, "misses": 2,
                                                  "human": 0}
    assert again.translation == _translate(Pipeline(engines, batch_size=1),
                                           updated).translation


def test_summary_repeat_translates_nothing_again(
        recording: dict[str, RecordingEngine], engines: Mapping[str, Engine],
        seed_text: str) -> None:
    req = SummarizeRequest(text=seed_text, languages=("en", "id"), translation=True)
    off = Pipeline(engines).summarize(req)
    on = Pipeline(recording, memory=_memory())
    first = on.summarize(req)
    recording["translate_id_en"].calls.clear()
    recording["translate_en_id"].calls.clear()
    second = on.summarize(req)
    for result in (first, second):
        assert result.summary == off.summary and result.translation == off.translation
        assert result.fidelity == off.fidelity
    assert recording["translate_id_en"].calls == [] == recording["translate_en_id"].calls
    assert second.translation_memory.misses == 0 and second.translation_memory.hits > 0


def test_another_glossary_is_applied_to_remembered_sentences(
        recording: dict[str, RecordingEngine], engines: Mapping[str, Engine]) -> None:
    """The memory holds the model's raw output; each request's glossary is enforced on it
    afresh, so a changed glossary never meets an old answer."""
    text = ["Kemenperin meresmikan pabrik baru di Bogor."]
    first = GlossaryPolicy((Terms("id", "en", (("Kemenperin", "Ministry of Industry"),)),))
    second = GlossaryPolicy((Terms("id", "en", (("Kemenperin", "MoI"),)),))
    on = Pipeline(recording, memory=_memory())
    a = _translate(on, text, glossary=first)
    b = _translate(on, text, glossary=second)
    assert a.translation == _translate(Pipeline(engines), text, glossary=first).translation
    assert b.translation == _translate(Pipeline(engines), text, glossary=second).translation
    assert "MoI" in b.translation[0] or any(w.code == "glossary_not_applied"
                                             for w in b.warnings)
    assert b.translation_memory.hits > 0  # the unconstrained sentence was remembered


def test_a_new_model_commit_or_decoding_is_a_miss(
        recording: dict[str, RecordingEngine], seed_text: str) -> None:
    memory = _memory()
    sentences = _seed_sentences(seed_text)[:3]
    engine = recording[ROLE]
    memory.recalling(engine).generate(sentences, GenerationParams(max_new_tokens=128))
    engine.calls.clear()
    newer = RecordingEngine(engine.inner)
    newer.info = dataclasses.replace(engine.info, commit="f" * 40)
    tally = Tally()
    memory.recalling(newer, tally).generate(sentences, GenerationParams(max_new_tokens=128))
    assert tally.to_json() == {"hits": 0, "misses": 3, "human": 0} and len(newer.calls) == 1
    tally = Tally()
    memory.recalling(engine, tally).generate(sentences, GenerationParams(max_new_tokens=128,
                                                                         num_beams=1))
    assert tally.to_json() == {"hits": 0, "misses": 3, "human": 0} and len(engine.calls) == 1


# -- the service ---------------------------------------------------------------------------

def test_responses_and_metrics_count_hits(settings: Settings,
                                          engines: Mapping[str, Engine]) -> None:
    client = create_app(settings, engines=engines).test_client()
    body = {"text": ["Pabrik itu besar.", "Kucing makan ikan."], "source": "id",
            "target": "en"}
    first = client.post("/v1/translate", json=body).get_json()
    second = client.post("/v1/translate", json=body).get_json()
    assert first["translation_memory"] == {"hits": 0, "misses": 2, "human": 0}
    assert second["translation_memory"] == {"hits": 2, "misses": 0, "human": 0}
    assert second["translation"] == first["translation"]
    metrics = client.get("/metrics").get_data(as_text=True)
    assert ('ringkas_translation_memory_lookups_total{result="hit",role="translate_id_en"} '
            '2.0') in metrics
    assert ('ringkas_translation_memory_lookups_total{result="miss",role="translate_id_en"} '
            '2.0') in metrics


def test_memory_off_leaves_the_answer_without_counts(settings: Settings,
                                                    engines: Mapping[str, Engine]) -> None:
    client = create_app(settings.changed(tm_max_mb=0), engines=engines).test_client()
    body = client.post("/v1/translate", json={"text": "Pabrik itu besar.", "source": "id",
                                              "target": "en"}).get_json()
    assert "translation_memory" not in body and body["translation"]


# -- shared through Redis -------------------------------------------------------------------

def test_redis_memory_is_shared_between_processes(
        redis_url: str, recording: dict[str, RecordingEngine], engines: Mapping[str, Engine],
        seed_text: str) -> None:
    texts = [seed_text]
    one = Pipeline(engines, memory=TranslationMemory(RedisStore.from_url(redis_url, 60)))
    other = Pipeline(recording, memory=TranslationMemory(RedisStore.from_url(redis_url, 60)))
    first = _translate(one, texts)
    second = _translate(other, texts)
    assert second.translation == first.translation
    assert recording[ROLE].calls == [] and second.translation_memory.misses == 0
    from redis import Redis

    ttls = [Redis.from_url(redis_url).ttl(k) for k in
            Redis.from_url(redis_url).scan_iter("ringkas:tm:*")]
    assert ttls and all(0 < t <= 60 for t in ttls)


def test_redis_down_is_a_miss_not_a_failure(recording: dict[str, RecordingEngine],
                                            engines: Mapping[str, Engine]) -> None:
    from tests.conftest import _free_port

    store = RedisStore.from_url(f"redis://127.0.0.1:{_free_port()}/0", 60)
    result = _translate(Pipeline(recording, memory=TranslationMemory(store)),
                        ["Pabrik itu besar."])
    assert result.translation == _translate(Pipeline(engines), ["Pabrik itu besar."]
                                            ).translation
    assert result.translation_memory.to_json() == {"hits": 0, "misses": 1, "human": 0}


@pytest.mark.parametrize("bad", [b"not json", b'{"a": 1}', b'[1, 2]'])
def test_a_foreign_redis_value_is_a_miss(bad: bytes) -> None:
    class Client:
        def mget(self, keys: list[str]) -> list[bytes]:
            return [bad for _ in keys]

    assert RedisStore(Client(), 60).get_many(["k"]) == [None]


def test_libretranslate_and_deepl_routes_share_the_memory(settings: Settings,
                                                          engines: Mapping[str, Engine]) -> None:
    client = create_app(settings, engines=engines).test_client()
    text = "Pabrik sepatu itu mempekerjakan dua ratus orang."
    libre = client.post("/translate", json={"q": text, "source": "id", "target": "en"})
    deepl = client.post("/v2/translate", json={"text": [text], "source_lang": "ID",
                                               "target_lang": "EN-US"})
    assert libre.status_code == 200 and deepl.status_code == 200, deepl.get_json()
    assert deepl.get_json()["translations"][0]["text"] == libre.get_json()["translatedText"]
    metrics = client.get("/metrics").get_data(as_text=True)
    assert ('ringkas_translation_memory_lookups_total{result="hit",role="translate_id_en"} '
            '1.0') in metrics


def test_the_indonesian_summary_after_the_english_one_summarises_once(
        recording: dict[str, RecordingEngine], engines: Mapping[str, Engine],
        seed_text: str) -> None:
    """The summariser reads the same English article for both: its call is remembered like
    a translator's, and the answer is the one a cold run gives."""
    on = Pipeline(recording, memory=_memory())
    on.summarize(SummarizeRequest(text=seed_text, languages=("en",)))
    recording["summarize"].calls.clear()
    recording["translate_id_en"].calls.clear()
    indonesian = on.summarize(SummarizeRequest(text=seed_text, languages=("id",)))
    assert recording["summarize"].calls == [] == recording["translate_id_en"].calls
    cold = Pipeline(engines).summarize(SummarizeRequest(text=seed_text, languages=("id",)))
    assert indonesian.summary == cold.summary
    # Only the translators' lookups are the answer's counts.
    assert indonesian.translation_memory.misses == len(recording["translate_en_id"].inputs)
