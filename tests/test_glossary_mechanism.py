"""Glossary enforcement and number preservation in the translation step, with engines whose
behaviour each test controls (a phrasebook that keeps, alters, copies or drops a term or a
number), through the real Pipeline and Translator: every failure mode gets its warning, a
clean translation none."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pytest

from service.contract.serialize import translation_json
from service.engine import Engine, EngineWrapper, GenerationParams
from service.glossary import GlossaryPolicy, Terms
from service.pipeline import Pipeline
from service.pipeline.requests import TranslateRequest
from tests.test_glossary_terms import reference

GLOSSARY = GlossaryPolicy((Terms("id", "en", (("Kemenperin", "Ministry of Industry"),)),),
                          "newsroom")


class Phrasebook(EngineWrapper):
    """A translator whose every output is ``rule(input)``; the tiny model underneath only
    counts tokens."""

    def __init__(self, inner: Engine, rule: Callable[[str], str]) -> None:
        super().__init__(inner)
        self.rule = rule
        self.inputs: list[str] = []

    def generate(self, texts: Sequence[str], params: GenerationParams | None = None) -> list[str]:
        self.inputs.extend(texts)
        return [self.rule(t) for t in texts]


def translate(engines: Mapping[str, Engine], rule: Callable[[str], str], text: str | list[str],
              glossary: GlossaryPolicy | None = GLOSSARY) -> tuple[Any, list[dict[str, Any]]]:
    engine = Phrasebook(engines["translate_id_en"], rule)
    texts = (text,) if isinstance(text, str) else tuple(text)
    req = TranslateRequest(texts, "id", "en", isinstance(text, str), glossary=glossary)
    out = translation_json(Pipeline({"translate_id_en": engine}).translate(req))
    return out["translation"], [w for w in out["warnings"] if w["code"] != "random_weights"]


def words(mapping: Mapping[str, str]) -> Callable[[str], str]:
    """Word-by-word phrasebook (longest key first), anything unknown copied."""
    keys = sorted(mapping, key=len, reverse=True)
    pattern = re.compile("|".join(re.escape(k) for k in keys))
    return lambda text: pattern.sub(lambda m: mapping[m.group(0)], text)


BASE = {"menambah": "adds", "perajin": "craftsmen", "di": "in", "Bogor": "Bogor",
        "Pabrik": "The factory", "baru": "new", "dibuka": "opened"}
SOURCE = "Kemenperin menambah 14 perajin di Bogor."


def test_a_kept_term_and_number_give_no_warning(engines: Mapping[str, Engine]) -> None:
    out, warnings = translate(engines, words({**BASE, "Kemenperin": "Ministry of Industry"}),
                              SOURCE)
    assert out == "Ministry of Industry adds 14 craftsmen in Bogor."
    assert warnings == []


def test_no_term_no_number_no_warning_and_no_extra_model_calls(
        engines: Mapping[str, Engine]) -> None:
    engine = Phrasebook(engines["translate_id_en"], words(BASE))
    req = TranslateRequest(("Pabrik baru dibuka.",), "id", "en", True, glossary=GLOSSARY)
    out = translation_json(Pipeline({"translate_id_en": engine}).translate(req))
    assert out["translation"] == "The factory new opened."
    assert [w for w in out["warnings"] if w["code"] != "random_weights"] == []
    assert engine.inputs == ["Pabrik baru dibuka."]


def test_a_term_in_another_case_is_corrected(engines: Mapping[str, Engine]) -> None:
    out, warnings = translate(engines, words({**BASE, "Kemenperin": "ministry of industry"}),
                              SOURCE)
    assert out.startswith("Ministry of Industry adds")
    assert warnings == []


def test_an_altered_term_is_replaced_by_the_glossary_target(
        engines: Mapping[str, Engine]) -> None:
    # The model says "Industry Ministry" in the sentence and for the term alone.
    out, warnings = translate(engines, words({**BASE, "Kemenperin": "Industry Ministry"}),
                              SOURCE)
    assert out == "Ministry of Industry adds 14 craftsmen in Bogor."
    assert warnings == []


def test_a_copied_term_is_replaced(engines: Mapping[str, Engine]) -> None:
    # The sentence keeps "Kemenperin"; alone, the model writes something unrelated.
    def rule(text: str) -> str:
        return "MOI" if text == "Kemenperin" else words(BASE)(text)

    out, warnings = translate(engines, rule, SOURCE)
    assert out == "Ministry of Industry adds 14 craftsmen in Bogor."
    assert warnings == []


def test_a_dropped_term_is_retried_with_the_target_in_the_source(
        engines: Mapping[str, Engine]) -> None:
    # Drops the Indonesian term, but carries an English name through.
    def rule(text: str) -> str:
        return words({**BASE, "Kemenperin ": ""})(text)

    out, warnings = translate(engines, rule, SOURCE)
    assert out == "Ministry of Industry adds 14 craftsmen in Bogor."
    assert warnings == []


def test_a_term_that_cannot_be_applied_is_named_in_a_warning(
        engines: Mapping[str, Engine]) -> None:
    def rule(text: str) -> str:  # drops the term, in every form, every time
        text = text.replace("Kemenperin ", "").replace("Ministry of Industry ", "")
        return words(BASE)(text) or "?"

    out, warnings = translate(engines, rule, ["Pabrik baru dibuka.", SOURCE])
    assert out[1] == "adds 14 craftsmen in Bogor."
    assert [w["code"] for w in warnings] == ["glossary_not_applied"]
    assert warnings[0]["details"] == {"text": 1, "sentence": 0, "term": "Kemenperin",
                                      "target": "Ministry of Industry"}
    assert "Kemenperin" in warnings[0]["message"]


def test_an_ambiguous_rendering_is_not_replaced(engines: Mapping[str, Engine]) -> None:
    # The term alone comes out as "the ministry", which the sentence has twice: replacing
    # would be a guess, so the term is reported instead.
    def rule(text: str) -> str:
        if text == "Kemenperin":
            return "the ministry"
        if "Ministry of Industry" in text:
            return "the ministry and the ministry"
        return "the ministry adds 14 craftsmen, said the ministry"

    out, warnings = translate(engines, rule, SOURCE)
    assert out == "the ministry adds 14 craftsmen, said the ministry"
    assert [w["code"] for w in warnings] == ["glossary_not_applied"]


def test_inline_entries_are_enforced_and_a_longer_term_wins(
        engines: Mapping[str, Engine]) -> None:
    glossary = GlossaryPolicy((Terms("id", "en", (("Menteri Perindustrian", "Minister of "
                                                   "Industry"), ("Perindustrian", "Industry"))),
                               ),)
    out, warnings = translate(engines, words({"Menteri Perindustrian": "Industry Minister",
                                              "tiba": "arrived"}),
                              "Menteri Perindustrian tiba.", glossary)
    assert out == "Minister of Industry arrived."
    assert warnings == []


@pytest.mark.parametrize(("model", "restored"), [
    ("Kemenperin adds 41 craftsmen in Bogor.", "Kemenperin adds 14 craftsmen in Bogor."),
    ("Kemenperin adds fourteen craftsmen in Bogor.", None),  # same value: nothing to do
])
def test_a_changed_count_is_restored_and_said(engines: Mapping[str, Engine], model: str,
                                              restored: str | None) -> None:
    out, warnings = translate(engines, lambda _: model, SOURCE, None)
    if restored is None:
        assert out == model and warnings == []
        return
    assert out == restored
    assert [w["code"] for w in warnings] == ["number_restored"]
    assert warnings[0]["details"] == {"text": 0, "sentence": 0, "expected": "14",
                                      "found": "41", "restored": "14"}


def test_a_changed_amount_keeps_its_scale(engines: Mapping[str, Engine]) -> None:
    out, warnings = translate(engines, lambda _: "Investment reached Rp17 trillion.",
                              "Investasi mencapai Rp18 triliun.", None)
    assert out == "Investment reached Rp18 trillion."
    assert [w["code"] for w in warnings] == ["number_restored"]


@pytest.mark.parametrize(("model", "expected", "found"), [
    ("Investment reached Rp18 billion.", "Rp18 triliun", "Rp18 billion"),  # another scale
    ("Investment reached a record.", "Rp18 triliun", None),  # dropped
])
def test_a_number_that_cannot_be_restored_is_flagged(engines: Mapping[str, Engine], model: str,
                                                     expected: str, found: str | None) -> None:
    out, warnings = translate(engines, lambda _: model, "Investasi mencapai Rp18 triliun.",
                              None)
    assert out == model  # never rewritten by a guess
    assert [w["code"] for w in warnings] == ["number_changed"]
    assert warnings[0]["details"] == {"text": 0, "sentence": 0, "expected": expected,
                                      "found": found}


def test_an_added_number_is_flagged(engines: Mapping[str, Engine]) -> None:
    _, warnings = translate(engines, lambda _: "The factory opened with 300 workers.",
                              "Pabrik baru dibuka.", None)
    assert [(w["code"], w["details"]["expected"], w["details"]["found"]) for w in warnings] \
        == [("number_changed", None, "300")]


def test_percentages_years_and_times_survive(engines: Mapping[str, Engine]) -> None:
    out, warnings = translate(
        engines, lambda _: "At 10:00, inflation in 2024 was 5.2 percent.",
        "Pukul 10.00, inflasi pada 2024 tercatat 5,2 persen.", None)
    assert out == "At 10:00, inflation in 2024 was 5.2 percent."
    assert warnings == []


# --- matching a large glossary ----------------------------------------------------------


def _reference_occurrences(terms: Terms, text: str) -> dict[tuple[str, str], int]:
    """What each match is, read the slow way: the entries' alternation, and for each match
    the first entry (longest first) whose own whole-word pattern matches it exactly."""
    from service.glossary.terms import term_pattern

    found: dict[tuple[str, str], int] = {}
    for start, end, _ in reference(terms, text):
        for entry in terms.entries:
            if term_pattern(entry[0]).fullmatch(text[start:end]):
                found[entry] = found.get(entry, 0) + 1
                break
    return found


def test_matches_are_looked_up_not_scanned(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each match finds its entry by lookup: no per-entry pattern per match (which made a
    10,000-entry glossary cost about a CPU-second per occurrence), only one per entry the
    first time it is tried."""
    import random

    import service.glossary.terms as terms_module

    rng = random.Random(7)
    words = ["".join(rng.choice("abcdefghijklmnop") for _ in range(rng.randint(3, 8)))
             for _ in range(1000)]
    entries = {w if i % 4 else w.upper(): f"t{i}" for i, w in enumerate(words)}
    entries.update({"Bank  Indonesia": "Bank Indonesia (central bank)", "BI": "BI (central bank)",
                    "bi": "bi-word", "Menteri Perindustrian": "Minister of Industry",
                    "Perindustrian": "industry"})
    terms = Terms("id", "en", tuple(entries.items()))
    sample = [*rng.sample(list(entries), 100), "bank\nindonesia", "BI", "Bi", "bi",
              "menteri  perindustrian", "Perindustrian"]
    text = " , ".join(rng.choice(sample) for _ in range(200))
    expected = _reference_occurrences(terms, text)
    assert sum(expected.values()) == 200

    compiled: list[str] = []
    pattern = terms_module.term_pattern

    def counted(term: str) -> re.Pattern[str]:
        compiled.append(term)
        return pattern(term)

    monkeypatch.setattr(terms_module, "term_pattern", counted)
    assert terms.occurrences(text) == expected
    assert len(compiled) == len(set(compiled)) <= len(sample)
    compiled.clear()
    assert terms.occurrences(text) == expected
    assert compiled == []
    substituted = terms.substitute("Kata BI dan bi serta Bank Indonesia.")
    assert substituted == "Kata BI (central bank) dan bi-word serta Bank Indonesia (central bank)."


def test_the_request_deadline_is_honoured_inside_glossary_matching(
        engines: Mapping[str, Engine], monkeypatch: pytest.MonkeyPatch) -> None:
    """A deadline that passes once the model has answered, while the glossary is matched
    and enforced, ends the request with the deadline error there, not after the work."""
    import time

    from service.errors import DeadlineExceeded
    from service.glossary.terms import Matcher
    from service.overload import Deadline

    class Passing(Deadline):
        passed = False

        def remaining(self) -> float:
            return -1.0 if self.passed else 60.0

    deadline = Passing(time.monotonic() + 60, 60)
    seen: list[str] = []
    finditer = Matcher.finditer

    def slow(self: Matcher, text: str, deadline_: Deadline | None = None) -> Any:
        seen.append(text)
        deadline.passed = True  # as a 10,000-entry glossary once took minutes here
        return finditer(self, text, deadline_)

    monkeypatch.setattr(Matcher, "finditer", slow)
    engine = Phrasebook(engines["translate_id_en"], words(BASE))
    req = TranslateRequest((SOURCE,), "id", "en", True, glossary=GLOSSARY)
    with pytest.raises(DeadlineExceeded):
        Pipeline({"translate_id_en": engine}).translate(req, deadline)
    assert seen == [SOURCE]  # the source was matched, after the model's one call
    assert engine.inputs == [SOURCE]


def test_enforcement_reads_the_deadline_between_terms() -> None:
    from service.errors import DeadlineExceeded
    from service.glossary.enforce import enforce
    from service.overload import Deadline

    terms = Terms("id", "en", (("Kemenperin", "Ministry of Industry"),))
    with pytest.raises(DeadlineExceeded):
        enforce([SOURCE], ["The ministry adds 14 craftsmen."], terms,
                lambda texts: list(texts), Deadline.after(-1))
    out, misses = enforce([SOURCE], ["Kemenperin adds 14 craftsmen."], terms,
                          lambda texts: list(texts), Deadline.after(60))
    assert out == ["Ministry of Industry adds 14 craftsmen."] and misses == []
