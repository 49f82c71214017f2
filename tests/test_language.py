"""Language identification: what is judged, what is flagged, and the warnings it yields."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Mapping
from functools import cache
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from service.api import create_app
from service.config import Settings
from service.engine import Engine
from service.pipeline import Pipeline
from service.pipeline.requests import Length, SummarizeRequest
from service.text import language
from service.text.clean import clean_article

REPO = Path(__file__).resolve().parent.parent
NTREX = REPO / "eval" / "data" / "ntrex-128" / "documents.jsonl"

GERMAN = ("Der Bundestag hat am Donnerstag ein neues Gesetz zur Förderung der erneuerbaren "
          "Energien beschlossen. Die Opposition kritisierte die hohen Kosten für die "
          "Verbraucher und kündigte eine Klage vor dem Bundesverfassungsgericht an.")
FRENCH = ("Le gouvernement français a annoncé mercredi un nouveau plan pour soutenir les "
          "agriculteurs touchés par la sécheresse. Les syndicats estiment que les mesures "
          "restent insuffisantes face à la hausse des coûts de production.")
MALAY = ("Kerajaan Malaysia mengumumkan bahawa harga minyak akan dinaikkan mulai bulan "
         "hadapan, kata Menteri Kewangan dalam satu kenyataan di Kuala Lumpur semalam.")


@cache
def ntrex() -> list[dict[str, list[str]]]:
    return [json.loads(line) for line in NTREX.read_text(encoding="utf-8").splitlines()]


def english_article() -> str:
    return "\n\n".join(ntrex()[0]["en"][:4])


def warnings_of(body: dict[str, list[dict[str, str]]], code: str) -> list[str]:
    return [w["message"] for w in body["warnings"] if w["code"] == code]


def test_import_does_no_work() -> None:
    code = ("import sys, service.text.language as L; "
            "assert L._identifier is None and 'py3langid' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO)


def test_seed_article_is_indonesian(seed_text: str) -> None:
    lang, confidence = language.detect(clean_article(seed_text).body)
    assert lang == "id" and confidence > language.CONFIDENT
    assert language.unexpected(seed_text, "id") is None


def test_ntrex_english_is_english() -> None:
    lang, confidence = language.detect(english_article())
    assert lang == "en" and confidence > language.CONFIDENT


def test_no_ntrex_document_is_flagged_in_its_own_language() -> None:
    for doc in ntrex():
        assert language.unexpected(" ".join(doc["id"]), "id") is None, doc["doc_id"]
        assert language.unexpected(" ".join(doc["en"]), "en") is None, doc["doc_id"]


def test_malay_is_compatible_with_indonesian() -> None:
    lang, _ = language.detect(MALAY)
    assert lang in {"ms", "id"}
    assert language.unexpected(MALAY, "id") is None
    assert language.unexpected(MALAY, "en") is not None


@pytest.mark.parametrize("text", ["Guten Tag!", "Bonjour à tous.", "OK", "", "  \n "])
def test_short_text_is_not_judged(text: str) -> None:
    assert len(" ".join(text.split())) < language.MIN_CHARS
    assert language.detect(text) == ("und", 0.0)
    assert language.unexpected(text, "id") is None


@pytest.mark.parametrize(("text", "code"), [(GERMAN, "de"), (FRENCH, "fr")])
def test_german_and_french_are_flagged(text: str, code: str) -> None:
    found = language.unexpected(text, "id")
    assert found is not None
    assert found[0] == code and found[1] > language.CONFIDENT
    assert language.unexpected(text, "en") is not None


def test_english_is_flagged_for_indonesian_source() -> None:
    found = language.unexpected(english_article(), "id")
    assert found is not None and found[0] == "en"
    assert language.unexpected(english_article(), "en") is None


# --- in the pipeline and the API -------------------------------------------------------


@pytest.fixture()
def client(settings: Settings, engines: Mapping[str, Engine]) -> FlaskClient:
    return create_app(settings, engines=engines).test_client()


def test_api_summarize_english_article_warns(client: FlaskClient) -> None:
    resp = client.post("/v1/summarize", json={"text": english_article(),
                                              "strategy": "extractive", "length": 1})
    assert resp.status_code == 200, resp.get_json()  # a warning, never an error
    body = resp.get_json()
    [message] = warnings_of(body, "unexpected_language")
    assert re.search(r"^the article looks like English \(en, confidence (0\.9\d|1\.00)\), "
                     r"not Indonesian \(id\)", message), message
    assert "language" in body["timings_ms"]


def test_api_summarize_seed_article_does_not_warn(client: FlaskClient, seed_text: str) -> None:
    resp = client.post("/v1/summarize", json={"text": seed_text, "strategy": "extractive",
                                              "length": 1})
    assert resp.status_code == 200, resp.get_json()
    assert warnings_of(resp.get_json(), "unexpected_language") == []


def test_pipeline_takes_malay_as_indonesian(engines: Mapping[str, Engine]) -> None:
    req = SummarizeRequest(text=MALAY, strategy="extractive", length=Length.parse(1))
    result = Pipeline(engines).summarize(req)
    assert "unexpected_language" not in [w.code for w in result.warnings]


def test_api_translate_warns_per_text_when_source_is_wrong(client: FlaskClient) -> None:
    texts = ["Menteri Perindustrian meresmikan pabrik sepatu baru di Bogor.", FRENCH, "Ya."]
    resp = client.post("/v1/translate", json={"text": texts, "source": "id", "target": "en"})
    assert resp.status_code == 200, resp.get_json()
    [message] = warnings_of(resp.get_json(), "unexpected_language")
    assert message.startswith("text 1 looks like French (fr")


def test_api_translate_single_text_in_the_wrong_source(client: FlaskClient) -> None:
    resp = client.post("/v1/translate", json={
        "text": "Prices rose sharply this week.",
        "source": "id", "target": "en"})
    assert resp.status_code == 200, resp.get_json()
    [message] = warnings_of(resp.get_json(), "unexpected_language")
    assert message.startswith("the text looks like English (en")
