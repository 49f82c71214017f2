"""Degenerate output guard: loops prevented in decoding settings and detected after."""

from __future__ import annotations

import json
import logging
import shutil
from collections.abc import Mapping
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from service.api import create_app
from service.config import Settings
from service.engine import Engine
from service.engine.hf import HFSeq2SeqEngine
from service.models import LOCAL_REVISION, ROLES
from service.pipeline import Pipeline
from service.pipeline.guards import check_repetition, find_repetition
from service.pipeline.report import Report
from service.pipeline.requests import Length, SummarizeRequest, TranslateRequest

REPO = Path(__file__).resolve().parent.parent
REFERENCES = sorted((REPO / "eval" / "references").glob("*.json"))
NTREX = REPO / "eval" / "data" / "ntrex-128" / "documents.jsonl"

LOOPS = [
    ("meng meng meng meng", "token", 4),
    ("The minister said said said said that the plant opened.", "token", 4),
    ("mela mela mela mela mela mela sen sen", "token", 6),
    ("R R R R R R R R R R", "token", 10),
    ("2018 2018 2018 2018 2018 2018", "token", 6),
    ("The report of the of the of the ministry was late.", "ngram", 3),
    ("He said the factory, the factory, the factory, the factory.", "ngram", 3),
    ("in the city in the city in the city", "ngram", 3),
    ("the price of rice the price of rice the price of rice rose", "ngram", 3),
    ("no, no, no, no, no, no, no, no", "ngram", 7),
    ("atisatisatisatisatis", "characters", 5),
    ("Industri memperatisatisatis", "characters", 3),
]

PROSE = [
    '"No, no, no, no , no."',  # an NTREX line: quoted speech
    "Very, very, very good news for the factory.",
    "He had had enough; that that was wrong is clear.",
    "Kata-kata itu diulang-ulang oleh para perajin, kata-kata yang sama.",
    "The state holds 1 000 000 000 shares.",
    "Nilainya Rp1.000.000.000.000 pada 2024.",
    "Hahaha, he wrote, and then: NOOOOOOOOOO.",
    "Ha ha ha, said the minister.",
    "Step by step, day by day, year by year.",
    "",
    "...",
]


def reference_texts() -> list[str]:
    return [d["text"] for p in REFERENCES
            for d in json.loads(p.read_text(encoding="utf-8"))["digests"]]


def ntrex_lines(side: str) -> list[str]:
    docs = [json.loads(line) for line in NTREX.read_text(encoding="utf-8").splitlines()]
    return [line for doc in docs for line in doc[side]]


@pytest.mark.parametrize(("text", "kind", "repeats"), LOOPS)
def test_loops_are_caught(text: str, kind: str, repeats: int) -> None:
    found = find_repetition(text)
    assert found is not None, text
    assert (found.kind, found.repeats) == (kind, repeats)


@pytest.mark.parametrize("text", PROSE)
def test_prose_is_not_flagged(text: str) -> None:
    assert find_repetition(text) is None


def test_reference_digests_are_never_flagged() -> None:
    texts = reference_texts()
    assert len(texts) >= 2 * len(REFERENCES) > 0
    assert [t for t in texts if find_repetition(t)] == []


@pytest.mark.parametrize("side", ["en", "id"])
def test_ntrex_lines_are_never_flagged(side: str) -> None:
    lines = ntrex_lines(side)
    assert len(lines) >= 500
    assert [t for t in lines if find_repetition(t)] == []
    # Whole documents too: repetition across sentence boundaries is prose as well.
    assert find_repetition(" ".join(lines[:500])) is None


def test_warning_names_the_output_never_the_text(caplog: pytest.LogCaptureFixture) -> None:
    text = "the Ciomas factory the Ciomas factory the Ciomas factory"
    report = Report()
    with caplog.at_level(logging.DEBUG):
        assert check_repetition(report, text, "translation 2") is not None
        assert check_repetition(report, "A sentence of prose.", "translation 3") is None
    [warning] = report.warnings
    assert warning.code == "repetition_detected"
    assert warning.message.startswith("translation 2 repeats itself")
    assert "Ciomas" not in warning.message and "Ciomas" not in caplog.text
    assert "repetition_detected" in caplog.text


# --- prevention: decoding settings per role ----------------------------------------------


def test_translation_roles_block_no_ngrams(engines: Mapping[str, Engine]) -> None:
    """opus-mt's card and config block no repeats: neither does ringkas, by default."""
    for role in ("translate_id_en", "translate_en_id"):
        engine = engines[role]
        assert isinstance(engine, HFSeq2SeqEngine)
        assert not engine.generation_config.no_repeat_ngram_size
        # generate() merges the model's own config: the two must agree.
        assert not engine.model.generation_config.no_repeat_ngram_size


def test_summarisers_keep_their_own_settings(engines: Mapping[str, Engine]) -> None:
    summarize = engines["summarize"]
    assert isinstance(summarize, HFSeq2SeqEngine)
    assert summarize.generation_config.no_repeat_ngram_size == 3  # distilbart's config
    for role in ("summarize_id", "crosssum"):  # XL-Sum's and CrossSum's model cards
        engine = engines[role]
        assert isinstance(engine, HFSeq2SeqEngine)
        assert engine.generation_config.no_repeat_ngram_size == 2
    assert ROLES["crosssum"].card["no_repeat_ngram_size"] == 2


@pytest.mark.parametrize(("own", "expected"), [(5, 5), (1, 1), (0, 2), (None, 2)])
def test_model_setting_is_not_overridden(tiny_dir: Path, tmp_path: Path, own: int | None,
                                         expected: int) -> None:
    """The card's value fills only what the model's own config leaves unset."""
    model_dir = tmp_path / "crosssum"
    shutil.copytree(tiny_dir / "crosssum", model_dir)
    config_path = model_dir / "config.json"
    config = json.loads(config_path.read_text(encoding="utf-8"))
    config.pop("no_repeat_ngram_size", None)
    if own is not None:
        config["no_repeat_ngram_size"] = own
    config_path.write_text(json.dumps(config), encoding="utf-8")
    engine = HFSeq2SeqEngine.from_pretrained("crosssum", str(model_dir), LOCAL_REVISION,
                                             local_files_only=True)
    # 0 is "no blocking", what older transformers wrote out by default: treated as unset.
    assert engine.generation_config.no_repeat_ngram_size == expected


def test_unknown_role_gets_no_setting(tiny_dir: Path) -> None:
    engine = HFSeq2SeqEngine.from_pretrained("test", str(tiny_dir / "translate_id_en"),
                                             LOCAL_REVISION, local_files_only=True)
    assert not engine.generation_config.no_repeat_ngram_size


# --- detection in the pipeline on the tiny (random-weight, loop-prone) models ------------


def test_translate_warns_exactly_for_looping_items(engines: Mapping[str, Engine]) -> None:
    texts = ("Menteri Perindustrian meresmikan pabrik sepatu baru.", "Nilainya Rp18 triliun.")
    result = Pipeline(engines).translate(TranslateRequest(texts, "id", "en", single=False))
    assert isinstance(result.translation, list)
    flagged = {w.message.split(" repeats")[0] for w in result.warnings
               if w.code == "repetition_detected"}
    looping = {f"translation {i}" for i, t in enumerate(result.translation)
               if find_repetition(t)}
    assert flagged == looping
    # The tiny Marian's random weights make it loop (nothing blocks repeats, as opus-mt's
    # own settings block none), and the guard must say so.
    assert looping, result.translation


def test_summary_repetition_warning_names_the_language(engines: Mapping[str, Engine],
                                                       seed_text: str) -> None:
    req = SummarizeRequest(text=seed_text, strategy="extractive", languages=("en", "id"),
                           length=Length.parse("short"))
    result = Pipeline(engines).summarize(req)
    messages = [w.message for w in result.warnings if w.code == "repetition_detected"]
    expected = []
    if find_repetition(result.summary["en"]):
        expected.append("the English summary (en)")
    # The extractive Indonesian summary is the article's own sentences: never a loop.
    assert find_repetition(result.summary["id"]) is None
    assert [m.split(" repeats")[0] for m in messages] == expected


@pytest.fixture()
def client(settings: Settings, engines: Mapping[str, Engine]) -> FlaskClient:
    return create_app(settings, engines=engines).test_client()


def test_api_translate_reports_repetition(client: FlaskClient) -> None:
    resp = client.post("/v1/translate", json={
        "text": "Nilainya Rp18 triliun.",
        "source": "id", "target": "en"})
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    codes = [w["code"] for w in body["warnings"]]
    assert ("repetition_detected" in codes) == (find_repetition(body["translation"]) is not None)
    for w in body["warnings"]:
        if w["code"] == "repetition_detected":
            assert w["message"].startswith("the translation repeats itself")
