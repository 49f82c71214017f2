"""DeepL-compatible API v2: DeepL's own Python client (``deepl.Translator`` with
``server_url``) against a live `ringkas serve`, with keys off and on, and the request shapes
DeepL's clients and scripts send (JSON and form-encoded, text repeated, tag handling,
DeepL-Auth-Key)."""

from __future__ import annotations

import io
import sqlite3
import subprocess
import sys
import threading
import time
import types
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import deepl
import docx
import pytest
import requests
from bs4 import BeautifulSoup
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.serving import make_server

from service.api import create_app
from service.auth.store import KeyStore
from service.auth.usage import current_period
from service.cli import main
from service.config import Settings
from service.engine import Engine, EngineWrapper, GenerationParams
from service.errors import EngineError
from tests.conftest import REPO, KeyedServer, with_limits
from tests.test_documents import article_docx

ID_TEXT = "Pabrik sepatu itu mempekerjakan dua ratus orang dari desa sekitar Bogor."
EN_TEXT = "The shoe factory employs two hundred people from villages around Bogor."
ANY_KEY = "not-checked:fx"  # keys off: any key is accepted


@pytest.fixture(autouse=True)
def _no_client_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    # DeepL's client retries 429 and 5xx with backoff (seconds each); the statuses are what
    # these tests look at.
    monkeypatch.setattr(deepl.http_client, "max_network_retries", 0)


@pytest.fixture()
def client(settings: Settings, engines: Mapping[str, Engine]) -> FlaskClient:
    return create_app(settings, engines=engines).test_client()


def _translator(base: str, key: str = ANY_KEY) -> deepl.Translator:
    return deepl.Translator(key, server_url=base)


@contextmanager
def serving(app: Flask) -> Iterator[str]:
    """``app`` served on a free loopback port in this process (for apps a test builds)."""
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_port}"
    finally:
        httpd.shutdown()
        thread.join(timeout=10)


# --- the official client, keys off ----------------------------------------------------------


def test_translate_text_single_and_list(server: str) -> None:
    translator = _translator(server)
    one = translator.translate_text(ID_TEXT, source_lang="ID", target_lang="EN-US")
    assert isinstance(one, deepl.TextResult)
    assert one.text.strip() and one.text != ID_TEXT
    assert one.detected_source_lang == "ID"
    assert one.billed_characters == len(ID_TEXT)
    many = translator.translate_text([ID_TEXT, "Desa itu kecil."], target_lang="EN-GB")
    assert isinstance(many, list) and len(many) == 2
    assert many[0].text == one.text  # the same text translates the same, in a list too
    back = translator.translate_text(EN_TEXT, source_lang="EN", target_lang="ID")
    assert isinstance(back, deepl.TextResult) and back.text.strip() and back.text != EN_TEXT


def test_the_snippet_in_the_docs_works(server: str, capsys: pytest.CaptureFixture[str]) -> None:
    page = (REPO / "docs" / "clients.md").read_text(encoding="utf-8")
    snippet = page.split("```python\n", 1)[1].split("```", 1)[0]
    assert "http://127.0.0.1:8000" in snippet
    exec(compile(snippet.replace("http://127.0.0.1:8000", server), "clients.md", "exec"), {})
    printed = capsys.readouterr().out.splitlines()
    assert printed[0].endswith(" ID") and printed[1].strip()
    # the usage line: "N of 1000000000000" (keys off), never "Unknown"
    assert printed[-1].endswith(" of 1000000000000"), printed


def test_source_language_is_detected_per_text(server: str) -> None:
    results = _translator(server).translate_text([ID_TEXT, EN_TEXT], target_lang="EN-US")
    assert isinstance(results, list)
    assert [r.detected_source_lang for r in results] == ["ID", "EN"]
    assert results[1].text == EN_TEXT  # already English: returned as it was
    assert results[0].text != ID_TEXT


def test_languages(server: str) -> None:
    translator = _translator(server)
    sources = translator.get_source_languages()
    assert {(lang.code, lang.name) for lang in sources} == {("EN", "English"),
                                                           ("ID", "Indonesian")}
    targets = translator.get_target_languages()
    assert {lang.code for lang in targets} == {"EN-GB", "EN-US", "ID"}
    assert all(lang.supports_formality is False for lang in targets)
    # And as scripts ask: the query string, or a POST.
    assert requests.get(f"{server}/v2/languages?type=target", timeout=30).json() == \
        requests.post(f"{server}/v2/languages", data={"type": "target"}, timeout=30).json()
    bad = requests.get(f"{server}/v2/languages?type=glossary", timeout=30)
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_type"


def test_html_tag_handling_keeps_the_markup(server: str) -> None:
    html = ('<p class="lead">Pabrik <b>sepatu</b> itu besar.</p>'
            '<script>var x = "jangan diterjemahkan";</script><p>Desa itu kecil.</p>')
    result = _translator(server).translate_text(html, source_lang="ID", target_lang="EN-US",
                                                tag_handling="html")
    assert isinstance(result, deepl.TextResult)
    out, src = BeautifulSoup(result.text, "html.parser"), BeautifulSoup(html, "html.parser")
    assert [t.name for t in out.find_all(True)] == [t.name for t in src.find_all(True)]
    assert out.p is not None and out.p["class"] == ["lead"]
    assert out.script is not None and out.script.string == 'var x = "jangan diterjemahkan";'
    assert out.b is not None and out.b.get_text().strip() and out.b.get_text() != "sepatu"


def test_xml_tag_handling_keeps_case_namespaces_and_ignored_tags(server: str) -> None:
    xml = ('<?xml version="1.0"?><Doc xmlns:x="urn:x"><Title>Desa itu kecil.</Title>'
           '<x:note>Pabrik itu besar.</x:note><keep>Bogor tetap Bogor.</keep></Doc>')
    result = _translator(server).translate_text(xml, source_lang="ID", target_lang="EN-GB",
                                                tag_handling="xml", ignore_tags=["keep"])
    assert isinstance(result, deepl.TextResult)
    assert result.text.startswith('<?xml version="1.0"?><Doc xmlns:x="urn:x"><Title>')
    out = BeautifulSoup(result.text, "xml")
    assert out.find("Title") is not None and out.find("Title").get_text() != "Desa itu kecil."
    assert out.find("x:note") is not None or out.find("note") is not None
    assert out.find("keep") is not None and out.find("keep").get_text() == "Bogor tetap Bogor."


def test_usage_counts_translated_characters_without_a_limit(server: str) -> None:
    translator = _translator(server)
    before = translator.get_usage().character
    # keys off: no quota, reported as DeepL reports an unlimited key (not "unknown")
    assert before.count is not None and before.limit == 1_000_000_000_000
    assert before.valid and str(before).startswith(f"{before.count} of 1000000000000")
    translator.translate_text([ID_TEXT, "Desa itu kecil."], target_lang="EN-US")
    with pytest.raises(deepl.DeepLException):  # refused: nothing translated, nothing counted
        translator.translate_text(ID_TEXT, target_lang="FR")
    after = translator.get_usage().character
    assert after.count == before.count + len(ID_TEXT) + len("Desa itu kecil.")


def test_deepls_command_line_prints_the_usage(server: str, keyed: tuple[str, dict[str, str],
                                                                       Path]) -> None:
    """`python -m deepl usage` prints nothing at all for a usage it cannot read."""
    def usage(base: str, key: str) -> str:
        out = subprocess.run([sys.executable, "-m", "deepl", "--auth-key", key,
                              "--server-url", base, "usage"], capture_output=True, text=True,
                             timeout=60)
        assert out.returncode == 0, out.stderr
        return out.stdout

    assert "of 1000000000000" in usage(server, ANY_KEY)  # keys off: no quota
    base, keys, _ = keyed
    assert "of 60" in usage(base, keys["metered"])


def test_deepl_routes_not_served_say_why(server: str) -> None:
    """DeepL's current client calls routes ringkas has no model or store for: each answers
    in DeepL's shape with a reason, which the client shows, not a bare "not found"."""
    client = deepl.DeepLClient(ANY_KEY, server_url=server)
    with pytest.raises(deepl.DeepLException, match="no rephrasing model") as caught:
        client.rephrase_text(ID_TEXT)
    assert caught.value.http_status_code == 404
    for path in ("/v2/write/correct", "/v3/style_rules", "/v3/translation_memories/x",
                 "/v2/admin/developer-keys"):
        resp = requests.post(f"{server}{path}", json={}, timeout=30)
        assert resp.status_code == 404 and set(resp.json()) == {"message", "code"}, path
        assert resp.json()["code"] == "not_served", path
    unknown = requests.get(f"{server}/v2/no-such-route", timeout=30)
    assert unknown.status_code == 404 and unknown.json()["code"] == "not_found"


def test_bad_requests_are_deepl_exceptions(server: str) -> None:
    translator = _translator(server)
    with pytest.raises(deepl.DeepLException) as unsupported:
        translator.translate_text(ID_TEXT, target_lang="FR")
    assert unsupported.value.http_status_code == 400
    assert "Bad request" in str(unsupported.value) and "target_lang" in str(unsupported.value)
    with pytest.raises(deepl.DeepLException) as too_long:
        translator.translate_text("a" * 100_001, target_lang="EN-US")  # RINGKAS_MAX_TEXT_CHARS
    assert too_long.value.http_status_code == 413
    with pytest.raises(deepl.GlossaryNotFoundException) as missing:
        translator.get_glossary("no-such-glossary")
    assert missing.value.http_status_code == 404


# --- the official client, keys on ---------------------------------------------------------


@pytest.fixture(scope="module")
def keyed(keyed_server: KeyedServer) -> tuple[str, dict[str, str], Path]:
    """The live server with keys required, and this module's keys: a plain key, one with a
    60-character quota (and one for documents), one limited to a request a minute, and a
    revoked one."""
    add = keyed_server.add_key
    keys = {"desk": add("deepl desk")[1], "metered": add("deepl metered", char_limit=60)[1],
            "documents": add("deepl documents", char_limit=40)[1],
            "busy": add("deepl busy", rate_limit="1/minute")[1],
            "gone": add("deepl gone")[1]}
    store = KeyStore(keyed_server.keys_db)
    store.revoke(store.verify(keys["gone"]).id)  # type: ignore[union-attr]
    return keyed_server.base, keys, keyed_server.keys_db


def test_deepl_auth_key_maps_to_ringkas_keys(keyed: tuple[str, dict[str, str], Path]) -> None:
    base, keys, _ = keyed
    result = _translator(base, keys["desk"]).translate_text(ID_TEXT, target_lang="EN-US")
    assert isinstance(result, deepl.TextResult) and result.detected_source_lang == "ID"
    for key in ("rk_not-a-key", "anything", keys["gone"]):
        with pytest.raises(deepl.AuthorizationException) as refused:
            _translator(base, key).translate_text(ID_TEXT, target_lang="EN-US")
        assert refused.value.http_status_code == 403
    with pytest.raises(deepl.AuthorizationException):
        _translator(base, "rk_not-a-key").get_usage()
    missing = requests.post(f"{base}/v2/translate", json={"text": ["x"], "target_lang": "EN"},
                            timeout=30)
    assert missing.status_code == 403 and missing.json()["code"] == "missing_api_key"
    assert set(missing.json()) == {"message", "code"}


def test_quota_is_reported_and_enforced(keyed: tuple[str, dict[str, str], Path]) -> None:
    base, keys, _ = keyed
    translator = _translator(base, keys["metered"])
    usage = translator.get_usage()
    assert (usage.character.count, usage.character.limit) == (0, 60)
    text = "Desa itu kecil sekali."  # 22 characters
    translator.translate_text([text, text], target_lang="EN-US")  # 44 of 60
    with pytest.raises(deepl.QuotaExceededException) as spent:
        translator.translate_text(text, target_lang="EN-US")  # 66 would pass 60
    assert spent.value.http_status_code == 456
    usage = translator.get_usage()
    assert (usage.character.count, usage.character.limit) == (44, 60)
    assert not usage.any_limit_reached
    translator.translate_text("Desa itu.", target_lang="EN-US")  # 9 more still fit
    assert translator.get_usage().character.count == 53
    # Another key's count is its own.
    assert _translator(base, keys["desk"]).get_usage().character.limit == 1_000_000_000_000


def test_rate_limit_is_too_many_requests(keyed: tuple[str, dict[str, str], Path]) -> None:
    base, keys, _ = keyed
    translator = _translator(base, keys["busy"])
    translator.get_usage()
    with pytest.raises(deepl.TooManyRequestsException) as limited:
        translator.translate_text(ID_TEXT, target_lang="EN-US")
    assert limited.value.http_status_code == 429


def test_not_ready_is_503(settings: Settings, engines: Mapping[str, Engine]) -> None:
    release = threading.Event()

    def blocking_loader() -> Mapping[str, Engine]:
        release.wait(timeout=60)
        return engines

    app = create_app(settings.changed(background_load=True),
                     loader=blocking_loader)
    try:
        with serving(app) as base:
            translator = _translator(base)
            with pytest.raises(deepl.DeepLException) as unavailable:
                translator.translate_text(ID_TEXT, target_lang="EN-US")
            assert unavailable.value.http_status_code == 503
            assert "Service unavailable" in str(unavailable.value)
            assert translator.get_usage().character.count == 0
    finally:
        release.set()


# --- request shapes -----------------------------------------------------------------------


def test_form_body_with_repeated_text(client: FlaskClient) -> None:
    """As curl and DeepL's older scripts send it."""
    resp = client.post("/v2/translate", data={"text": [ID_TEXT, "Desa itu kecil."],
                                              "target_lang": "en", "source_lang": "id"},
                       headers={"Authorization": f"DeepL-Auth-Key {ANY_KEY}"})
    assert resp.status_code == 200, resp.get_json()
    translations = resp.get_json()["translations"]
    assert len(translations) == 2
    assert {t["detected_source_language"] for t in translations} == {"ID"}


def test_unsupported_options_are_accepted_and_ignored(client: FlaskClient) -> None:
    plain = client.post("/v2/translate", json={"text": [ID_TEXT], "target_lang": "EN-US"})
    fancy = client.post("/v2/translate", json={
        "text": [ID_TEXT], "target_lang": "EN-US", "formality": "prefer_more",
        "context": "Berita ekonomi.", "model_type": "quality_optimized",
        "show_billed_characters": True, "some_future_option": {"x": 1}})
    assert fancy.status_code == 200, fancy.get_json()
    assert fancy.get_json() == plain.get_json()


@pytest.mark.parametrize(("body", "status", "code"), [
    ({"target_lang": "EN-US"}, 400, "missing_field"),
    ({"text": [ID_TEXT]}, 400, "missing_field"),
    ({"text": [ID_TEXT], "target_lang": "DE"}, 400, "unsupported_language_pair"),
    ({"text": [ID_TEXT], "source_lang": "FR", "target_lang": "EN"}, 400,
     "unsupported_language_pair"),
    ({"text": [ID_TEXT], "source_lang": "ID", "target_lang": "ID"}, 400,
     "unsupported_language_pair"),
    ({"text": [ID_TEXT], "target_lang": "EN", "tag_handling": "pdf"}, 400, "invalid_format"),
    ({"text": [ID_TEXT], "target_lang": "EN", "split_sentences": "2"}, 400,
     "invalid_split_sentences"),
    ({"text": [], "target_lang": "EN"}, 400, "invalid_type"),
    ({"text": [ID_TEXT], "target_lang": "EN", "source_lang": "ID", "glossary_ids": ["g1"]},
     400, "unsupported_option"),
    ({"text": [ID_TEXT], "target_lang": "EN", "glossary_id": "g1"}, 400, "missing_field"),
    ({"text": [ID_TEXT], "target_lang": "EN", "source_lang": "ID", "glossary_id": "g1"}, 400,
     "glossary_not_found"),
    ({"text": ["a"] * 65, "target_lang": "EN"}, 413, "too_many_texts"),
])
def test_bad_requests_answer_in_deepls_shape(client: FlaskClient, body: dict[str, Any],
                                             status: int, code: str) -> None:
    resp = client.post("/v2/translate", json=body)
    assert resp.status_code == status
    assert set(resp.get_json()) == {"message", "code"} and resp.get_json()["code"] == code


def test_malformed_and_unknown_paths_answer_in_deepls_shape(client: FlaskClient) -> None:
    broken = client.post("/v2/translate", data=b"{", content_type="application/json")
    assert broken.status_code == 400 and broken.get_json()["code"] == "malformed_json"
    other = client.post("/v2/translate", data=b"x", content_type="text/plain")
    assert other.status_code == 400  # form or JSON only: text/plain carries no fields
    unknown = client.get("/v2/no-such-route")
    assert unknown.status_code == 404 and set(unknown.get_json()) == {"message", "code"}
    wrong_method = client.get("/v2/document")
    assert wrong_method.status_code == 405
    assert set(wrong_method.get_json()) == {"message", "code"}
    native = client.post("/v1/translate", json={})  # ringkas's own routes keep theirs
    assert "error" in native.get_json()


def test_split_sentences_and_preserve_formatting(client: FlaskClient) -> None:
    text = "  Pabrik itu besar.\nDesa itu kecil.\n\nBogor hujan.  "

    def translate(**options: Any) -> str:
        resp = client.post("/v2/translate", json={"text": [text], "source_lang": "ID",
                                                  "target_lang": "EN-US", **options})
        assert resp.status_code == 200, resp.get_json()
        out: str = resp.get_json()["translations"][0]["text"]
        return out

    lines = translate()  # split_sentences=1: every line its own, the newlines kept
    assert lines.count("\n") == 3 and lines.split("\n")[2] == ""
    assert lines == lines.strip()
    kept = translate(preserve_formatting=True)
    assert kept.startswith("  ") and kept.endswith("  ") and kept.strip() == lines
    joined = translate(split_sentences="nonewlines")  # a single newline is a space
    assert joined.count("\n") == 2 and "\n\n" in joined  # the paragraph stays
    assert translate(split_sentences="0") == joined
    blank = client.post("/v2/translate", json={"text": [ID_TEXT, "   "], "target_lang": "EN"})
    assert blank.get_json()["translations"][1] == {
        "detected_source_language": blank.get_json()["translations"][1][
            "detected_source_language"], "text": "", "billed_characters": 0}


class _Failing(EngineWrapper):
    def generate(self, texts: Sequence[str], params: GenerationParams | None = None) -> list[str]:
        raise EngineError("the engine broke")


def test_a_failed_translation_is_not_counted(settings: Settings,
                                             engines: Mapping[str, Engine]) -> None:
    broken = {role: _Failing(e) for role, e in engines.items()}
    client = create_app(settings, engines=broken).test_client()
    resp = client.post("/v2/translate", json={"text": [ID_TEXT], "target_lang": "EN"})
    assert resp.status_code == 500 and set(resp.get_json()) == {"message", "code"}
    assert client.get("/v2/usage").get_json() == {"character_count": 0,
                                                  "character_limit": 1_000_000_000_000}


# --- the key store's quotas and `ringkas keys` ----------------------------------------------


def test_store_charges_refunds_and_resets_monthly(tmp_path: Path) -> None:
    from service.errors import QuotaExceeded

    store = KeyStore(tmp_path / "keys.sqlite3")
    key_id, _ = store.add("cms", char_limit=100)
    period = store.charge(key_id, 70)
    assert period == current_period()
    with pytest.raises(QuotaExceeded) as spent:
        store.charge(key_id, 31)
    assert spent.value.status == 456 and spent.value.details == {"limit": 100, "used": 70}
    assert store.usage(key_id).characters == 70  # a refused charge counts nothing
    store.refund(key_id, 20, period)
    store.refund(key_id, 20, "1999-01")  # another period's refund touches nothing
    assert store.usage(key_id).characters == 50
    # A count from an earlier month starts again from zero.
    with sqlite3.connect(store.path) as conn:
        conn.execute("UPDATE key_usage SET period = '1999-01' WHERE key_id = ?", (key_id,))
    assert store.usage(key_id).characters == 0
    store.charge(key_id, 100)
    assert store.usage(key_id).characters == 100
    record = store.set_char_limit(key_id, None)
    assert record.char_limit is None
    store.charge(key_id, 10_000)  # no quota now
    assert store.usage(key_id).limit is None


def test_a_store_from_before_quotas_is_migrated(tmp_path: Path) -> None:
    db = tmp_path / "old.sqlite3"
    with sqlite3.connect(db) as conn:  # the schema as it was before character quotas
        conn.executescript("""
            CREATE TABLE api_keys (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL,
                prefix TEXT NOT NULL, hash TEXT NOT NULL UNIQUE, created_at TEXT NOT NULL,
                revoked_at TEXT, rate_limit TEXT);
            INSERT INTO api_keys (name, prefix, hash, created_at, rate_limit)
                VALUES ('old', 'rk_abcdefgh', 'deadbeef', '2024-01-01T00:00:00+00:00',
                        '5/minute');
        """)
    store = KeyStore(db)
    old = store.get(1)
    assert (old.name, old.rate_limit, old.char_limit) == ("old", "5/minute", None)
    assert store.set_char_limit(1, 500).char_limit == 500
    store.charge(1, 20)
    assert store.usage(1).characters == 20
    KeyStore(db)  # opening it again changes nothing
    assert store.get(1).char_limit == 500


def test_cli_sets_and_shows_quotas(tmp_path: Path) -> None:
    runner = CliRunner()
    env = {"RINGKAS_KEYS_DB": str(tmp_path / "keys.sqlite3")}
    added = runner.invoke(main, ["keys", "add", "cms", "--char-limit", "500000"], env=env)
    assert added.exit_code == 0, added.output
    assert "500000 characters a month" in added.stderr
    store = KeyStore(tmp_path / "keys.sqlite3")
    record = store.verify(added.stdout.strip())
    assert record is not None and record.char_limit == 500_000
    store.charge(record.id, 1234)
    listed = runner.invoke(main, ["keys", "list"], env=env)
    assert "1234 of 500000" in listed.output
    changed = runner.invoke(main, ["keys", "quota", str(record.id), "off"], env=env)
    assert changed.exit_code == 0 and "no quota" in changed.output
    assert "1234 used" in changed.output and store.get(record.id).char_limit is None
    bad = runner.invoke(main, ["keys", "quota", str(record.id), "lots"], env=env)
    assert bad.exit_code == 2 and "not a number of characters" in bad.output


# --- the document API: DeepL's client against a live ringkas --------------------------------

DOC_LINES = "Pabrik sepatu itu besar.\n\nDesa itu kecil.\n"
PAGE = ('<html><head><title>Berita hari ini</title><script>var x = "jangan";</script></head>'
        '<body><h1>Pabrik sepatu</h1><p class="lead">Desa <b>itu</b> kecil.</p></body></html>')


@pytest.fixture()
def fast_polling(monkeypatch: pytest.MonkeyPatch) -> None:
    # DeepL's client polls a document's status every 5 s; these documents take a moment.
    clock = types.SimpleNamespace(time=time.time, sleep=lambda s: time.sleep(min(s, 0.2)))
    monkeypatch.setattr(deepl.translator, "time", clock)


def check_docx(data: bytes) -> None:
    """Bold, italic and underlined runs where they were, the table with its cells (a nested
    table too), the number kept (the document is tests/test_documents.py's)."""
    doc = docx.Document(io.BytesIO(data))
    runs = doc.paragraphs[0].runs
    assert [(r.bold, r.italic, r.underline) for r in runs] == [
        (None, None, None), (True, None, None), (None, None, None), (None, True, None),
        (None, None, True), (None, None, None)]
    assert runs[1].text.strip() and runs[1].text != "sangat"
    assert runs[3].text.strip() and runs[3].text != "baru" and runs[5].text == "."
    table = doc.tables[0]
    assert (len(table.rows), len(table.columns)) == (2, 2)
    assert table.cell(0, 0).text.strip() and table.cell(0, 0).text != "Harga beras"
    assert table.cell(0, 1).paragraphs[0].runs[0].bold
    assert table.cell(1, 0).text == "1.500"
    assert table.cell(1, 1).tables[0].cell(0, 0).text.strip()


def check_page(html: str) -> None:
    out, src = BeautifulSoup(html, "html.parser"), BeautifulSoup(PAGE, "html.parser")
    assert [t.name for t in out.find_all(True)] == [t.name for t in src.find_all(True)]
    assert out.script is not None and out.script.string == 'var x = "jangan";'
    assert out.p is not None and out.p["class"] == ["lead"]
    assert out.h1 is not None and out.h1.get_text().strip() != "Pabrik sepatu"


@pytest.mark.usefixtures("fast_polling")
def test_translate_document_from_filepath(server: str, tmp_path: Path) -> None:
    translator = _translator(server)
    for name, data in (("berita.txt", DOC_LINES.encode()), ("berita.html", PAGE.encode()),
                       ("berita.docx", article_docx())):
        src, out = tmp_path / name, tmp_path / f"out-{name}"
        src.write_bytes(data)
        status = translator.translate_document_from_filepath(src, out, source_lang="ID",
                                                             target_lang="EN-US")
        assert status.done and status.billed_characters and status.billed_characters > 0
        if name.endswith(".txt"):
            lines = out.read_text(encoding="utf-8").split("\n")
            assert len(lines) == 4 and lines[1] == "" and lines[3] == ""
            assert lines[0].strip() and lines[0] != "Pabrik sepatu itu besar."
        elif name.endswith(".html"):
            check_page(out.read_text(encoding="utf-8"))
        else:
            check_docx(out.read_bytes())


@pytest.mark.usefixtures("fast_polling")
def test_translate_document_with_file_objects_and_detection(server: str,
                                                             tmp_path: Path) -> None:
    translator = _translator(server)
    src = tmp_path / "berita.docx"
    src.write_bytes(article_docx())
    with src.open("rb") as in_file, (tmp_path / "out.docx").open("wb") as out_file:
        status = translator.translate_document(in_file, out_file, target_lang="EN-US")
    assert status.done
    check_docx((tmp_path / "out.docx").read_bytes())
    # A document already in the target language comes back as it was.
    english = io.BytesIO()
    translator.translate_document(EN_TEXT.encode(), english, target_lang="EN-GB",
                                  filename="news.txt")
    assert english.getvalue().decode() == EN_TEXT


@pytest.mark.usefixtures("fast_polling")
def test_upload_status_and_download_separately(server: str) -> None:
    translator = _translator(server)
    handle = translator.translate_document_upload(DOC_LINES.encode(), filename="a.txt",
                                                  source_lang="ID", target_lang="EN-US")
    assert handle.document_id.startswith("doc_") and handle.document_key
    status = translator.translate_document_wait_until_done(handle)
    assert status.done and status.ok
    assert status.billed_characters == len("Pabrik sepatu itu besar.Desa itu kecil.")
    out = io.BytesIO()
    translator.translate_document_download(handle, out)
    assert out.getvalue().decode().count("\n") == 3
    # Downloaded: gone, for its status and for another download.
    with pytest.raises(deepl.DeepLException) as gone:
        translator.translate_document_download(handle, io.BytesIO())
    assert gone.value.http_status_code == 404
    with pytest.raises(deepl.DeepLException) as no_status:
        translator.translate_document_get_status(handle)
    assert no_status.value.http_status_code == 404


def test_document_errors_are_the_clients_exceptions(server: str, tmp_path: Path) -> None:
    translator = _translator(server)
    handle = translator.translate_document_upload(b"Desa itu kecil.", filename="a.txt",
                                                  target_lang="EN-US")
    wrong = deepl.DocumentHandle(handle.document_id, "not-the-key")
    for call in (translator.translate_document_get_status,
                 lambda h: translator.translate_document_download(h, io.BytesIO())):
        with pytest.raises(deepl.DeepLException) as refused:
            call(wrong)
        assert refused.value.http_status_code == 404
    with pytest.raises(deepl.DeepLException) as unsupported:
        translator.translate_document_upload(b"%PDF-1.4", filename="a.pdf",
                                             target_lang="EN-US")
    assert unsupported.value.http_status_code == 400
    (tmp_path / "a.docx").write_bytes(article_docx())
    with pytest.raises(deepl.DeepLException) as converted:  # output_format=pdf
        translator.translate_document_from_filepath(tmp_path / "a.docx", tmp_path / "a.pdf",
                                                    target_lang="EN-US")
    assert converted.value.http_status_code == 400 and not (tmp_path / "a.pdf").exists()
    with pytest.raises(deepl.DeepLException) as glossary:
        translator.translate_document_upload(b"Desa itu.", filename="a.txt", source_lang="ID",
                                             target_lang="EN-US", glossary="g1")
    assert glossary.value.http_status_code == 400
    # The codes, as scripts see them.
    for data, code in (({"target_lang": "EN-US", "output_format": "pdf"},
                        "unsupported_output_format"),
                       ({"target_lang": "EN-US", "source_lang": "ID", "glossary_id": "g1"},
                        "glossary_not_found"),
                       ({"target_lang": "EN-US", "glossary_ids": "g1"}, "unsupported_option"),
                       ({"target_lang": "DE"}, "unsupported_language_pair")):
        resp = requests.post(f"{server}/v2/document", data=data, timeout=60,
                             files={"file": ("a.txt", b"Desa itu.")})
        assert resp.status_code == 400 and resp.json()["code"] == code, resp.json()
    pdf = requests.post(f"{server}/v2/document", data={"target_lang": "EN"}, timeout=60,
                        files={"file": ("a.pdf", b"%PDF-1.4")})
    assert pdf.json()["code"] == "unsupported_file_format"
    missing = requests.post(f"{server}/v2/document/{handle.document_id}", json={}, timeout=60)
    assert missing.status_code == 400 and missing.json()["code"] == "missing_field"
    form = requests.post(f"{server}/v2/document/{handle.document_id}", timeout=60,
                         data={"document_key": handle.document_key})
    assert form.status_code == 200 and form.json()["document_id"] == handle.document_id
    not_multipart = requests.post(f"{server}/v2/document", json={"target_lang": "EN"},
                                  timeout=60)
    assert not_multipart.status_code == 400


def test_a_document_over_the_size_limit_is_413(settings: Settings,
                                               engines: Mapping[str, Engine]) -> None:
    app = create_app(with_limits(settings, max_document_bytes=100), engines=engines)
    with serving(app) as base:
        translator = _translator(base)
        with pytest.raises(deepl.DeepLException) as too_large:
            translator.translate_document_upload(b"Desa itu kecil. " * 10, filename="a.txt",
                                                 target_lang="EN-US")
        assert too_large.value.http_status_code == 413
        assert translator.get_usage().character.count == 0


class _Blocking(EngineWrapper):
    def __init__(self, inner: Engine, release: threading.Event) -> None:
        super().__init__(inner)
        self.release = release

    def generate(self, texts: Sequence[str], params: GenerationParams | None = None) -> list[str]:
        self.release.wait(timeout=60)
        return self.inner.generate(texts, params)


def test_a_document_not_done_is_not_ready(settings: Settings,
                                          engines: Mapping[str, Engine]) -> None:
    release = threading.Event()
    app = create_app(settings, engines={r: _Blocking(e, release) for r, e in engines.items()})
    try:
        with serving(app) as base:
            translator = _translator(base)
            handle = translator.translate_document_upload(b"Desa itu kecil.",
                                                          filename="a.txt",
                                                          target_lang="EN-US")
            assert translator.translate_document_get_status(handle).status.value in (
                "queued", "translating")
            with pytest.raises(deepl.DocumentNotReadyException) as not_ready:
                translator.translate_document_download(handle, io.BytesIO())
            assert not_ready.value.http_status_code == 503
            release.set()
            end = time.monotonic() + 60
            while not translator.translate_document_get_status(handle).done:
                assert time.monotonic() < end
                time.sleep(0.05)
            out = io.BytesIO()
            translator.translate_document_download(handle, out)
            assert out.getvalue().strip()
    finally:
        release.set()


@pytest.mark.usefixtures("fast_polling")
def test_a_failed_document_is_an_error_and_not_counted(settings: Settings,
                                                       engines: Mapping[str, Engine]) -> None:
    broken = {role: _Failing(e) for role, e in engines.items()}
    with serving(create_app(settings, engines=broken)) as base:
        translator = _translator(base)
        with pytest.raises(deepl.DocumentTranslationException) as failed:
            translator.translate_document(b"Desa itu kecil.", io.BytesIO(),
                                          target_lang="EN-US", filename="a.txt")
        handle = failed.value.document_handle
        status = translator.translate_document_get_status(handle)
        assert status.status.value == "error" and status.error_message
        with pytest.raises(deepl.DeepLException) as nothing:
            translator.translate_document_download(handle, io.BytesIO())
        assert nothing.value.http_status_code == 409
        assert translator.get_usage().character.count == 0  # given back


@pytest.mark.usefixtures("fast_polling")
def test_documents_count_against_the_keys_quota(keyed: tuple[str, dict[str, str], Path],
                                                ) -> None:
    base, keys, _ = keyed
    translator = _translator(base, keys["documents"])
    handle = translator.translate_document_upload(b"Desa itu kecil sekali.",
                                                  filename="a.txt", target_lang="EN-US")
    assert translator.get_usage().character.count == 22  # charged at upload
    with pytest.raises(deepl.QuotaExceededException) as spent:
        translator.translate_document_upload(b"Pabrik sepatu itu besar.", filename="b.txt",
                                             target_lang="EN-US")  # 22 + 24 > 40
    assert spent.value.http_status_code == 456
    assert translator.get_usage().character.count == 22
    # Another key does not see it; no key is refused as DeepL refuses one.
    with pytest.raises(deepl.DeepLException) as other:
        _translator(base, keys["desk"]).translate_document_get_status(handle)
    assert other.value.http_status_code == 404
    with pytest.raises(deepl.AuthorizationException):
        _translator(base, "rk_not-a-key").translate_document_get_status(handle)
    assert translator.translate_document_wait_until_done(handle).done
    # LibreTranslate's keyless download URL is for its own uploads: a DeepL document's id
    # and key there find nothing; its owner's key still downloads it.
    url = f"{base}/download_file/{handle.document_id}.{handle.document_key}.a.txt"
    for method in ("HEAD", "GET"):
        assert requests.request(method, url, timeout=30).status_code == 404
    out = io.BytesIO()
    translator.translate_document_download(handle, out)
    assert out.getvalue()


@pytest.mark.usefixtures("fast_polling")
def test_the_document_snippet_in_the_docs_works(server: str, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    page = (REPO / "docs" / "clients.md").read_text(encoding="utf-8")
    section = page.split("### Documents", 1)[1]
    snippet = section.split("```python\n", 1)[1].split("```", 1)[0]
    monkeypatch.chdir(tmp_path)
    exec(compile(snippet.replace("http://127.0.0.1:8000", server), "clients.md", "exec"), {})
    assert capsys.readouterr().out.split() == ["done", "35"]
    assert (tmp_path / "news.txt").read_text(encoding="utf-8").strip()
