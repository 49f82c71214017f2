"""eval.metrics against the libraries' own scorers, hand-checked cases and the registry."""

from __future__ import annotations

import math
from pathlib import Path
from statistics import mean
from typing import Any

import pytest
import sacrebleu
from rouge_score import rouge_scorer
from sacrebleu.metrics import BLEU, CHRF, TER

from eval.metrics import METRICS, Metric, Score, get_metric
from service.text.segment import split_sentences

SEED = Path(__file__).resolve().parent.parent / "seeds" / "000_d67792ced336d87c.txt"
NB = 20  # bootstrap resamples where the CI itself is not under test

# Five news-like system outputs, each with two references (same count for every document).
HYPS = [
    "The central bank kept its benchmark interest rate at 6% on Thursday.",
    "Floods in the capital forced about 2,000 residents to leave their homes. Rescue teams "
    "used boats to reach them.",
    "The ministry said exports of palm oil rose 12 percent last year.",
    "A fire destroyed dozens of houses in a crowded district of Surabaya on Sunday night.",
    "The president opened a new toll road that links two provinces in Sumatra.",
]
REFS = [
    ["The central bank held its benchmark interest rate at 6% on Thursday.",
     "On Thursday, the central bank left its key rate unchanged at 6%."],
    ["Flooding in the capital forced some 2,000 people from their homes. Rescuers used boats.",
     "About 2,000 residents of the capital fled their homes because of floods."],
    ["Palm oil exports rose by 12 percent last year, the ministry said.",
     "The ministry reported a 12 percent increase in palm oil exports last year."],
    ["Dozens of houses burned down in a densely populated area of Surabaya on Sunday night.",
     "A fire on Sunday night destroyed dozens of homes in a crowded part of Surabaya."],
    ["The president inaugurated a new toll road connecting two provinces in Sumatra.",
     "A toll road linking two Sumatran provinces was opened by the president."],
]
SOURCES = ["artikel sumber"] * len(HYPS)
STREAMS = [list(s) for s in zip(*REFS, strict=True)]

SACRE: list[tuple[str, type[Any], dict[str, Any], Any]] = [
    ("bleu", BLEU, {}, lambda h, r: sacrebleu.corpus_bleu(h, r)),
    ("chrf", CHRF, {"word_order": 2}, lambda h, r: sacrebleu.corpus_chrf(h, r, word_order=2)),
    ("ter", TER, {}, lambda h, r: sacrebleu.corpus_ter(h, r)),
]
# sacrebleu's own sentence-level scorers; sentence_bleu uses effective order by default, as
# sacrebleu recommends for single segments, and the scorer options that give its signature.
SENTENCE: list[tuple[str, type[Any], dict[str, Any], Any]] = [
    ("bleu", BLEU, {"effective_order": True}, lambda h, r: sacrebleu.sentence_bleu(h, r)),
    ("chrf", CHRF, {"word_order": 2}, lambda h, r: sacrebleu.sentence_chrf(h, r, word_order=2)),
    ("ter", TER, {}, lambda h, r: sacrebleu.sentence_ter(h, r)),
]
SACRE_IDS = [s[0] for s in SACRE]
ROUGE_TYPES = ["rouge1", "rouge2", "rougeL", "rougeLsum"]


def _lines(text: str) -> str:
    return "\n".join(split_sentences(text, "en"))


def _rouge_expected(hyps: list[str], refs: list[list[str]]) -> list[dict[str, float]]:
    scorer = rouge_scorer.RougeScorer(ROUGE_TYPES, use_stemmer=True)
    out = []
    for h, rs in zip(hyps, refs, strict=True):
        s = scorer.score_multi([_lines(r) for r in rs], _lines(h))
        out.append({t: s[t].fmeasure * 100 for t in ROUGE_TYPES})
    return out


def _by_name(scores: list[Score]) -> dict[str, Score]:
    return {s.name: s for s in scores}


# --- sacrebleu metrics agree with sacrebleu -------------------------------------------------


@pytest.mark.parametrize(("name", "cls", "opts", "corpus_fn"), SACRE, ids=SACRE_IDS)
def test_corpus_value_matches_sacrebleu(name: str, cls: type[Any], opts: dict[str, Any],
                                        corpus_fn: Any) -> None:
    [score] = get_metric(name, n_bootstrap=NB).corpus(HYPS, REFS, SOURCES)
    expected = corpus_fn(HYPS, STREAMS).score
    assert score.name == name
    assert score.value == pytest.approx(expected, abs=1e-9)
    assert 0 < score.value < 100  # a non-degenerate test set


@pytest.mark.parametrize(("name", "cls", "opts", "corpus_fn"), SACRE, ids=SACRE_IDS)
def test_signature_matches_sacrebleu(name: str, cls: type[Any], opts: dict[str, Any],
                                     corpus_fn: Any) -> None:
    [score] = get_metric(name, n_bootstrap=NB).corpus(HYPS, REFS, SOURCES)
    scorer = cls(**opts)
    scorer.corpus_score(HYPS, STREAMS, n_bootstrap=NB)
    expected = scorer.get_signature().format()
    assert score.signature == expected
    fields = score.signature.split("|")
    assert "nrefs:2" in fields
    assert f"bs:{NB}" in fields
    assert f"version:{sacrebleu.__version__}" in fields


def test_chrf_signature_is_chrf_plus_plus() -> None:
    [score] = get_metric("chrf", n_bootstrap=NB).corpus(HYPS, REFS, SOURCES)
    assert "nw:2" in score.signature.split("|")


@pytest.mark.parametrize(("name", "cls", "opts", "sentence_fn"), SENTENCE, ids=SACRE_IDS)
def test_documents_match_sentence_score(name: str, cls: type[Any], opts: dict[str, Any],
                                        sentence_fn: Any) -> None:
    # The last document is a short segment without 4-gram matches, where effective order counts.
    hyps = [*HYPS, "Rates unchanged."]
    refs = [*REFS, ["Rates were unchanged on Thursday.", "The bank left rates unchanged."]]
    per_doc = get_metric(name, n_bootstrap=NB).documents(hyps, refs, [*SOURCES, ""])
    assert len(per_doc) == len(hyps)
    scorer = cls(**opts)
    for scores, h, r in zip(per_doc, hyps, refs, strict=True):
        [score] = scores
        expected = sentence_fn(h, r).score
        assert score.value == pytest.approx(expected, abs=1e-9)
        assert score.value == pytest.approx(scorer.sentence_score(h, r).score, abs=1e-9)
        assert score.signature == scorer.get_signature().format()
        assert "nrefs:2" in score.signature.split("|")
        assert score.ci is None
    if name == "bleu":  # without effective order a 3-token segment would score 0
        assert BLEU().sentence_score(hyps[-1], refs[-1]).score == 0.0
        assert per_doc[-1][0].value > 0


# --- ROUGE agrees with rouge-score ----------------------------------------------------------


def test_rouge_corpus_matches_rouge_score() -> None:
    scores = _by_name(get_metric("rouge", n_bootstrap=NB).corpus(HYPS, REFS, SOURCES))
    expected = _rouge_expected(HYPS, REFS)
    assert list(scores) == ROUGE_TYPES
    for t in ROUGE_TYPES:
        assert scores[t].value == pytest.approx(mean(d[t] for d in expected), abs=1e-9)
        assert scores[t].higher_is_better
        assert f"bs:{NB}" in scores[t].signature


def test_rouge_documents_match_rouge_score() -> None:
    per_doc = get_metric("rouge", n_bootstrap=NB).documents(HYPS, REFS, SOURCES)
    for scores, exp in zip(per_doc, _rouge_expected(HYPS, REFS), strict=True):
        got = _by_name(scores)
        assert list(got) == ROUGE_TYPES
        for t in ROUGE_TYPES:
            assert got[t].value == pytest.approx(exp[t], abs=1e-9)


def test_rouge_uses_best_reference() -> None:
    """Multi-reference ROUGE is the max over references, not the mean."""
    hyp = "the cat sat on the mat"
    scores = _by_name(get_metric("rouge", n_bootstrap=1).corpus(
        [hyp], [["a completely different sentence", hyp]], [""]))
    assert all(scores[t].value == pytest.approx(100.0) for t in ROUGE_TYPES)


def test_rouge_lsum_uses_sentence_split() -> None:
    """Two sentences in swapped order: rougeLsum (per-sentence LCS) sees them, rougeL would not."""
    hyp = "Prices rose sharply. The bank raised rates."
    ref = "The bank raised rates. Prices rose sharply."
    [scores] = get_metric("rouge", n_bootstrap=1).documents([hyp], [[ref]], [""])
    assert _by_name(scores)["rougeLsum"].value == pytest.approx(_rouge_expected([hyp], [[ref]])[0]
                                                                ["rougeLsum"])
    assert _by_name(scores)["rougeLsum"].value == pytest.approx(100.0)


# --- maxima and hand-checked cases ----------------------------------------------------------


@pytest.mark.parametrize(("name", "best"), [
    ("bleu", {"bleu": 100.0}),
    ("chrf", {"chrf": 100.0}),
    ("ter", {"ter": 0.0}),
    ("rouge", {"rouge1": 100.0, "rouge2": 100.0, "rougeL": 100.0, "rougeLsum": 100.0}),
])
def test_reference_against_itself_is_maximal(name: str, best: dict[str, float]) -> None:
    hyps = [r[0] for r in REFS]
    scores = _by_name(get_metric(name, n_bootstrap=NB).corpus(hyps, REFS, SOURCES))
    assert {k: s.value for k, s in scores.items()} == pytest.approx(best, abs=1e-9)


@pytest.mark.parametrize(("name", "hyp", "ref", "expected"), [
    ("rouge1", "the cat sat", "the dog sat", 200 / 3),  # 2 of 3 unigrams both ways
    ("rouge2", "the cat sat", "the dog sat", 0.0),  # no shared bigram
    ("rouge1", "the cat sat", "the cat", 80.0),  # P 2/3, R 1 -> F 0.8
    ("rouge2", "the cat sat on the mat", "the cat sat", 100 * 2 * (2 / 5) / (1 + 2 / 5)),
])
def test_rouge_by_hand(name: str, hyp: str, ref: str, expected: float) -> None:
    scores = _by_name(get_metric("rouge", n_bootstrap=1).corpus([hyp], [[ref]], [""]))
    assert scores[name].value == pytest.approx(expected, abs=1e-6)


def test_rouge1_cat_dog_rounds_to_66_67() -> None:
    scores = _by_name(get_metric("rouge", n_bootstrap=1).corpus(
        ["the cat sat"], [["the dog sat"]], [""]))
    assert round(scores["rouge1"].value, 2) == 66.67


@pytest.mark.parametrize(("hyp", "ref", "expected"), [
    ("the cat sat down", "the dog sat down", 25.0),  # 1 substitution / 4 reference words
    ("the cat sat", "the cat sat down", 25.0),  # 1 insertion needed
    ("the cat sat down", "the cat sat down", 0.0),
    ("a b c d", "w x y z", 100.0),
])
def test_ter_by_hand(hyp: str, ref: str, expected: float) -> None:
    [score] = get_metric("ter", n_bootstrap=1).corpus([hyp], [[ref]], [""])
    assert score.value == pytest.approx(expected)
    assert score.higher_is_better is False


@pytest.mark.parametrize(("hyps", "sources", "words", "compression"), [
    (["one two three"], ["a b c d e f"], 3.0, 0.5),
    (["one two three", "a b"], ["a b c d e f", " ".join("x" * 10)], 2.5, (0.5 + 0.2) / 2),
    (["  spaced   words\nand lines "], ["one two three four five six seven eight"], 4.0, 0.5),
    (["two words"], [""], 2.0, 2.0),  # an empty article counts as one word, no division by 0
])
def test_length(hyps: list[str], sources: list[str], words: float, compression: float) -> None:
    scores = _by_name(get_metric("length").corpus(hyps, [["r"]] * len(hyps), sources))
    assert scores["words"].value == pytest.approx(words)
    assert scores["compression"].value == pytest.approx(compression)
    assert scores["compression"].higher_is_better is False


@pytest.mark.parametrize(("summary", "pct"), [
    ("Investment in the footwear and leather industry reached more than IDR 20 trillion.", 100.0),
    ("Investment in the footwear and leather industry reached more than IDR 18 trillion.", 0.0),
])
def test_fidelity_numeric_claims_against_seed(summary: str, pct: float) -> None:
    source = SEED.read_text(encoding="utf-8")
    assert "Rp18 triliun" in source
    scores = _by_name(get_metric("fidelity").corpus([summary], [["ref"]], [source]))
    numeric = scores["unsupported_numeric_pct"]
    assert numeric.value == pytest.approx(pct)
    assert numeric.extra == {"numeric_claims": 1}
    assert numeric.higher_is_better is False
    assert numeric.to_json()["numeric_claims"] == 1


def test_fidelity_pools_claims_over_documents() -> None:
    source = SEED.read_text(encoding="utf-8")
    scores = _by_name(get_metric("fidelity").corpus(
        ["It cost IDR 20 trillion.", "It cost more than IDR 18 trillion."], [["r"], ["r"]],
        [source, source]))
    assert scores["unsupported_numeric_pct"].value == pytest.approx(50.0)
    assert scores["unsupported_numeric_pct"].extra == {"numeric_claims": 2}


def test_attribution_coverage_pools_summary_sentences() -> None:
    source = SEED.read_text(encoding="utf-8")
    faithful = ("Industry Minister Agus Gumiwang Kartasasmita said the footwear centres face "
                "structural challenges. Fourteen craftsmen from Ciomas took part.")
    invented = "The governor of Papua opened a cement factory in Jayapura."
    scores = _by_name(get_metric("fidelity").corpus(
        [faithful, invented], [["r"], ["r"]], [source, source]))
    coverage = scores["attribution_coverage"]
    assert coverage.value == pytest.approx(100 * 2 / 3)  # 2 of the 3 sentences
    assert coverage.extra == {"summary_sentences": 3}
    assert coverage.higher_is_better is True
    per_doc = get_metric("fidelity").documents([faithful, invented], [["r"], ["r"]],
                                               [source, source])
    assert [_by_name(d)["attribution_coverage"].value for d in per_doc] == [100.0, 0.0]


def test_unsupported_numbers_are_read_against_their_sentence() -> None:
    source = SEED.read_text(encoding="utf-8")
    # 14 is in the article (craftsmen), but not as the investment figure.
    scores = _by_name(get_metric("fidelity").corpus(
        ["Investment in footwear and leather reached more than IDR 14 trillion in 2025."],
        [["r"]], [source]))
    assert scores["unsupported_numeric_pct"].value == pytest.approx(50.0)  # 2025 is right


# --- bootstrap confidence intervals ---------------------------------------------------------


@pytest.mark.parametrize("name", ["bleu", "chrf", "ter", "rouge"])
def test_bootstrap_ci_for_several_documents(name: str) -> None:
    for score in get_metric(name, n_bootstrap=50).corpus(HYPS, REFS, SOURCES):
        assert isinstance(score.ci, float)
        assert math.isfinite(score.ci)
        assert score.ci >= 0
        assert score.to_json()["ci95"] == round(score.ci, 4)


@pytest.mark.parametrize("name", [
    "bleu",
    "chrf",
    "ter",
    "rouge",
])
def test_no_ci_for_one_document(name: str) -> None:
    for score in get_metric(name, n_bootstrap=50).corpus(HYPS[:1], REFS[:1], SOURCES[:1]):
        assert score.ci is None
        assert "ci95" not in score.to_json()


@pytest.mark.parametrize("name", [
    "bleu",
    "rouge",
])
def test_no_ci_without_bootstrap(name: str) -> None:
    for score in get_metric(name, n_bootstrap=1).corpus(HYPS, REFS, SOURCES):
        assert score.ci is None


def test_single_document_value_still_matches_sacrebleu() -> None:
    [score] = get_metric("bleu", n_bootstrap=50).corpus(HYPS[:1], REFS[:1], SOURCES[:1])
    assert score.value == pytest.approx(
        sacrebleu.corpus_bleu(HYPS[:1], [[r] for r in REFS[0]]).score)


@pytest.mark.parametrize("name", ["bleu", "ter", "rouge"])
def test_bootstrap_is_reproducible(name: str) -> None:
    first = get_metric(name, n_bootstrap=50).corpus(HYPS, REFS, SOURCES)
    second = get_metric(name, n_bootstrap=50).corpus(HYPS, REFS, SOURCES)
    assert [s.ci for s in first] == [s.ci for s in second]
    metric = get_metric(name, n_bootstrap=50)  # and the same instance twice
    assert [s.ci for s in metric.corpus(HYPS, REFS, SOURCES)] == \
        [s.ci for s in metric.corpus(HYPS, REFS, SOURCES)]


def test_rouge_seed_changes_ci() -> None:
    a = get_metric("rouge", n_bootstrap=50, seed=1).corpus(HYPS, REFS, SOURCES)
    b = get_metric("rouge", n_bootstrap=50, seed=2).corpus(HYPS, REFS, SOURCES)
    assert [s.value for s in a] == [s.value for s in b]
    assert [s.ci for s in a] != [s.ci for s in b]


# --- registry and argument checks ----------------------------------------------------------


def test_unknown_metric_raises_key_error() -> None:
    with pytest.raises(KeyError, match="nope"):
        get_metric("nope")


def test_registry_names() -> None:
    assert set(METRICS) == {"bleu", "chrf", "ter", "rouge", "length", "coverage", "fidelity"}


@pytest.mark.parametrize("name", sorted(METRICS))
def test_every_metric_builds(name: str) -> None:
    metric = get_metric(name)
    assert isinstance(metric, Metric)
    assert metric.name == name


@pytest.mark.parametrize(("name", "score_name", "higher"), [
    ("bleu", "bleu", True),
    ("chrf", "chrf", True),
    ("ter", "ter", False),
    ("rouge", "rouge1", True),
    ("rouge", "rouge2", True),
    ("rouge", "rougeL", True),
    ("rouge", "rougeLsum", True),
    ("length", "words", True),
    ("length", "compression", False),
    ("fidelity", "attribution_coverage", True),
    ("fidelity", "unsupported_numeric_pct", False),
    ("fidelity", "unsupported_entities", False),
])
def test_higher_is_better(name: str, score_name: str, higher: bool) -> None:
    kwargs = {"n_bootstrap": 1} if name in {"bleu", "chrf", "ter", "rouge"} else {}
    source = SEED.read_text(encoding="utf-8")
    scores = _by_name(get_metric(name, **kwargs).corpus(HYPS[:2], REFS[:2], [source] * 2))
    assert scores[score_name].higher_is_better is higher
    assert scores[score_name].to_json()["higher_is_better"] is higher


@pytest.mark.parametrize("name", ["bleu", "chrf", "ter"])
def test_mismatched_reference_counts_raise(name: str) -> None:
    refs = [["one reference", "two references"], ["only one reference"]]
    with pytest.raises(ValueError, match="same number of references"):
        get_metric(name, n_bootstrap=1).corpus(["a", "b"], refs, ["", ""])


@pytest.mark.parametrize("name", [
    "bleu",
    "chrf",
    "ter",
    "rouge",
])
def test_more_hypotheses_than_documents_raise(name: str) -> None:
    with pytest.raises(ValueError):
        get_metric(name, n_bootstrap=1).corpus(
            ["a b c d", "w x y z"], [["a b c d", "a b c d"]], ["", ""])


def test_score_to_json_rounds_and_merges_extra() -> None:
    score = Score("x", 1.234567, "sig", False, 0.123456, {"n": 3})
    assert score.to_json() == {"value": 1.2346, "signature": "sig", "higher_is_better": False,
                               "ci95": 0.1235, "n": 3}
    assert Score("y", 2.0, "sig").to_json() == {"value": 2.0, "signature": "sig",
                                                "higher_is_better": True}


@pytest.mark.parametrize("name", ["bleu", "chrf", "ter", "rouge"])
def test_one_article_is_signed_as_many_are(name: str) -> None:
    """A strategy with one scored article has no interval, but it was scored with the same
    settings: its signature must match a many-article run's, or the gate would refuse it."""
    one = get_metric(name, n_bootstrap=NB).corpus(HYPS[:1], REFS[:1], SOURCES[:1])
    many = get_metric(name, n_bootstrap=NB).corpus(HYPS, REFS, SOURCES)
    assert [s.signature for s in one] == [s.signature for s in many]
    assert all(s.ci is None for s in one)


def test_fidelity_signs_english_originals_only_when_one_was_read() -> None:
    source = SEED.read_text(encoding="utf-8")
    none = get_metric("fidelity", sources_en=[None, None]).corpus(HYPS[:2], REFS[:2],
                                                                  [source] * 2)
    some = get_metric("fidelity", sources_en=[None, "The English original."]).corpus(
        HYPS[:2], REFS[:2], [source] * 2)
    assert "english-original" not in none[0].signature
    assert "+english-original" in some[0].signature
