"""Pipeline stages on tiny models: nothing dropped, windows respected, length honoured."""

from __future__ import annotations

import re

import pytest

from service.engine import Engine, GenerationParams
from service.pipeline import Pipeline
from service.pipeline.chunking import fit_pieces, pack
from service.pipeline.extractive import rank
from service.pipeline.report import Report
from service.pipeline.requests import Length, SummarizeRequest
from service.pipeline.summarize import Summarizer, trim_sentences
from service.pipeline.translate import Translator, cap_batches, chunks, output_cap
from service.text.clean import clean_article
from service.text.segment import split_sentences
from tests.conftest import RecordingEngine


def _words(text: str) -> list[str]:
    return re.findall(r"\S+", text)


@pytest.fixture(scope="module")
def seed_sentences(seed_text: str) -> list[str]:
    cleaned = clean_article(seed_text)
    return [s for p in cleaned.paragraphs for s in split_sentences(p, "id")]


def test_fit_pieces_splits_only_what_is_too_long(engines: dict[str, Engine]) -> None:
    engine = engines["translate_id_en"]
    giant = " ".join(f"kata{i}" for i in range(3000))  # one "sentence", no punctuation
    sentences = ["Kalimat pendek.", giant, "Kalimat lain."]
    budget = engine.max_input_tokens - 4
    pieces = fit_pieces(engine, sentences, budget)
    assert [p.source_index for p in pieces if p.source_index != 1] == [0, 2]
    giant_pieces = [p for p in pieces if p.source_index == 1]
    assert len(giant_pieces) > 1
    assert all(p.tokens <= budget for p in pieces)
    assert all(engine.count_tokens([p.text])[0] == p.tokens for p in giant_pieces)
    assert _words(" ".join(p.text for p in giant_pieces)) == _words(giant)


def test_pack_keeps_order_and_budget(engines: dict[str, Engine],
                                     seed_sentences: list[str]) -> None:
    engine = engines["summarize"]
    pieces = fit_pieces(engine, seed_sentences, 60)
    chunks = pack(pieces, 60)
    assert len(chunks) > 1
    assert [p for c in chunks for p in c] == pieces
    assert all(sum(p.tokens for p in c) <= 60 or len(c) == 1 for c in chunks)


def test_translator_sends_every_sentence_in_batches(
        recording: dict[str, RecordingEngine], seed_sentences: list[str]) -> None:
    engine = recording["translate_id_en"]
    out = Translator(engine, batch_size=4).sentences(seed_sentences)
    assert len(out) == len(seed_sentences)
    assert all(out)
    assert sorted(engine.inputs) == sorted(seed_sentences)  # each sentence once, none cut
    assert all(len(texts) <= 4 for texts, _ in engine.calls)
    caps = {output_cap(t) for t in engine.count_tokens(seed_sentences)}
    # Each article-order chunk in full batches of 4 within each output cap: at most one
    # partial batch per cap and chunk.
    spans = chunks(len(seed_sentences), 4)
    assert len(engine.calls) <= sum(-(-(b - a) // 4) + len(caps) - 1 for a, b in spans)


def test_a_sentence_is_decoded_under_its_own_cap_whatever_its_batch(
        recording: dict[str, RecordingEngine], seed_sentences: list[str]) -> None:
    """The translation memory keys a sentence on the parameters it was decoded with; a cap
    taken from the longest sentence of its batch would make the same sentence a different
    entry with other neighbours."""
    engine = recording["translate_id_en"]
    # One sentence long enough for a cap of its own.
    long = " ".join(seed_sentences[:3]).replace(".", ",")
    seed_sentences = [*seed_sentences, long]
    Translator(engine, batch_size=16).sentences(seed_sentences)
    seen: dict[str, GenerationParams | None] = {}
    for texts, params in engine.calls:
        assert params is not None
        for text, tokens in zip(texts, engine.count_tokens(texts), strict=True):
            assert params.max_new_tokens == output_cap(tokens)
            seen[text] = params
    assert len({output_cap(t) for t in engine.count_tokens(seed_sentences)}) > 1
    for sentence in seed_sentences[:3]:
        engine.calls.clear()
        Translator(engine, batch_size=16).sentences([sentence])
        assert engine.calls == [([sentence], seen[sentence])]


def test_cap_batches_keep_order_size_and_one_cap() -> None:
    tokens = [5, 40, 3, 70, 41, 12, 200, 69]
    batches = cap_batches(tokens, 2)
    assert sorted(i for b in batches for i in b) == list(range(len(tokens)))
    assert [tokens[i] for b in batches for i in b] == sorted(tokens)
    assert all(1 <= len(b) <= 2 for b in batches)
    assert all(len({output_cap(tokens[i]) for i in b}) == 1 for b in batches)


def test_translator_output_matches_sentence_order(recording: dict[str, RecordingEngine],
                                                  seed_sentences: list[str]) -> None:
    engine = recording["translate_id_en"]
    # Batches are sorted by length; results must come back in the caller's order.
    out = Translator(engine, batch_size=3).sentences(seed_sentences)
    assert out == [engine.outputs[s] for s in seed_sentences]


def test_translator_splits_an_overlong_sentence_and_warns(
        recording: dict[str, RecordingEngine]) -> None:
    engine = recording["translate_id_en"]
    giant = " ".join(f"kata{i}" for i in range(400))
    report = Report()
    out = Translator(engine).sentences(["Pendek.", giant], report)
    assert len(out) == 2
    pieces = [t for t in engine.inputs if t != "Pendek."]
    assert all(p in giant for p in pieces)  # contiguous parts of the sentence
    assert sorted(w for p in pieces for w in _words(p)) == sorted(_words(giant))
    assert all(engine.count_tokens([t])[0] <= engine.max_input_tokens for t in engine.inputs)
    assert [w.code for w in report.warnings] == ["sentence_split"]


def test_translate_texts_keeps_paragraphs(engines: dict[str, Engine]) -> None:
    out = Translator(engines["translate_id_en"]).texts(
        ["Satu. Dua.\n\nTiga.", "Empat."], "id")
    assert len(out) == 2
    assert out[0].count("\n\n") == 1 and "\n\n" not in out[1]


def test_summarizer_map_reduce_reads_every_sentence(
        recording: dict[str, RecordingEngine], seed_sentences: list[str]) -> None:
    engine = recording["summarize"]
    english = seed_sentences * 2  # ~1,200 tokens for a 256-token window
    assert sum(engine.count_tokens(english)) > engine.max_input_tokens
    report = Report()
    summary = Summarizer(engine).summarize(english, Length.parse("short"), report)
    assert summary
    first_round = engine.calls[0][0]
    assert len(first_round) > 1
    assert " ".join(first_round) == " ".join(english)  # nothing dropped, order kept
    assert len(engine.calls[-1][0]) == 1  # the reduce step sees one merged text
    assert all(engine.count_tokens([t])[0] <= engine.max_input_tokens for t in engine.inputs)
    assert "summary_chunked" in [w.code for w in report.warnings]


def test_summarizer_single_window_is_one_call(recording: dict[str, RecordingEngine],
                                              seed_sentences: list[str]) -> None:
    engine = recording["summarize"]
    report = Report()
    Summarizer(engine).summarize(seed_sentences[:3], Length.parse("medium"), report)
    assert len(engine.calls) == 1
    assert engine.calls[0][0] == [" ".join(seed_sentences[:3])]
    assert report.warnings == []


# distilbart-cnn's own range is 55..141 new tokens (min_length 56, max_length 142).
@pytest.mark.parametrize(("length", "expected"), [
    ("short", GenerationParams(min_new_tokens=27, max_new_tokens=71)),
    ("medium", GenerationParams(min_new_tokens=55, max_new_tokens=141)),
    ("long", GenerationParams(min_new_tokens=82, max_new_tokens=141)),
    (3, GenerationParams(min_new_tokens=41, max_new_tokens=106)),
])
def test_length_sets_decoding_budget(recording: dict[str, RecordingEngine], length: str | int,
                                     expected: GenerationParams,
                                     seed_sentences: list[str]) -> None:
    engine = recording["summarize"]
    Summarizer(engine).summarize(seed_sentences[:2], Length.parse(length), Report())
    assert engine.calls[-1][1] == expected


@pytest.mark.parametrize(("text", "n", "expected"), [
    ("One. Two. Three.", 2, "One. Two."),
    ("One. Two.", 5, "One. Two."),
    ("No full stop at all", 1, "No full stop at all"),
])
def test_trim_sentences(text: str, n: int, expected: str) -> None:
    assert trim_sentences(text, n) == expected


@pytest.mark.parametrize("n", [1, 2, 4, 6])
def test_extractive_picks_n_sentences_in_order(seed_sentences: list[str], n: int) -> None:
    picked = rank(seed_sentences, n)
    assert len(picked) == n
    assert picked == sorted(picked)


def test_extractive_prefers_central_sentences() -> None:
    sentences = [
        "Harga beras naik di pasar Bogor.",
        "Kucing tidur di atas genteng rumah tetangga.",
        "Pedagang pasar Bogor mengeluhkan harga beras yang naik.",
        "Pemerintah Bogor memantau harga beras di pasar.",
    ]
    assert rank(sentences, 2) == [0, 2] or rank(sentences, 2) == [2, 3]
    assert 1 not in rank(sentences, 3)


@pytest.mark.parametrize(("length", "count"), [("short", 2), ("medium", 4), (5, 5)])
def test_extractive_strategy_honours_length(engines: dict[str, Engine], seed_text: str,
                                            length: str | int, count: int) -> None:
    req = SummarizeRequest(text=seed_text, length=Length.parse(length), languages=("en", "id"),
                           strategy="extractive")
    result = Pipeline(engines).summarize(req)
    assert len(split_sentences(result.summary["id"], "id")) == count
    assert all(s in seed_text for s in split_sentences(result.summary["id"], "id"))
    assert [m.role for m in result.models] == ["translate_id_en"]


def test_default_strategy_runs_every_stage(engines: dict[str, Engine], seed_text: str) -> None:
    req = SummarizeRequest(text=seed_text, languages=("en", "id"))
    result = Pipeline(engines).summarize(req)
    assert set(result.summary) == {"en", "id"}
    assert [m.role for m in result.models] == ["translate_id_en", "summarize", "translate_en_id"]
    assert {"clean", "segment", "translate", "summarize", "back_translate", "total"} <= set(
        result.timings_ms)
    assert "random_weights" in [w.code for w in result.warnings]


def test_strategies_need_their_models(engines: dict[str, Engine]) -> None:
    only_translation = Pipeline({"translate_id_en": engines["translate_id_en"]})
    assert list(only_translation.strategies) == ["extractive"]


class NoisyEngine(RecordingEngine):
    """Answers every text with what a random-weight byte-level model may emit."""

    def generate(self, texts: list[str] | tuple[str, ...],  # type: ignore[override]
                 params: GenerationParams | None = None) -> list[str]:
        super().generate(texts, params)
        return ["Menteri\x07 hadir\x1b[31m di\x00 Bogor.\x9b" for _ in texts]


def test_control_characters_never_reach_an_answer(engines: dict[str, Engine]) -> None:
    from service.pipeline.requests import TranslateRequest

    noisy = {role: NoisyEngine(e) for role, e in engines.items()}
    result = Pipeline(noisy).translate(TranslateRequest(texts=("Dia pergi.",), source="id",
                                                                target="en", single=True))
    assert result.translation == "Menteri hadir[31m di Bogor."
    codes = [w.code for w in result.warnings]
    assert "control_characters_removed" in codes
    # The warning about random weights names what was produced: a translation here.
    noise = next(w for w in result.warnings if w.code == "random_weights")
    assert noise.message.endswith("not a translation")
    summary = Pipeline(noisy).summarize(SummarizeRequest(
        text="Menteri hadir di Bogor. Dia meresmikan pabrik.", languages=("en", "id")))
    assert all(not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]", t)
               for t in summary.summary.values())
    assert next(w for w in summary.warnings
                if w.code == "random_weights").message.endswith("not a summary")


def test_bidi_overrides_and_js_line_separators_are_removed_too() -> None:
    from service.pipeline.guards import printable

    report = Report()
    text = "Harga \u202enaik\u202c 5\u2066%\u2069\u2028 pada\u2029 2025.\tYa\nTidak"
    assert printable(report, text, "the translation") == \
        "Harga naik 5% pada 2025.\tYa\nTidak"
    assert [w.code for w in report.warnings] == ["control_characters_removed"]


def test_chunks_cover_the_sentences_in_order_first_one_short() -> None:
    assert chunks(0, 16) == []
    assert chunks(3, 16) == [(0, 3)]
    assert chunks(40, 16) == [(0, 4), (4, 20), (20, 36), (36, 40)]
    assert chunks(10, 2) == [(0, 2), (2, 4), (4, 6), (6, 8), (8, 10)]
