"""The seq2seq engine on tiny Marian, BART and mT5 models, loaded through from_pretrained."""

from __future__ import annotations

from pathlib import Path

import pytest

from service.engine import Engine, GenerationParams
from service.engine.hf import HFSeq2SeqEngine
from service.errors import EngineError

ARCHS = {"marian": "MarianMTModel", "bart": "BartForConditionalGeneration",
         "t5": "MT5ForConditionalGeneration"}
INPUTS = [
    "Kementerian Perindustrian memperkuat upaya pemulihan sentra IKM alas kaki.",
    "Nilai investasi mencapai lebih dari Rp18 triliun.",
    "Sebanyak 14 perajin terlibat langsung dalam program tersebut.",
]


@pytest.fixture(scope="module", params=sorted(ARCHS))
def loaded(request: pytest.FixtureRequest, arch_dirs: dict[str, Path]) -> HFSeq2SeqEngine:
    return HFSeq2SeqEngine.from_pretrained("test", str(arch_dirs[request.param]), "main")


def test_loads_real_architecture_with_provenance(loaded: HFSeq2SeqEngine) -> None:
    assert isinstance(loaded, Engine)
    assert loaded.info.architecture in ARCHS.values()
    assert loaded.info.backend == "transformers"
    assert loaded.info.random_weights is True  # make-tiny marks its models as noise
    assert type(loaded.model).__name__ == loaded.info.architecture


def test_generate_is_batch_first_and_keeps_order(loaded: HFSeq2SeqEngine) -> None:
    greedy = GenerationParams(num_beams=1, max_new_tokens=12)
    batched = loaded.generate(INPUTS, greedy)
    assert len(batched) == len(INPUTS)
    one_by_one = [loaded.generate([t], greedy)[0] for t in INPUTS]
    # Padding must not change a greedy decode: each output belongs to its own input.
    assert batched == one_by_one
    assert len(set(batched)) > 1, "different inputs should not all decode identically"


def test_max_new_tokens_bounds_output(loaded: HFSeq2SeqEngine) -> None:
    short, longer = (loaded.generate(INPUTS[:1], GenerationParams(num_beams=1, max_new_tokens=n,
                                                                 min_new_tokens=n))[0]
                     for n in (4, 24))
    assert loaded.count_tokens([short])[0] < loaded.count_tokens([longer])[0]
    if loaded.info.architecture != ARCHS["bart"]:
        # Byte-level BPE noise can decode to partial UTF-8 that re-encodes longer, so the
        # round-trip bound holds only for the sentencepiece models.
        assert loaded.count_tokens([longer])[0] <= 24 + 2  # + specials on re-tokenising


def test_empty_batch(loaded: HFSeq2SeqEngine) -> None:
    assert loaded.generate([]) == []
    assert loaded.count_tokens([]) == []


def test_over_window_input_is_an_error_not_a_truncation(loaded: HFSeq2SeqEngine) -> None:
    words = " ".join(["pemulihan"] * (loaded.max_input_tokens + 10))
    assert loaded.count_tokens([words])[0] > loaded.max_input_tokens
    with pytest.raises(EngineError):
        loaded.generate([words])


def test_window_comes_from_the_model(arch_dirs: dict[str, Path]) -> None:
    marian = HFSeq2SeqEngine.from_pretrained("t", str(arch_dirs["marian"]))
    bart = HFSeq2SeqEngine.from_pretrained("t", str(arch_dirs["bart"]))
    assert marian.max_input_tokens == marian.model.config.max_position_embeddings
    assert bart.max_input_tokens == bart.model.config.max_position_embeddings
    # Published max_length/min_length become *_new_tokens so per-call overrides are exact.
    assert bart.generation_config.max_length is None
    assert bart.generation_config.max_new_tokens is not None
