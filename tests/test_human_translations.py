"""Human translations first: an approved suggestion or a TMX entry of a sentence is that
sentence's translation on every translation route, as written, marked in ringkas's
answers, counted apart from the model memory, and never touched by the glossary or the
number checks."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient

from service.api import create_app
from service.api.runtime import services_of
from service.cli import main
from service.config import ConfigError, Settings
from service.engine import Engine
from service.glossary import GlossaryPolicy, Terms
from service.pipeline import Pipeline
from service.pipeline.human import HumanTranslation, HumanTranslations, match_key
from service.pipeline.requests import TranslateRequest
from service.runtime.assembly import Runtime
from service.runtime.human import HumanSource, read_tmx_dir, tmx_language
from service.suggestions import SuggestionStore, store_path
from tests.conftest import REPO, RecordingEngine
from tests.test_documents import translate_file
from tests.test_suggestions import OLD_SCHEMA

Q = "Pabrik sepatu itu mempekerjakan 200 orang."
S = "The shoe factory has a staff of two hundred."  # no "200": the number check would say so
OTHER = "Desa itu kecil."
DEEPL = {"Authorization": "DeepL-Auth-Key any"}


def _tmx(units: list[dict[str, str]], srclang: str = "id-ID") -> str:
    body = "".join(
        "<tu>" + "".join(f'<tuv xml:lang="{lang}"><seg>{text}</seg></tuv>'
                         for lang, text in unit.items()) + "</tu>\n"
        for unit in units)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<tmx version="1.4">'
            f'<header creationtool="test" creationtoolversion="1" segtype="sentence" '
            f'o-tmf="test" adminlang="en" srclang="{srclang}" datatype="plaintext"/>'
            f"<body>\n{body}</body></tmx>\n")


@pytest.fixture()
def on(settings: Settings) -> Settings:
    return settings.changed(suggestions=True)


@pytest.fixture()
def app(on: Settings, engines: Mapping[str, Engine]) -> Iterator[Flask]:
    app = create_app(on, engines=engines)
    yield app
    services_of(app).jobs.stop()


@pytest.fixture()
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def _suggest(client: FlaskClient, q: str = Q, s: str = S, source: str = "id",
             target: str = "en") -> int:
    resp = client.post("/suggest", json={"q": q, "s": s, "source": source, "target": target})
    assert resp.status_code == 200, resp.get_json()
    return max(x.id for x in _store(client).find())


def _store(client: FlaskClient) -> SuggestionStore:
    return SuggestionStore(store_path(services_of(client.application).settings.data_dir))


def _approve(client: FlaskClient, *ids: int, command: str = "approve") -> Any:
    data_dir = services_of(client.application).settings.data_dir
    result = CliRunner().invoke(main, ["suggestions", command, "--data-dir", data_dir,
                                       *map(str, ids)])
    assert result.exit_code == 0, result.output
    return result


def _translate(client: FlaskClient, text: Any, **extra: Any) -> dict[str, Any]:
    resp = client.post("/v1/translate", json={"text": text, "source": "id", "target": "en",
                                              **extra})
    assert resp.status_code == 200, resp.get_json()
    body: dict[str, Any] = resp.get_json()
    return body


# --- the lookup ---------------------------------------------------------------------------

def test_the_match_key_is_the_sentence_normalised_not_rewritten() -> None:
    assert match_key("  Desa\u00a0itu\n kecil. ") == "Desa itu kecil."
    assert match_key("Cafe\u0301 itu.") == match_key("Café itu.")  # NFC
    assert match_key("desa itu kecil.") != match_key("Desa itu kecil.")  # case counts
    found = HumanTranslations.of([("id", "en", " Desa  itu kecil.",
                                   HumanTranslation(" The village is small. ", "tmx", "a.tmx"))])
    hit = found.find(("id", "en"), ["Ya.", "Desa itu kecil."])
    assert list(hit) == [1] and hit[1].text == "The village is small."
    assert found.find(("en", "id"), ["Desa itu kecil."]) == {}  # its own direction only


@pytest.mark.parametrize(("code", "lang"), [("id", "id"), ("id-ID", "id"), ("in", "id"),
                                            ("en", "en"), ("en-US", "en"), ("EN-GB", "en"),
                                            ("en_AU", "en"), ("fr", None), ("", None)])
def test_tmx_language_codes_map_to_the_services(code: str, lang: str | None) -> None:
    assert tmx_language(code) == lang


# --- approved suggestions on every route --------------------------------------------------

def test_an_approved_suggestion_is_the_translation_on_every_route(client: FlaskClient) -> None:
    sid = _suggest(client)
    before = _translate(client, Q)
    assert before["translation"] != S and "human_translations" not in before  # not approved
    _approve(client, sid)
    body = _translate(client, Q)
    assert body["translation"] == S
    assert body["human_translations"] == [{"part": "translation", "text": 0, "sentence": 0,
                                           "origin": "suggestion", "reference": str(sid)}]
    # The number check would restore "200" in a model's output: a person's is left as is.
    assert not [w for w in body["warnings"] if w["code"].startswith("number")]
    lt = client.post("/translate", json={"q": Q, "source": "id", "target": "en"})
    assert lt.status_code == 200 and lt.get_json()["translatedText"] == S
    deepl = client.post("/v2/translate", json={"text": [Q], "source_lang": "ID",
                                               "target_lang": "EN-US"}, headers=DEEPL)
    assert deepl.status_code == 200, deepl.get_json()
    assert deepl.get_json()["translations"][0]["text"] == S


def test_the_number_checks_leave_a_human_sentence_as_written(client: FlaskClient) -> None:
    # A model's "13 percent" for "12 persen" is restored to 12, its "12,5" restyled "12.5":
    # an editor's sentence is theirs.
    kept = {"Ekspor tumbuh 12 persen pada 2025.": "Exports grew 13 percent in 2025.",
            "Impor turun 12,5 persen.": "Imports fell 12,5 percent."}
    _approve(client, *[_suggest(client, q, s) for q, s in kept.items()])
    body = _translate(client, list(kept))
    assert body["translation"] == list(kept.values())
    assert [w["code"] for w in body["warnings"] if w["code"].startswith("number")] == []


def test_a_document_gets_the_human_translation_too(client: FlaskClient) -> None:
    _approve(client, _suggest(client))
    out = translate_file(client, "berita.txt", f"{Q}\n\n{OTHER}\n".encode())
    assert out.decode("utf-8").splitlines()[0] == S


def test_unapproved_and_withdrawn_suggestions_are_not_used(client: FlaskClient) -> None:
    sid = _suggest(client)
    _suggest(client, OTHER, "The village is tiny.")
    model = _translate(client, [Q, OTHER])["translation"]
    assert S not in model and "The village is tiny." not in model
    _approve(client, sid)
    assert _translate(client, [Q, OTHER])["translation"] == [S, model[1]]
    _approve(client, sid, command="unapprove")
    assert _translate(client, [Q, OTHER])["translation"] == model


def test_the_last_approved_of_one_sentence_wins(client: FlaskClient) -> None:
    first = _suggest(client)
    second = _suggest(client, s="The shoe factory employs two hundred people.")
    _approve(client, second)
    _approve(client, first)
    assert _translate(client, Q)["translation"] == S
    _approve(client, second)  # approved again: the latest
    assert _translate(client, Q)["translation"] == "The shoe factory employs two hundred people."


def test_a_human_sentence_in_a_text_keeps_the_texts_layout_and_is_marked(
        client: FlaskClient) -> None:
    _approve(client, _suggest(client))
    body = _translate(client, [OTHER, f"{OTHER} {Q}\n\n{Q}"])
    assert body["translation"][1].endswith(f" {S}\n\n{S}")
    assert [(h["text"], h["sentence"]) for h in body["human_translations"]] == [(1, 1), (1, 2)]
    assert body["translation_memory"]["human"] == 2


def test_human_sentences_are_counted_apart_from_the_model_memory(client: FlaskClient) -> None:
    _approve(client, _suggest(client))
    first = _translate(client, [Q, OTHER, Q])
    assert first["translation_memory"] == {"hits": 0, "misses": 1, "human": 2}
    again = _translate(client, [Q, OTHER])
    assert again["translation_memory"] == {"hits": 1, "misses": 0, "human": 1}


def test_the_glossary_leaves_a_human_sentence_alone(client: FlaskClient) -> None:
    # The glossary wants "shoemakers' plant" for "Pabrik sepatu"; the human translation
    # has not got it: no retranslation, no rewrite, no warning.
    _approve(client, _suggest(client))
    glossary = {"Pabrik sepatu": "shoemakers' plant", "Desa": "Hamlet"}
    body = _translate(client, [Q, OTHER], glossary_entries=glossary)
    assert body["translation"][0] == S
    about = [w for w in body["warnings"] if (w.get("details") or {}).get("text") == 0]
    assert about == [], about


def test_no_model_call_for_a_human_sentence_even_with_a_glossary(
        recording: dict[str, RecordingEngine]) -> None:
    engine = recording["translate_id_en"]
    human = HumanTranslations.of([("id", "en", Q, HumanTranslation(S, "suggestion", "7"))])
    pipeline = Pipeline(recording, human=lambda: human)
    policy = GlossaryPolicy((Terms("id", "en", (("Pabrik sepatu", "plant"),)),))
    result = pipeline.translate(TranslateRequest((Q,), "id", "en", single=False,
                                                 glossary=policy))
    assert result.translation == [S] and engine.calls == []
    assert result.warnings == [] or all(w.code == "random_weights" for w in result.warnings)
    assert [u.to_json() for u in result.human_translations] == [
        {"part": "translation", "text": 0, "sentence": 0, "origin": "suggestion",
         "reference": "7"}]


def test_alternatives_of_a_human_sentence_are_none(client: FlaskClient) -> None:
    _approve(client, _suggest(client))
    resp = client.post("/translate", json={"q": Q, "source": "id", "target": "en",
                                           "alternatives": 2})
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["translatedText"] == S
    assert resp.get_json()["alternatives"] == []  # a person's one translation, no others


def test_a_summary_marks_its_human_sentences(client: FlaskClient) -> None:
    request = {"text": f"{Q} {OTHER}", "strategy": "extractive", "length": 1,
               "translation": True, "languages": ["en"]}
    before = client.post("/v1/summarize", json=request).get_json()
    assert "human_translations" not in before
    _approve(client, _suggest(client), _suggest(client, OTHER, "The village is small."))
    resp = client.post("/v1/summarize", json=request)
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert body["reused"] is False  # an approval is a new answer, not the one made before
    assert body["summary"]["en"] in (S, "The village is small.")
    parts = [(h["part"], h["sentence"]) for h in body["human_translations"]]
    assert parts == [("summary_en", 0), ("article", 0), ("article", 1)]
    assert body["translation"] == f"{S} The village is small."
    assert body["translation_memory"]["human"] == 3


# --- TMX ----------------------------------------------------------------------------------

def test_tmx_directory_entries_are_used_both_ways(settings: Settings, tmp_path: Path,
                                                  engines: Mapping[str, Engine]) -> None:
    folder = tmp_path / "tmx"
    folder.mkdir()
    (folder / "desk.tmx").write_text(_tmx([
        {"id-ID": "Desa itu <bpt i='1'>&lt;b&gt;</bpt>kecil<ept i='1'>&lt;/b&gt;</ept>.",
         "EN-GB": "The village is small."},
        {"id": "Harga beras naik.", "en-US": "Rice prices rose.", "fr": "Le riz."},
        {"de": "Nein.", "en": "No."},
    ]), encoding="utf-8")
    app = create_app(settings.changed(tmx_dir=str(folder)), engines=engines)
    client = app.test_client()
    body = _translate(client, ["Desa itu kecil.", "Harga  beras naik."])
    assert body["translation"] == ["The village is small.", "Rice prices rose."]
    assert {(h["origin"], h["reference"]) for h in body["human_translations"]} == {
        ("tmx", "desk.tmx")}
    back = client.post("/v1/translate", json={"text": "Rice prices rose.", "source": "en",
                                              "target": "id"}).get_json()
    assert back["translation"] == "Harga beras naik."
    services_of(app).jobs.stop()


def test_an_approved_suggestion_wins_over_tmx(on: Settings, tmp_path: Path,
                                              engines: Mapping[str, Engine]) -> None:
    folder = tmp_path / "tmx"
    folder.mkdir()
    (folder / "a.tmx").write_text(_tmx([{"id": Q, "en": "From the TMX."}]), encoding="utf-8")
    app = create_app(on.changed(tmx_dir=str(folder)), engines=engines)
    client = app.test_client()
    assert _translate(client, Q)["translation"] == "From the TMX."
    _approve(client, _suggest(client))
    assert _translate(client, Q)["translation"] == S
    services_of(app).jobs.stop()


def test_what_measures_the_models_runs_without_human_translations(settings: Settings,
                                                                 tmp_path: Path) -> None:
    folder = tmp_path / "tmx"
    folder.mkdir()
    (folder / "a.tmx").write_text(_tmx([{"id": Q, "en": S}]), encoding="utf-8")
    with_tmx = settings.changed(tmx_dir=str(folder))
    assert len(Runtime(with_tmx).human.current()) == 2  # both directions
    assert len(Runtime(with_tmx, human_translations=False).human.current()) == 0
    assert "human_translations=False" in (REPO / "eval" / "cli.py").read_text()


@pytest.mark.parametrize(("content", "says"), [
    ("<tmx><body><tu>", "cannot be read as TMX"),
    ("<html><body/></html>", "is not a TMX file"),
])
def test_a_bad_tmx_file_stops_the_start_naming_it(tmp_path: Path, settings: Settings,
                                                  engines: Mapping[str, Engine], content: str,
                                                  says: str) -> None:
    folder = tmp_path / "tmx"
    folder.mkdir()
    (folder / "good.tmx").write_text(_tmx([{"id": OTHER, "en": "x"}]), encoding="utf-8")
    (folder / "broken.tmx").write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError, match=f"broken.tmx {says}") as caught:
        create_app(settings.changed(tmx_dir=str(folder)), engines=engines)
    assert caught.value.code == "invalid_tmx"
    with pytest.raises(ConfigError, match="is not a directory"):
        read_tmx_dir(str(tmp_path / "none"))


def test_serve_with_a_bad_tmx_says_so_without_a_traceback(tmp_path: Path,
                                                          tiny_dir: Path) -> None:
    folder = tmp_path / "tmx"
    folder.mkdir()
    (folder / "broken.tmx").write_text("<tmx>", encoding="utf-8")
    result = CliRunner().invoke(main, ["serve", "--models", str(tiny_dir)],
                                env={"RINGKAS_TMX_DIR": str(folder),
                                     "RINGKAS_DATA_DIR": str(tmp_path / "data")})
    assert result.exit_code != 0
    assert "broken.tmx" in result.output and "Traceback" not in result.output


# --- the store: approval, the CLI, the migration -----------------------------------------

def test_the_runtime_migrates_an_old_store_and_uses_its_approvals(tmp_path: Path) -> None:
    path = store_path(str(tmp_path))
    path.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(path) as conn:
        conn.executescript(OLD_SCHEMA)
        conn.execute("INSERT INTO suggestions VALUES (1, 'x', NULL, 'id', 'en', ?, ?)", (Q, S))
    conn.close()
    source = HumanSource([], path)
    assert len(source.current()) == 0
    SuggestionStore(path).approve([1])
    snapshot = source.current()
    assert snapshot.find(("id", "en"), [Q])[0].text == S
    SuggestionStore(path).add(OTHER, "x", "id", "en", None)  # a write, no approval changed
    assert source.current() is snapshot
    SuggestionStore(path).approve([1], approved=False)
    assert source.current().find(("id", "en"), [Q]) == {}


def test_no_store_is_made_by_looking_for_approvals(settings: Settings,
                                                   engines: Mapping[str, Engine]) -> None:
    app = create_app(settings, engines=engines)
    _translate(app.test_client(), Q)
    assert not store_path(settings.data_dir).exists()
    services_of(app).jobs.stop()
