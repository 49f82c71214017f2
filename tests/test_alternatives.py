"""LibreTranslate's ``alternatives``: the n best hypotheses of the model's own beam search,
on both backends (transformers and CTranslate2), through the batcher, the deadline and
metrics wrappers, the pipeline and the /translate view."""

from __future__ import annotations

import copy
import threading
from collections.abc import Mapping
from pathlib import Path

import pytest

from service.api import create_app
from service.config import Settings
from service.engine import Engine, GenerationParams
from service.engine.batcher import Batcher
from service.engine.convert import convert
from service.engine.ct2 import CT2Seq2SeqEngine
from service.engine.hf import HFSeq2SeqEngine
from service.models import LOCAL_REVISION, ModelSpec
from service.pipeline.translate import Translator, output_cap

SENTENCE = "Pabrik sepatu itu mempekerjakan dua ratus orang dari desa sekitar Bogor."
OTHER = "Nilai investasi mencapai lebih dari Rp18 triliun."
N = 3
PARAMS = GenerationParams(max_new_tokens=32, num_hypotheses=N)


@pytest.fixture(scope="module")
def ct2_engine(tiny_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> CT2Seq2SeqEngine:
    """The tiny id->en model converted for real (float32: exact arithmetic)."""
    out = convert(ModelSpec("translate_id_en", str(tiny_dir / "translate_id_en"),
                            LOCAL_REVISION), tmp_path_factory.mktemp("ct2-nbest") / "m",
                  "float32")
    return CT2Seq2SeqEngine.from_dir("translate_id_en", out, compute_type="float32")


def _hf_direct(engine: HFSeq2SeqEngine, text: str, n: int) -> list[str]:
    """transformers' own n-best: the role's generation config, n sequences returned."""
    import torch

    config = copy.deepcopy(engine.generation_config)
    config.max_new_tokens = 32
    config.num_return_sequences = n
    batch = engine.tokenizer([text], return_tensors="pt")
    with torch.inference_mode():
        out = engine.model.generate(**batch, generation_config=config)
    return [s.strip() for s in engine.tokenizer.batch_decode(out[:, 1:],
                                                             skip_special_tokens=True)]


def _ct2_direct(engine: CT2Seq2SeqEngine, text: str, n: int) -> list[str]:
    """CTranslate2's own n-best: the role's options for one hypothesis, num_hypotheses n."""
    options = engine._options(GenerationParams(max_new_tokens=32))
    options.update(beam_size=max(options["beam_size"], n), num_hypotheses=n)
    result = engine.translator.translate_batch(engine.tokenizer.pieces([text]), **options)[0]
    cap = options["max_decoding_length"]
    # As for one hypothesis: one that reached the cap loses its last token to the forced
    # EOS transformers would have spent that step on (Marian forces EOS).
    assert engine.generation["forced_eos"]
    return [engine.tokenizer.decode(list(h)[:-1] if len(h) >= cap else list(h)).strip()
            for h in result.hypotheses]


def test_transformers_hypotheses_are_its_beam_searchs_n_best(
        engines: Mapping[str, Engine]) -> None:
    engine = engines["translate_id_en"]
    assert isinstance(engine, HFSeq2SeqEngine)
    assert engine.generation_config.num_beams >= N  # the published beam: not widened here
    got = engine.generate_hypotheses([SENTENCE, OTHER], PARAMS)
    assert got == [_hf_direct(engine, SENTENCE, N), _hf_direct(engine, OTHER, N)]
    assert all(len(hyps) == N for hyps in got)
    assert len(set(got[0])) > 1  # distinct hypotheses, or the comparison says little
    # Best first: the best of the n is what a plain call returns.
    assert [hyps[0] for hyps in got] == engine.generate([SENTENCE, OTHER],
                                                        GenerationParams(max_new_tokens=32))


def test_ctranslate2_hypotheses_are_its_beam_searchs_n_best(
        ct2_engine: CT2Seq2SeqEngine) -> None:
    got = ct2_engine.generate_hypotheses([SENTENCE, OTHER], PARAMS)
    assert got == [_ct2_direct(ct2_engine, SENTENCE, N), _ct2_direct(ct2_engine, OTHER, N)]
    assert all(len(hyps) == N for hyps in got)
    assert len(set(got[0])) > 1
    assert [hyps[0] for hyps in got] == ct2_engine.generate(
        [SENTENCE, OTHER], GenerationParams(max_new_tokens=32))


def test_more_hypotheses_than_beams_widen_the_beam(engines: Mapping[str, Engine],
                                                   ct2_engine: CT2Seq2SeqEngine) -> None:
    hf = engines["translate_id_en"]
    assert isinstance(hf, HFSeq2SeqEngine)
    beams = hf.generation_config.num_beams
    wide = GenerationParams(max_new_tokens=16, num_hypotheses=beams + 2)
    assert [len(h) for h in hf.generate_hypotheses([SENTENCE], wide)] == [beams + 2]
    assert [len(h) for h in ct2_engine.generate_hypotheses([SENTENCE], wide)] == [beams + 2]


def test_the_batcher_hands_each_caller_its_own_hypotheses(
        engines: Mapping[str, Engine]) -> None:
    inner = engines["translate_id_en"]
    batcher = Batcher(inner, max_wait_ms=50)
    plain = GenerationParams(max_new_tokens=32)
    out: dict[str, object] = {}

    def nbest() -> None:
        out["nbest"] = batcher.generate_hypotheses([SENTENCE, OTHER], PARAMS)

    def best() -> None:
        out["best"] = batcher.generate([OTHER, SENTENCE], plain)

    threads = [threading.Thread(target=nbest), threading.Thread(target=best)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    batcher.close()
    assert out["nbest"] == inner.generate_hypotheses([SENTENCE, OTHER], PARAMS)
    assert out["best"] == inner.generate([OTHER, SENTENCE], plain)


def test_a_texts_kth_alternative_joins_its_sentences_kth_hypotheses(
        engines: Mapping[str, Engine]) -> None:
    engine = engines["translate_id_en"]
    translator = Translator(engine)
    per_sentence = translator.sentence_hypotheses([SENTENCE, OTHER], N)
    text = translator.text_hypotheses([f"{SENTENCE} {OTHER}"], "id", N)[0]
    assert text == [f"{a} {b}" for a, b in zip(*per_sentence, strict=True)]
    assert text[0] == translator.texts([f"{SENTENCE} {OTHER}"], "id")[0]


def _app_engines(engines: Mapping[str, Engine], backend: str,
                 ct2_engine: CT2Seq2SeqEngine) -> dict[str, Engine]:
    return {**engines, "translate_id_en": ct2_engine} if backend == "ctranslate2" \
        else dict(engines)


@pytest.mark.parametrize("backend", ["transformers", "ctranslate2"])
def test_libretranslate_alternatives_are_the_models_next_best(
        backend: str, settings: Settings, engines: Mapping[str, Engine],
        ct2_engine: CT2Seq2SeqEngine) -> None:
    served = _app_engines(engines, backend, ct2_engine)
    client = create_app(settings, engines=served).test_client()
    resp = client.post("/translate", data={"q": SENTENCE, "source": "id", "target": "en",
                                           "alternatives": "3"})
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    engine = served["translate_id_en"]
    cap = output_cap(engine.count_tokens([SENTENCE])[0])
    want = engine.generate_hypotheses([SENTENCE], GenerationParams(max_new_tokens=cap,
                                                                   num_hypotheses=4))[0]
    assert body["translatedText"] == want[0]
    others = list(dict.fromkeys(h for h in want[1:] if h != want[0]))
    assert body["alternatives"] == others and 1 <= len(others) <= 3
    assert len(set(body["alternatives"])) == len(body["alternatives"])
    assert body["translatedText"] not in body["alternatives"]


def test_libretranslate_alternatives_shapes(settings: Settings,
                                            engines: Mapping[str, Engine]) -> None:
    client = create_app(settings, engines=engines).test_client()
    en = "The factory is big."
    listed = client.post("/translate", json={"q": [SENTENCE, en], "source": "auto",
                                             "target": "en", "alternatives": 2}).get_json()
    assert len(listed["alternatives"]) == 2
    assert 1 <= len(listed["alternatives"][0]) <= 2
    assert listed["alternatives"][1] == []  # already English: returned as it was, no others
    html = client.post("/translate", json={"q": f"<p>{SENTENCE}</p>", "source": "id",
                                           "target": "en", "format": "html",
                                           "alternatives": 2}).get_json()
    assert html["alternatives"] == []  # as LibreTranslate: none for html
    none = client.post("/translate", json={"q": SENTENCE, "source": "id", "target": "en"})
    assert "alternatives" not in none.get_json()  # only when asked for, as LibreTranslate
