"""The evaluation's glossary and number measures (eval/terms.py): how the names glossary is
built, what counts as a hit, a preserved value or an unflagged change, and the gate on them."""

from __future__ import annotations

from typing import Any

from eval.dataset import TranslationDoc
from eval.gate import compare
from eval.report import markdown
from eval.run import StrategyRun
from eval.terms import cases, name_glossary, number_scores, term_scores

DOC = TranslationDoc("d1", (
    "Boris Johnson bertemu pejabat Amerika Serikat di London.",
    "Harga naik 5 persen menjadi Rp18 triliun.",
), (
    "Boris Johnson met United States officials in London.",
    "Prices rose 5 percent to Rp18 trillion.",
))


def test_the_names_glossary_comes_from_aligned_lines() -> None:
    glossary = name_glossary([DOC])
    assert glossary == {"Amerika Serikat": "United States", "Boris Johnson": "Boris Johnson",
                        "London": "London"}
    assert {(c.line, c.source) for c in cases([DOC], glossary)} == {
        (0, "Amerika Serikat"), (0, "Boris Johnson"), (0, "London")}


def test_term_scores_count_hits_and_unflagged_misses() -> None:
    found = cases([DOC], name_glossary([DOC]))
    out = {(0, 0): "Boris Johnson met American officials in Londres."}
    said: dict[tuple[int, int], list[dict[str, Any]]] = {(0, 0): [
        {"code": "glossary_not_applied", "details": {"term": "London"}}]}
    scores = term_scores(found, out, said, {(0, 0): "Johnson met them."})
    assert round(scores["glossary_term_accuracy"].value, 2) == 33.33
    assert scores["glossary_unflagged_misses"].value == 1  # Amerika Serikat, unnamed
    assert scores["glossary_term_accuracy_without"].value == 0
    assert not scores["glossary_unflagged_misses"].higher_is_better


def test_number_scores() -> None:
    outs = ["Boris Johnson met officials.", "Prices rose 6 percent to Rp18 trillion."]
    flagged = [[], [{"code": "number_changed", "details": {"expected": "5 persen"}}]]
    scores = number_scores(DOC.source, outs, flagged)
    assert scores["numbers_preserved"].value == 50
    assert scores["numbers_unflagged_changes"].value == 0
    assert number_scores(DOC.source, outs, [[], []])["numbers_unflagged_changes"].value == 1


def test_the_gate_covers_them() -> None:
    def report(accuracy: float, silent: float) -> dict[str, Any]:
        run = StrategyRun("glossary")
        scores = term_scores(cases([DOC], name_glossary([DOC])), {}, {}, None)
        run.corpus = scores
        run.corpus["glossary_term_accuracy"] = type(scores["glossary_term_accuracy"])(
            "glossary_term_accuracy", accuracy, "s")
        run.corpus["glossary_unflagged_misses"] = type(scores["glossary_term_accuracy"])(
            "glossary_unflagged_misses", silent, "s", higher_is_better=False)
        return {"summaries": {}, "translation": {"ntrex-128+glossary": run.to_json()},
                "created": "now", "eval_set": {"sha256": "0" * 64, "summary_documents": 0},
                "system": "test", "length": "medium"}

    base = report(90.0, 0.0)
    assert compare(report(90.0, 0.0), base, 1.0) == []
    found = {r.metric for r in compare(report(80.0, 3.0), base, 1.0)}
    assert found == {"glossary_term_accuracy", "glossary_unflagged_misses"}
    assert "glossary_unflagged_misses" in markdown(base)
