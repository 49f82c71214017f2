"""Glossaries and numbers over HTTP: GET /v1/glossaries, "glossary" and "glossary_entries"
on /v1/translate, /v1/summarize and jobs, their error codes, and the guarantee on the
stand-in models: a term's target is in the translation exactly when no glossary_not_applied
warning names it, and a source value missing from a sentence's translation is flagged."""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from service.api import create_app
from service.api.runtime import runtime_of, services_of
from service.config import Settings
from service.engine import Engine
from service.fidelity.numbers import extract_quantities
from service.fidelity.preserve import compare
from service.glossary.terms import count_exact
from service.text.segment import split_sentences
from tests.test_glossary_mechanism import Phrasebook, words

ENTRIES = {"Kemenperin": "Ministry of Industry", "Bogor": "Bogor Regency"}
TEXT = ("Kemenperin membina 14 perajin sepatu di Bogor. Investasi mencapai Rp18 triliun pada "
        "2025. Pabrik itu tumbuh 12 persen.")


@pytest.fixture()
def glossary_settings(settings: Settings, tmp_path: Path) -> Settings:
    folder = tmp_path / "glossaries"
    folder.mkdir()
    (folder / "newsroom.id-en.tsv").write_text(
        "".join(f"{s}\t{t}\n" for s, t in ENTRIES.items()), encoding="utf-8")
    (folder / "newsroom.en-id.tsv").write_text("Ministry of Industry\tKemenperin\n",
                                               encoding="utf-8")
    (folder / "english.en-id.csv").write_text("Ministry of Industry,Kemenperin\n",
                                              encoding="utf-8")
    return settings.changed(glossary_dir=str(folder))


@pytest.fixture()
def app(glossary_settings: Settings, engines: Mapping[str, Engine]) -> Iterator[Flask]:
    app = create_app(glossary_settings, engines=engines)
    yield app
    services_of(app).jobs.stop()


@pytest.fixture()
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def test_glossaries_are_listed(client: FlaskClient) -> None:
    listed = client.get("/v1/glossaries").get_json()["glossaries"]
    assert [(g["name"], g["source_lang"], g["target_lang"], g["entry_count"], g["server"])
            for g in listed] == [("english", "en", "id", 1, True),
                                 ("newsroom", "en", "id", 1, True),
                                 ("newsroom", "id", "en", 2, True)]


def assert_terms_kept_or_named(source: str, translation: str, warnings: list[dict[str, Any]],
                               entries: Mapping[str, str]) -> None:
    """The guarantee: per sentence, each term's target is there iff no warning names it."""
    named = {(w["details"]["sentence"], w["details"]["term"]) for w in warnings
             if w["code"] == "glossary_not_applied"}
    sources = split_sentences(source, "id")
    assert len(sources) == 3
    for term, target in entries.items():
        present = count_exact(target, translation) >= 1
        missing = {i for i, s in enumerate(sources) if term in s and (i, term) in named}
        assert present or missing, (term, translation, warnings)
        if not present:
            assert missing == {i for i, s in enumerate(sources) if term in s}


@pytest.mark.parametrize("body", [{"glossary": "newsroom"},
                                  {"glossary_entries": ENTRIES},
                                  {"glossary": "newsroom", "glossary_entries": {"x": "y"}}])
def test_translate_on_stand_in_models_is_never_silent(client: FlaskClient,
                                                       body: dict[str, Any]) -> None:
    resp = client.post("/v1/translate", json={"text": TEXT, **body})
    assert resp.status_code == 200, resp.get_json()
    out = resp.get_json()
    assert_terms_kept_or_named(TEXT, out["translation"], out["warnings"], ENTRIES)


def test_numbers_on_stand_in_models_are_never_silently_changed(client: FlaskClient) -> None:
    resp = client.post("/v1/translate", json={"text": TEXT.split(". ")})
    out = resp.get_json()
    flagged = {(w["details"]["text"], w["details"]["expected"]) for w in out["warnings"]
               if w["code"] == "number_changed"}
    for t, (source, translation) in enumerate(zip(TEXT.split(". "), out["translation"],
                                                  strict=True)):
        lost, added = compare(source, translation, "id", "en")
        for q in lost:
            assert (t, q.text) in flagged
        assert extract_quantities(source, "id")  # every sentence has a value to keep
        for q in added:
            assert any(w["details"]["found"] == q.text for w in out["warnings"])


def test_summarize_applies_the_glossary_in_its_translation_steps(
        client: FlaskClient) -> None:
    resp = client.post("/v1/summarize", json={"text": TEXT, "strategy": "extractive",
                                              "length": 3, "glossary": "newsroom",
                                              "translation": True, "languages": ["en", "id"]})
    assert resp.status_code == 200, resp.get_json()
    out = resp.get_json()
    assert_terms_kept_or_named(TEXT, out["summary"]["en"], out["warnings"], ENTRIES)


@pytest.mark.parametrize(("path", "body", "status", "code"), [
    ("/v1/translate", {"glossary": "nope"}, 422, "glossary_not_found"),
    ("/v1/translate", {"glossary": "english"}, 422, "glossary_language_mismatch"),
    ("/v1/translate", {"glossary": ""}, 422, "invalid_glossary"),
    ("/v1/translate", {"glossary_entries": {"a": 1}}, 422, "invalid_glossary_entries"),
    ("/v1/translate", {"glossary_entries": {"a": " "}}, 422, "empty_glossary_term"),
    ("/v1/translate", {"glossary_entries": {f"t{i}": "x" for i in range(201)}}, 422,
     "invalid_glossary_entries"),
    ("/v1/summarize", {"glossary": "english", "strategy": "extractive"}, 422,
     "glossary_language_mismatch"),
])
def test_glossary_errors(client: FlaskClient, path: str, body: dict[str, Any], status: int,
                         code: str) -> None:
    resp = client.post(path, json={"text": "Kemenperin membina perajin.", **body})
    assert resp.status_code == status
    assert resp.get_json()["error"]["code"] == code


def test_a_job_runs_with_the_glossary_as_it_was_at_submission(
        glossary_settings: Settings, engines: Mapping[str, Engine], tmp_path: Path) -> None:
    phrasebook = Phrasebook(engines["translate_id_en"],
                            words({"membina": "trains", "perajin": "craftsmen"}))
    app = create_app(glossary_settings.changed(data_dir=str(tmp_path / "d")),
                     engines={**engines, "translate_id_en": phrasebook})
    client = app.test_client()
    store = runtime_of(app).glossaries
    desk = store.create("desk", "id", "en", "Kemenperin\tMinistry of Industry\n")
    try:
        resp = client.post("/v1/jobs", json={"items": [
            {"kind": "translate", "text": "Kemenperin membina perajin.", "glossary": "desk"},
            {"kind": "translate", "text": "Kemenperin membina perajin.",
             "glossary_entries": {"perajin": "artisans"}},
            {"kind": "translate", "text": "x", "glossary": "nope"}]})
        assert resp.status_code == 202, resp.get_json()
        store.delete(desk.glossary_id)  # too late to matter
        end = time.monotonic() + 60
        while (body := client.get(resp.headers["Location"]).get_json())["status"] not in (
                "done", "failed"):
            assert time.monotonic() < end
            time.sleep(0.05)
        items = body["items"]
        assert items[0]["result"]["translation"] == "Ministry of Industry trains craftsmen."
        assert items[1]["result"]["translation"] == "Kemenperin trains artisans."
        assert items[2]["error"]["code"] == "glossary_not_found"
    finally:
        services_of(app).jobs.stop()


def test_glossaries_belong_to_their_api_key(glossary_settings: Settings,
                                            engines: Mapping[str, Engine],
                                            tmp_path: Path) -> None:
    from service.auth.store import KeyStore

    keys = KeyStore(tmp_path / "keys.sqlite3")
    (alice_rec, alice), (_, bob) = keys.add("alice"), keys.add("bob")
    app = create_app(glossary_settings.changed(require_api_keys=True,
                                         keys_db=str(tmp_path / "keys.sqlite3")),
                     engines=engines)
    client = app.test_client()
    try:
        runtime_of(app).glossaries.create("mine", "id", "en", "a\tb\n",
                                          owner=str(alice_rec))
        names = {key: [g["name"] for g in client.get(
            "/v1/glossaries", headers={"X-API-Key": key}).get_json()["glossaries"]]
            for key in (alice, bob)}
        assert "mine" in names[alice] and "mine" not in names[bob]
        body = {"text": "a b.", "glossary": "mine"}
        assert client.post("/v1/translate", json=body,
                           headers={"X-API-Key": alice}).status_code == 200
        resp = client.post("/v1/translate", json=body, headers={"X-API-Key": bob})
        assert resp.get_json()["error"]["code"] == "glossary_not_found"
    finally:
        services_of(app).jobs.stop()


def test_deepl_glossary_creation_past_the_keys_cap_is_456(settings: Settings,
                                                          engines: Mapping[str, Engine]) -> None:
    """DeepL answers "the maximum amount of glossaries has been reached" with 456, which
    its clients raise as QuotaExceededException."""
    app = create_app(settings.changed(max_glossaries_per_key=1), engines=engines)
    client = app.test_client()
    body = {"name": "desk", "source_lang": "id", "target_lang": "en",
            "entries": "kucing\tcat", "entries_format": "tsv"}
    assert client.post("/v2/glossaries", json=body).status_code == 201
    refused = client.post("/v2/glossaries", json=body)
    assert refused.status_code == 456, refused.get_json()
    assert refused.get_json()["code"] == "glossary_limit"
    assert len(client.get("/v2/glossaries").get_json()["glossaries"]) == 1


def test_deepl_v3_glossaries_past_the_keys_caps_are_456(settings: Settings,
                                                        engines: Mapping[str, Engine]) -> None:
    """Both caps on DeepL's v3 API: a glossary past the count, and an edit that would pass
    the entries held (the glossary stays as it was)."""
    app = create_app(settings.changed(max_glossaries_per_key=1,
                                      max_glossary_entries_per_key=3), engines=engines)
    client = app.test_client()
    try:
        body = {"name": "desk", "dictionaries": [
            {"source_lang": "id", "target_lang": "en", "entries": "kucing\tcat\n",
             "entries_format": "tsv"}]}
        made = client.post("/v3/glossaries", json=body)
        assert made.status_code == 201, made.get_json()
        refused = client.post("/v3/glossaries", json=body)
        assert (refused.status_code, refused.get_json()["code"]) == (456, "glossary_limit")
        gid = made.get_json()["glossary_id"]
        grown = client.patch(f"/v3/glossaries/{gid}", json={"dictionaries": [
            {"source_lang": "id", "target_lang": "en", "entries_format": "tsv",
             "entries": "anjing\tdog\nburung\tbird\nikan\tfish\n"}]})
        assert (grown.status_code, grown.get_json()["code"]) == (456,
                                                                 "glossary_entries_limit")
        kept = client.get(f"/v3/glossaries/{gid}").get_json()
        assert [d["entry_count"] for d in kept["dictionaries"]] == [1]
    finally:
        services_of(app).jobs.stop()


_LONE = "\\ud800"  # a lone surrogate escape: valid JSON, no text


@pytest.mark.parametrize(("path", "body", "field"), [
    ("/v2/glossaries", '{"name": "a", "source_lang": "id", "target_lang": "en", '
     f'"entries": "kucing{_LONE}\\tcat", "entries_format": "tsv"}}', "entries"),
    ("/v2/glossaries", '{"name": "a", "source_lang": "id", "target_lang": "en", '
     f'"entries": "kucing,cat{_LONE}", "entries_format": "csv"}}', "entries"),
    ("/v2/glossaries", f'{{"name": "a{_LONE}", "source_lang": "id", "target_lang": "en", '
     '"entries": "kucing\\tcat"}', "name"),
    ("/v3/glossaries", '{"name": "a", "dictionaries": [{"source_lang": "id", "target_lang": '
     f'"en", "entries": "kucing\\tcat{_LONE}", "entries_format": "tsv"}}]}}', "dictionaries"),
    ("/v2/translate", f'{{"text": ["Kemenperin"], "source_lang": "ID", "target_lang": "EN", '
     f'"glossary_id": "g{_LONE}"}}', "glossary_id"),
    ("/v1/translate", f'{{"text": "Kemenperin", "glossary": "newsroom{_LONE}"}}', "glossary"),
    ("/v1/translate", f'{{"text": "Kemenperin", "glossary_entries": {{"x{_LONE}": "y"}}}}',
     "glossary_entries"),
    ("/v1/translate", f'{{"text": "Kemenperin", "glossary_entries": {{"x": "y{_LONE}"}}}}',
     "glossary_entries"),
    ("PATCH /v3/glossaries/{id}", f'{{"name": "b{_LONE}"}}', "name"),
    ("PUT /v3/glossaries/{id}/dictionaries", '{"source_lang": "id", "target_lang": "en", '
     f'"entries": "kucing{_LONE}\\tcat", "entries_format": "tsv"}}', "entries"),
])
def test_a_lone_surrogate_in_glossary_input_is_400(client: FlaskClient, path: str, body: str,
                                                   field: str) -> None:
    """400 invalid_encoding in each API family's own error shape, never a 500."""
    method, _, path = path.rpartition(" ")
    if "{id}" in path:  # an existing glossary: an unknown id is 404 before the body is read
        made = client.post("/v2/glossaries", json={
            "name": "a", "source_lang": "id", "target_lang": "en", "entries": "kucing\tcat"})
        path = path.replace("{id}", made.get_json()["glossary_id"])
    resp = client.open(path, method=method or "POST", data=body,
                       content_type="application/json")
    assert resp.status_code == 400, resp.get_data(as_text=True)
    got = resp.get_json()
    if path.startswith("/v1/"):
        assert got["error"]["code"] == "invalid_encoding"
        assert got["error"]["details"] == {"field": field}
    else:
        assert got["code"] == "invalid_encoding" and field in got["message"]
