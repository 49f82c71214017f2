"""DeepL's glossary API v2 and ``glossary_id``, with DeepL's own Python client against a live
ringkas (served on loopback): create (dict and CSV), list, read, entries, delete, language
pairs, bad entries, another key's glossary, server-wide ones; translating text and documents
with a glossary, the term either in the translation as the glossary says or named in the
X-Ringkas-Warnings header."""

from __future__ import annotations

import io
import time
import types
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import deepl
import pytest
import requests
from deepl.api_data import MultilingualGlossaryDictionaryEntries
from flask import Flask

from service.api import create_app
from service.api.runtime import services_of
from service.auth.store import KeyStore
from service.config import Settings
from service.engine import Engine
from service.glossary.terms import count_exact
from tests.conftest import REPO
from tests.test_deepl import serving
from tests.test_glossary_mechanism import BASE, Phrasebook, words

ANY_KEY = "not-checked:fx"  # keys off: any key is accepted
TERM, TARGET = "Kemenperin", "Ministry of Industry"
SOURCE = "Kemenperin menambah 14 perajin di Bogor."
HEADER = "X-Ringkas-Warnings"


@pytest.fixture(autouse=True)
def _client_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    # No retries with backoff (the statuses are what these tests look at), no 10 s read
    # timeout; documents polled every 0.2 s instead of DeepL's 5 s.
    monkeypatch.setattr(deepl.http_client, "max_network_retries", 0)
    monkeypatch.setattr(deepl.http_client, "min_connection_timeout", 300.0)  # a busy machine
    clock = types.SimpleNamespace(time=time.time, sleep=lambda s: time.sleep(min(s, 0.2)))
    monkeypatch.setattr(deepl.translator, "time", clock)


@pytest.fixture()
def glossary_settings(settings: Settings, tmp_path: Path) -> Settings:
    folder = tmp_path / "glossaries"
    folder.mkdir()
    (folder / "newsroom.id-en.tsv").write_text(f"{TERM}\t{TARGET}\n", encoding="utf-8")
    return settings.changed(glossary_dir=str(folder))


@contextmanager
def live(settings: Settings, engines: Mapping[str, Engine]) -> Iterator[str]:
    app: Flask = create_app(settings, engines=engines)
    try:
        with serving(app) as base:
            yield base
    finally:
        services_of(app).jobs.stop()


@pytest.fixture()
def server(glossary_settings: Settings, engines: Mapping[str, Engine]) -> Iterator[str]:
    """ringkas with keys off, a server-wide glossary, the stand-in models."""
    with live(glossary_settings, engines) as base:
        yield base


def phrasebook(engines: Mapping[str, Engine], rule: Callable[[str], str]) -> dict[str, Engine]:
    """The stand-ins, with an id->en translator whose output ``rule`` decides."""
    return {**engines, "translate_id_en": Phrasebook(engines["translate_id_en"], rule)}


def _translator(base: str, key: str = ANY_KEY) -> deepl.Translator:
    return deepl.Translator(key, server_url=base)


@contextmanager
def desk(settings: Settings, engines: Mapping[str, Engine], rule: Callable[[str], str],
         ) -> Iterator[tuple[str, deepl.Translator, deepl.GlossaryInfo]]:
    """ringkas whose id->en translator follows ``rule``, with the desk glossary (TERM ->
    TARGET) made through DeepL's client."""
    with live(settings, phrasebook(engines, rule)) as base:
        translator = _translator(base)
        yield base, translator, translator.create_glossary("desk", "ID", "EN", {TERM: TARGET})


# --- the glossary API -----------------------------------------------------------------------


def test_create_list_read_entries_and_delete(server: str) -> None:
    translator = _translator(server)
    made = translator.create_glossary("desk", "ID", "EN-US",
                                      {TERM: TARGET, "perajin": "artisans"})
    assert made.name == "desk" and made.ready is True
    assert (made.source_lang, made.target_lang, made.entry_count) == ("ID", "EN", 2)
    assert made.creation_time.tzinfo is not None  # parsed by the client: DeepL's format
    listed = {g.glossary_id: g for g in translator.list_glossaries()}
    assert made.glossary_id in listed and listed[made.glossary_id].name == "desk"
    assert any(g.name == "newsroom" for g in listed.values())  # the server-wide one too
    got = translator.get_glossary(made.glossary_id)
    assert (got.glossary_id, got.entry_count, got.creation_time) == (
        made.glossary_id, 2, made.creation_time)
    assert translator.get_glossary_entries(made) == {TERM: TARGET, "perajin": "artisans"}
    raw = requests.get(f"{server}/v2/glossaries/{made.glossary_id}/entries", timeout=30,
                       headers={"Accept": "text/tab-separated-values"})
    assert raw.headers["Content-Type"].startswith("text/tab-separated-values")
    translator.delete_glossary(made)
    with pytest.raises(deepl.GlossaryNotFoundException):
        translator.get_glossary(made.glossary_id)
    with pytest.raises(deepl.GlossaryNotFoundException):
        translator.get_glossary_entries(made.glossary_id)
    with pytest.raises(deepl.GlossaryNotFoundException):
        translator.delete_glossary(made.glossary_id)
    assert made.glossary_id not in {g.glossary_id for g in translator.list_glossaries()}


def test_create_from_csv_and_form_encoded(server: str) -> None:
    translator = _translator(server)
    made = translator.create_glossary_from_csv(
        "csv", "id", "en", f'{TERM},"{TARGET}",id,en\n"Bogor, Jawa Barat",Bogor\n')
    assert made.entry_count == 2
    assert translator.get_glossary_entries(made) == {TERM: TARGET,
                                                     "Bogor, Jawa Barat": "Bogor"}
    form = requests.post(f"{server}/v2/glossaries", timeout=30, data={
        "name": "form", "source_lang": "EN", "target_lang": "ID",
        "entries": f"{TARGET}\t{TERM}", "entries_format": "tsv"})
    assert form.status_code == 201
    assert {k: form.json()[k] for k in ("name", "source_lang", "target_lang", "entry_count",
                                        "ready")} == {"name": "form", "source_lang": "en",
                                                      "target_lang": "id", "entry_count": 1,
                                                      "ready": True}


def test_glossary_language_pairs(server: str) -> None:
    pairs = _translator(server).get_glossary_languages()
    assert {(p.source_lang, p.target_lang) for p in pairs} == {("en", "id"), ("id", "en")}


@pytest.mark.parametrize(("entries", "code"), [
    (f"{TERM},a\n{TERM},b\n", "duplicate_glossary_source"),
    (f"{TERM},\n", "empty_glossary_term"),
    (f"{TERM},{TARGET},id,de\n", "glossary_language_mismatch"),
    ("", "empty_glossary"),
])
def test_bad_entries_are_400(server: str, entries: str, code: str) -> None:
    with pytest.raises(deepl.DeepLException) as bad:
        _translator(server).create_glossary_from_csv("bad", "ID", "EN", entries)
    assert bad.value.http_status_code == 400 and "Bad request" in str(bad.value)
    raw = requests.post(f"{server}/v2/glossaries", timeout=30, json={
        "name": "bad", "source_lang": "id", "target_lang": "en", "entries": entries,
        "entries_format": "csv"})
    assert raw.status_code == 400 and raw.json()["code"] == code


@pytest.mark.parametrize(("body", "code"), [
    ({"source_lang": "id", "target_lang": "en", "entries": "a\tb"}, "missing_field"),
    ({"name": "x", "source_lang": "id", "target_lang": "de", "entries": "a\tb"},
     "unsupported_language_pair"),
    ({"name": "x", "source_lang": "en", "target_lang": "en", "entries": "a\tb"},
     "unsupported_language_pair"),
    ({"name": "x", "source_lang": "id", "target_lang": "en", "entries": "a\tb",
      "entries_format": "xlsx"}, "unsupported_glossary_format"),
    ({"name": "x", "source_lang": "id", "target_lang": "en", "entries": "a b"},
     "invalid_glossary_entries"),
])
def test_bad_glossary_requests(server: str, body: dict[str, str], code: str) -> None:
    resp = requests.post(f"{server}/v2/glossaries", json=body, timeout=30)
    assert resp.status_code == 400 and resp.json()["code"] == code, resp.json()


def test_a_server_wide_glossary_is_listed_usable_and_not_deletable(server: str) -> None:
    translator = _translator(server)
    newsroom = next(g for g in translator.list_glossaries() if g.name == "newsroom")
    assert translator.get_glossary_entries(newsroom) == {TERM: TARGET}
    with pytest.raises(deepl.DeepLException) as refused:
        translator.delete_glossary(newsroom)
    assert refused.value.http_status_code == 400
    resp = requests.delete(f"{server}/v2/glossaries/{newsroom.glossary_id}", timeout=30)
    assert resp.status_code == 400 and resp.json()["code"] == "glossary_read_only"
    assert translator.get_glossary(newsroom.glossary_id).entry_count == 1


def test_glossary_management_is_not_charged(server: str) -> None:
    translator = _translator(server)
    translator.create_glossary("free", "ID", "EN", {TERM: TARGET})
    translator.list_glossaries()
    assert translator.get_usage().character.count == 0


def test_another_key_neither_sees_nor_deletes_a_glossary(glossary_settings: Settings,
                                                         engines: Mapping[str, Engine]) -> None:
    keyed = glossary_settings.changed(require_api_keys=True)
    store = KeyStore(Path(keyed.auth.keys_db))
    mine, theirs = store.add("mine")[1], store.add("theirs")[1]
    with live(keyed, engines) as base:
        me, other = _translator(base, mine), _translator(base, theirs)
        made = me.create_glossary("private", "ID", "EN", {TERM: TARGET})
        assert made.glossary_id not in {g.glossary_id for g in other.list_glossaries()}
        assert {g.name for g in other.list_glossaries()} == {"newsroom"}
        for call in (other.get_glossary, other.get_glossary_entries, other.delete_glossary):
            with pytest.raises(deepl.GlossaryNotFoundException):
                call(made.glossary_id)
        with pytest.raises(deepl.DeepLException) as used:
            other.translate_text(SOURCE, source_lang="ID", target_lang="EN-US",
                                 glossary=made.glossary_id)
        assert used.value.http_status_code == 400
        assert me.get_glossary(made.glossary_id).name == "private"  # still there
        with pytest.raises(deepl.AuthorizationException):
            _translator(base, "wrong").list_glossaries()


# --- translating with a glossary ------------------------------------------------------------


def _raw_translate(base: str, **body: object) -> requests.Response:
    resp = requests.post(f"{base}/v2/translate", json=body, timeout=120)
    assert resp.status_code == 200, resp.text
    return resp


def test_translate_text_follows_the_glossary_or_says_so(server: str) -> None:
    # On the stand-ins: whatever they write, the term is there as the glossary says, or the
    # header names glossary_not_applied.
    translator = _translator(server)
    made = translator.create_glossary("desk", "ID", "EN", {TERM: TARGET})
    result = translator.translate_text(SOURCE, source_lang="ID", target_lang="EN-US",
                                       glossary=made)
    assert isinstance(result, deepl.TextResult) and result.billed_characters == len(SOURCE)
    raw = _raw_translate(server, text=[SOURCE], source_lang="ID", target_lang="EN-US",
                         glossary_id=made.glossary_id)
    assert raw.json()["translations"][0]["text"] == result.text
    placed = count_exact(TARGET, result.text) >= 1
    assert placed == ("glossary_not_applied" not in raw.headers.get(HEADER, "")), result.text
    # Without the glossary: never the header.
    plain = _raw_translate(server, text=[SOURCE], source_lang="ID", target_lang="EN-US")
    assert HEADER not in plain.headers


def test_a_term_the_model_alters_is_placed(glossary_settings: Settings,
                                           engines: Mapping[str, Engine]) -> None:
    rule = words({**BASE, TERM: "Industry Ministry"})
    with desk(glossary_settings, engines, rule) as (base, translator, made):
        result = translator.translate_text([SOURCE, "Pabrik baru dibuka."],
                                           source_lang="ID", target_lang="EN-GB",
                                           glossary=made.glossary_id)
        assert [r.text for r in result] == [  # type: ignore[union-attr]
            "Ministry of Industry adds 14 craftsmen in Bogor.", "The factory new opened."]
        raw = _raw_translate(base, text=SOURCE, source_lang="id", target_lang="en",
                             glossary_id=made.glossary_id)
        assert HEADER not in raw.headers
        # HTML too: the text nodes follow it.
        html = translator.translate_text(f"<p><b>{TERM}</b> menambah perajin.</p>",
                                         source_lang="ID", target_lang="EN-US",
                                         tag_handling="html", glossary=made)
        assert f"<b>{TARGET}</b>" in html.text  # type: ignore[union-attr]


def test_a_term_that_cannot_be_placed_is_in_the_header(glossary_settings: Settings,
                                                       engines: Mapping[str, Engine]) -> None:
    def rule(text: str) -> str:  # drops the term, in every form, every time
        return words(BASE)(text.replace(f"{TERM} ", "").replace(f"{TARGET} ", "")) or "?"

    with desk(glossary_settings, engines, rule) as (base, _, made):
        raw = _raw_translate(base, text=[SOURCE], source_lang="ID", target_lang="EN-US",
                             glossary_id=made.glossary_id)
        assert raw.json()["translations"][0]["text"] == "adds 14 craftsmen in Bogor."
        assert raw.headers[HEADER] == "glossary_not_applied"


def test_glossary_id_needs_source_lang_and_its_pair(server: str) -> None:
    translator = _translator(server)
    made = translator.create_glossary("desk", "ID", "EN", {TERM: TARGET})
    for body, code in (
            ({"target_lang": "EN-US", "glossary_id": made.glossary_id}, "missing_field"),
            ({"source_lang": "EN", "target_lang": "ID", "glossary_id": made.glossary_id},
             "glossary_language_mismatch"),
            ({"source_lang": "ID", "target_lang": "EN", "glossary_id": "nope"},
             "glossary_not_found"),
            ({"source_lang": "ID", "target_lang": "EN", "glossary_ids": [made.glossary_id]},
             "unsupported_option")):
        resp = requests.post(f"{server}/v2/translate", json={"text": [SOURCE], **body},
                             timeout=30)
        assert resp.status_code == 400 and resp.json()["code"] == code, (body, resp.json())
    # The client checks the pair itself for a GlossaryInfo; an id is checked by ringkas.
    with pytest.raises(deepl.DeepLException) as mismatch:
        translator.translate_text("The factory.", source_lang="EN", target_lang="ID",
                                  glossary=made.glossary_id)
    assert mismatch.value.http_status_code == 400
    assert translator.get_usage().character.count == 0  # refused: nothing counted


def test_translate_document_with_a_glossary(glossary_settings: Settings,
                                            engines: Mapping[str, Engine]) -> None:
    rule = words({**BASE, TERM: "Industry Ministry"})
    with desk(glossary_settings, engines, rule) as (base, translator, made):
        out = io.BytesIO()
        status = translator.translate_document(f"{SOURCE}\n".encode(), out,
                                               filename="berita.txt", source_lang="ID",
                                               target_lang="EN-US", glossary=made)
        assert status.done and status.billed_characters == len(SOURCE)
        assert out.getvalue().decode().strip() == "Ministry of Industry adds 14 craftsmen in Bogor."
        # DeepL's client asks for source_lang itself; ringkas too.
        no_source = requests.post(f"{base}/v2/document", timeout=30,
                                  data={"target_lang": "EN-US", "glossary_id": made.glossary_id},
                                  files={"file": ("a.txt", b"Desa itu.")})
        assert no_source.status_code == 400 and no_source.json()["code"] == "missing_field"


def test_a_document_term_that_cannot_be_placed_is_in_the_header(
        glossary_settings: Settings, engines: Mapping[str, Engine]) -> None:
    def rule(text: str) -> str:
        return words(BASE)(text.replace(f"{TERM} ", "").replace(f"{TARGET} ", "")) or "?"

    with desk(glossary_settings, engines, rule) as (base, translator, made):
        handle = translator.translate_document_upload(f"{SOURCE}\n".encode(),
                                                      filename="a.txt", source_lang="ID",
                                                      target_lang="EN-US", glossary=made)
        assert translator.translate_document_wait_until_done(handle).ok
        key = {"document_key": handle.document_key}
        status = requests.post(f"{base}/v2/document/{handle.document_id}", json=key,
                               timeout=30)
        assert status.json()["status"] == "done"
        assert status.headers[HEADER] == "glossary_not_applied"
        result = requests.post(f"{base}/v2/document/{handle.document_id}/result", json=key,
                               timeout=30)
        assert result.status_code == 200 and result.headers[HEADER] == "glossary_not_applied"
        assert result.content.decode().strip() == "adds 14 craftsmen in Bogor."


def test_the_glossary_snippet_in_the_docs_works(server: str,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    page = (REPO / "docs" / "clients.md").read_text(encoding="utf-8")
    section = page.split("### Glossaries", 1)[1]
    snippet = section.split("```python\n", 1)[1].split("```", 1)[0]
    assert "http://127.0.0.1:8000" in snippet
    exec(compile(snippet.replace("http://127.0.0.1:8000", server), "clients.md", "exec"), {})
    printed = capsys.readouterr().out.splitlines()
    assert printed[0].strip() and printed[1] == "{'Kemenperin': 'Ministry of Industry'}"
    assert {g.name for g in _translator(server).list_glossaries()} == {"newsroom"}  # deleted
    v3 = section.split("```python\n", 2)[2].split("```", 1)[0]
    assert "DeepLClient" in v3
    exec(compile(v3.replace("http://127.0.0.1:8000", server), "clients.md", "exec"), {})
    assert capsys.readouterr().out.strip()  # the translation
    assert {g.name for g in deepl.DeepLClient(ANY_KEY, server_url=server)
            .list_multilingual_glossaries()} == {"newsroom"}  # deleted


# --- DeepL's v3 (multilingual) glossaries, through DeepL's own client ---------------------


def _dict(source: str, target: str, entries: dict[str, str],
          ) -> MultilingualGlossaryDictionaryEntries:
    return MultilingualGlossaryDictionaryEntries(source, target, entries)


def test_v3_glossaries_through_deepls_client(server: str) -> None:
    """Create with both pairs, list, read, read one dictionary's entries, merge entries and
    rename, replace a dictionary, delete one, delete the glossary: DeepLClient's calls."""
    client = deepl.DeepLClient(ANY_KEY, server_url=server)
    made = client.create_multilingual_glossary("desk", [
        _dict("ID", "EN", {TERM: TARGET}), _dict("EN", "ID", {TARGET: TERM})])
    assert made.name == "desk" and made.creation_time.tzinfo is not None
    assert sorted((d.source_lang, d.target_lang, d.entry_count) for d in made.dictionaries) \
        == [("EN", "ID", 1), ("ID", "EN", 1)]
    listed = {g.glossary_id: g for g in client.list_multilingual_glossaries()}
    assert made.glossary_id in listed and any(g.name == "newsroom" for g in listed.values())
    entries = client.get_multilingual_glossary_entries(made, "ID", "EN-US").dictionaries
    assert [(e.source_lang, e.target_lang, e.entries) for e in entries] == [
        ("id", "en", f"{TERM}\t{TARGET}\n")]
    merged = client.update_multilingual_glossary_dictionary(
        made, _dict("ID", "EN", {"perajin": "artisans"}))
    counts = {(d.source_lang, d.target_lang): d.entry_count for d in merged.dictionaries}
    assert counts == {("ID", "EN"): 2, ("EN", "ID"): 1}  # merged, not replaced
    assert client.update_multilingual_glossary_name(made, "desk-2").name == "desk-2"
    replaced = client.replace_multilingual_glossary_dictionary(
        made, _dict("ID", "EN", {"pabrik": "factory"}))
    assert (replaced.source_lang, replaced.entry_count) == ("ID", 1)
    client.delete_multilingual_glossary_dictionary(made, source_lang="EN", target_lang="ID")
    after = client.get_multilingual_glossary(made.glossary_id)
    assert [(d.source_lang, d.target_lang) for d in after.dictionaries] == [("ID", "EN")]
    # With one dictionary left it is a v2 glossary too.
    assert _translator(server).get_glossary(made.glossary_id).entry_count == 1
    client.delete_multilingual_glossary(made)
    with pytest.raises(deepl.GlossaryNotFoundException):
        client.get_multilingual_glossary(made.glossary_id)


def test_a_v3_glossary_serves_each_direction_of_translation(
        glossary_settings: Settings, engines: Mapping[str, Engine]) -> None:
    """One glossary_id, both pairs: each request uses the dictionary of its own pair; a
    multilingual glossary is refused by v2's single-pair reads, with the reason."""
    rule = words({**BASE, TERM: "Industry Ministry"})
    with live(glossary_settings, phrasebook(engines, rule)) as base:
        client = deepl.DeepLClient(ANY_KEY, server_url=base)
        made = client.create_multilingual_glossary("both", [
            _dict("ID", "EN", {TERM: TARGET}), _dict("EN", "ID", {"craftsmen": "perajin"})])
        out = client.translate_text(SOURCE, source_lang="ID", target_lang="EN-US",
                                    glossary=made.glossary_id)
        assert out.text == "Ministry of Industry adds 14 craftsmen in Bogor."  # type: ignore
        back = _raw_translate(base, text=["The craftsmen."], source_lang="EN",
                              target_lang="ID", glossary_id=made.glossary_id)
        assert back.status_code == 200
        with pytest.raises(deepl.DeepLException, match="/v3/glossaries reads it"):
            _translator(base).get_glossary(made.glossary_id)
        assert made.glossary_id not in {g.glossary_id
                                        for g in _translator(base).list_glossaries()}


def test_v3_refusals_answer_in_deepls_shape(server: str) -> None:
    for body, code in (
            ({"name": "x", "dictionaries": []}, "invalid_glossary_dictionaries"),
            ({"name": "x", "dictionaries": [{"source_lang": "id", "target_lang": "en"}]},
             "invalid_glossary_dictionaries"),
            ({"name": "x", "dictionaries": [
                {"source_lang": "id", "target_lang": "en", "entries": "a\tb"},
                {"source_lang": "ID", "target_lang": "EN", "entries": "c\td"}]},
             "duplicate_glossary_dictionary"),
            ({"dictionaries": [{"source_lang": "id", "target_lang": "en", "entries": "a\tb"}]},
             "missing_field")):
        resp = requests.post(f"{server}/v3/glossaries", json=body, timeout=30)
        assert resp.status_code == 400 and resp.json()["code"] == code, (body, resp.json())
        assert set(resp.json()) == {"message", "code"}
    newsroom = next(g for g in requests.get(f"{server}/v3/glossaries", timeout=30).json()[
        "glossaries"] if g["name"] == "newsroom")
    changed = requests.patch(f"{server}/v3/glossaries/{newsroom['glossary_id']}",
                             json={"name": "mine"}, timeout=30)
    assert changed.status_code == 400 and changed.json()["code"] == "glossary_read_only"
    missing = requests.get(f"{server}/v3/glossaries/{newsroom['glossary_id']}/entries",
                           params={"source_lang": "en", "target_lang": "id"}, timeout=30)
    assert missing.status_code == 404


def test_a_v3_edit_that_fails_changes_nothing_and_v2_leaves_multilingual_ones(
        server: str) -> None:
    made = requests.post(f"{server}/v3/glossaries", timeout=30, json={
        "name": "desk", "dictionaries": [
            {"source_lang": "id", "target_lang": "en", "entries": "a\tb"},
            {"source_lang": "en", "target_lang": "id", "entries": "b\ta"}]}).json()
    url = f"{server}/v3/glossaries/{made['glossary_id']}"
    bad = requests.patch(url, timeout=30, json={"name": "desk-2", "dictionaries": [
        {"source_lang": "id", "target_lang": "en", "entries": "c\td"},
        {"source_lang": "en", "target_lang": "id", "entries": "no tab here"}]})
    assert bad.status_code == 400
    after = requests.get(url, timeout=30).json()
    assert after["name"] == "desk" and [d["entry_count"] for d in after["dictionaries"]] \
        == [1, 1]
    # v2 neither reads nor deletes a glossary of two dictionaries
    v2 = requests.delete(f"{server}/v2/glossaries/{made['glossary_id']}", timeout=30)
    assert v2.status_code == 400 and v2.json()["code"] == "glossary_multilingual"
    # a regional variant names its language, as DeepL's clients may send it
    entries = requests.get(f"{url}/entries", params={"source_lang": "ID",
                                                     "target_lang": "EN-US"}, timeout=30)
    assert entries.status_code == 200 and entries.json()["dictionaries"][0]["entries"] \
        == "a\tb\n"
    unknown = requests.patch(f"{server}/v3/glossaries/nope", json={"name": ""}, timeout=30)
    assert unknown.status_code == 404  # not found wins over a bad body
