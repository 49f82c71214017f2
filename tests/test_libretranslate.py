"""LibreTranslate-compatible endpoints: the real libretranslatepy client against a live
`ringkas serve`, and the request shapes LibreTranslate tools send (JSON and form-encoded, q as
a string or a list, format html, api_key in the body)."""

from __future__ import annotations

import ast
from collections.abc import Mapping
from pathlib import Path
from urllib.error import HTTPError

import pytest
import requests
from bs4 import BeautifulSoup
from flask.testing import FlaskClient
from libretranslatepy import LibreTranslateAPI

from service.api import create_app
from service.auth.store import KeyStore
from service.config import Settings
from service.engine import Engine
from tests.conftest import REPO, KeyedServer

ID_TEXT = "Pabrik sepatu itu mempekerjakan dua ratus orang dari desa sekitar Bogor."
EN_TEXT = "The shoe factory employs two hundred people from villages around Bogor."


@pytest.fixture()
def client(settings: Settings, engines: Mapping[str, Engine]) -> FlaskClient:
    return create_app(settings, engines=engines).test_client()


def test_libretranslatepy_round_trip(server: str) -> None:
    lt = LibreTranslateAPI(server)
    english = lt.translate(ID_TEXT, "id", "en")
    assert isinstance(english, str) and english.strip()
    indonesian = lt.translate(EN_TEXT, "en", "id")
    assert isinstance(indonesian, str) and indonesian.strip()
    languages = lt.languages()
    assert {(x["code"], tuple(x["targets"])) for x in languages} == {("id", ("en",)),
                                                                      ("en", ("id",))}
    assert lt.detect(ID_TEXT)[0]["language"] == "id"
    assert lt.detect(EN_TEXT)[0]["language"] == "en"
    # libretranslatepy sends one q; LibreTranslate's list form is JSON (or a repeated field).
    listed = requests.post(f"{server}/translate", json={"q": [ID_TEXT, "Desa itu kecil."],
                                                        "source": "id", "target": "en"},
                           timeout=120).json()
    assert isinstance(listed["translatedText"], list) and len(listed["translatedText"]) == 2
    assert listed["translatedText"][0] == english  # the same text translates the same


def test_libretranslatepy_sees_errors_as_http_errors(server: str) -> None:
    with pytest.raises(HTTPError) as info:
        LibreTranslateAPI(server).translate(ID_TEXT, "id", "fr")
    assert info.value.code == 400


def test_form_with_repeated_q_is_a_list(client: FlaskClient) -> None:
    resp = client.post("/translate", data={"q": [ID_TEXT, "Desa itu kecil."], "source": "id",
                                           "target": "en"})
    assert resp.status_code == 200
    assert len(resp.get_json()["translatedText"]) == 2


def test_auto_source_detects_and_passes_text_already_in_the_target(client: FlaskClient) -> None:
    resp = client.post("/translate", json={"q": [ID_TEXT, EN_TEXT], "source": "auto",
                                           "target": "en"}).get_json()
    assert [d["language"] for d in resp["detectedLanguage"]] == ["id", "en"]
    assert all(0 <= d["confidence"] <= 100 for d in resp["detectedLanguage"])
    assert resp["translatedText"][1] == EN_TEXT  # already English: returned as it was
    assert resp["translatedText"][0] != ID_TEXT
    single = client.post("/translate", data={"q": ID_TEXT, "target": "en"}).get_json()
    assert single["detectedLanguage"]["language"] == "id"  # source defaults to auto


def test_html_format_keeps_the_markup(client: FlaskClient) -> None:
    html = ('<p class="lead">Pabrik <b>sepatu</b> itu besar.</p>'
            '<script>var x = "jangan diterjemahkan";</script><p>Desa itu kecil.</p>')
    resp = client.post("/translate", json={"q": html, "source": "id", "target": "en",
                                           "format": "html"})
    assert resp.status_code == 200
    out = BeautifulSoup(resp.get_json()["translatedText"], "html.parser")
    src = BeautifulSoup(html, "html.parser")
    assert [t.name for t in out.find_all(True)] == [t.name for t in src.find_all(True)]
    assert out.p is not None and out.p["class"] == ["lead"]
    assert out.script is not None and out.script.string == 'var x = "jangan diterjemahkan";'
    assert out.b is not None and out.b.get_text().strip() and out.b.get_text() != "sepatu"


def test_alternatives_are_other_translations(client: FlaskClient) -> None:
    """They were always [] before; tests/test_alternatives.py checks they are the model's
    own n best on both backends."""
    body = client.post("/translate", data={"q": ID_TEXT, "source": "id", "target": "en",
                                           "alternatives": "3"}).get_json()
    assert 1 <= len(body["alternatives"]) <= 3
    assert body["translatedText"] not in body["alternatives"]


@pytest.mark.parametrize(("body", "code"), [
    ({"source": "id", "target": "en"}, "missing_field"),
    ({"q": ID_TEXT, "source": "id", "target": "fr"}, "unsupported_language_pair"),
    ({"q": ID_TEXT, "source": "en", "target": "en"}, "unsupported_language_pair"),
    ({"q": ID_TEXT, "source": "id"}, "missing_field"),
    ({"q": ID_TEXT, "source": "id", "target": "en", "format": "pdf"}, "invalid_format"),
    ({"q": ID_TEXT, "source": "id", "target": "en", "alternatives": 9},
     "invalid_alternatives"),
    ({"q": [], "target": "en"}, "invalid_type"),
    # a field it knows is checked even beside ones it ignores
    ({"q": ID_TEXT, "target": "en", "format": "pdf", "secret": "x"}, "invalid_format"),
])
def test_bad_requests_answer_in_libretranslates_shape(client: FlaskClient, body: dict[str, object],
                                                     code: str) -> None:
    resp = client.post("/translate", json=body)
    assert resp.status_code == 400
    assert set(resp.get_json()) == {"error", "code"} and resp.get_json()["code"] == code
    assert isinstance(resp.get_json()["error"], str)


@pytest.mark.parametrize("path", ["/translate", "/detect"])
def test_fields_it_does_not_know_are_ignored_as_libretranslate_ignores_them(
        client: FlaskClient, path: str) -> None:
    """LibreTranslate reads the fields it knows; clients send their own (secret, a typo)."""
    body = {"q": ID_TEXT, "source": "id", "target": "en", "secret": "s3cret", "lenght": 1,
            "options": {"nested": True}}
    for sent in (client.post(path, json=body), client.post(path, data={**body,
                                                                        "options": "x"})):
        assert sent.status_code == 200, sent.get_json()
    assert client.post(path, json={"q": ID_TEXT, "source": "id", "target": "en"}).get_json() \
        == client.post(path, json=body).get_json()


def test_api_key_in_the_body(settings: Settings, engines: Mapping[str, Engine],
                             tmp_path: Path) -> None:
    db = tmp_path / "keys.sqlite3"
    _, key = KeyStore(db).add("desk")
    client = create_app(settings.changed(require_api_keys=True, keys_db=str(db)),
                        engines=engines).test_client()
    form = {"q": ID_TEXT, "source": "id", "target": "en"}
    assert client.post("/translate", data={**form, "api_key": key}).status_code == 200
    assert client.post("/translate", json={**form, "api_key": key}).status_code == 200
    assert client.post("/detect", data={"q": ID_TEXT, "api_key": key}).status_code == 200
    # LibreTranslate's npm client names it apiKey
    assert client.post("/translate", json={**form, "apiKey": key}).status_code == 200
    assert client.post("/translate", data={**form, "apiKey": key}).status_code == 200
    assert client.post("/translate", json={**form, "apiKey": "nope"}).status_code == 403
    # Every key field is judged: a valid api_key beside a made-up apiKey is two credentials.
    for body in ({**form, "api_key": key, "apiKey": "bogus"},
                 {**form, "apiKey": key, "api_key": "bogus"}):
        assert client.post("/translate", json=body).status_code == 403
        assert client.post("/translate", data=body).status_code == 403
    assert client.post("/translate", json={**form, "api_key": key, "apiKey": key}
                       ).status_code == 200
    refused = client.post("/translate", data={**form, "api_key": "nope"})
    assert refused.status_code == 403 and refused.get_json()["code"] == "invalid_api_key"
    assert client.post("/translate", data=form).get_json()["code"] == "missing_api_key"
    # The key in the body is for LibreTranslate's routes only.
    native = client.post("/v1/translate", json={"text": ID_TEXT, "api_key": key})
    assert native.status_code == 401


def test_limits_keep_libretranslates_400_and_only_the_body_limit_is_413(
        client: FlaskClient) -> None:
    from service.config import Limits

    limits = Limits()
    over_chars = "a" * (limits.max_text_chars + 1)
    resp = client.post("/translate", json={"q": over_chars, "source": "id", "target": "en"})
    assert resp.status_code == 400  # LibreTranslate's answer to a text over its limit
    assert resp.get_json()["code"] != "request_too_large"
    # A form field far larger than werkzeug's default 500 kB form limit, in a body under
    # ringkas's byte limit: judged by the character limit, not refused as an oversize body.
    form = {"q": "a" * 600_000, "source": "id", "target": "en"}
    resp = client.post("/translate", data=form)
    assert resp.status_code == 400 and resp.get_json()["code"] != "request_too_large"
    huge = client.post("/translate", data={"q": "a" * (limits.max_request_bytes + 10)})
    assert huge.status_code == 413 and huge.get_json()["code"] == "request_too_large"


def test_parameters_in_the_query_string_of_a_post(settings: Settings,
                                                  engines: Mapping[str, Engine],
                                                  tmp_path: Path) -> None:
    """As LibreTranslate reads them (request.values): a client that sends everything in
    the query string of a POST got 400 missing_field (q is required) before."""
    from urllib.parse import urlencode

    client = create_app(settings, engines=engines).test_client()
    query = urlencode({"q": ID_TEXT, "source": "id", "target": "en"})
    resp = client.post(f"/translate?{query}")
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["translatedText"]
    # Query and form together; a JSON body is read alone, as LibreTranslate does.
    mixed = client.post("/translate?source=id&target=en", data={"q": ID_TEXT})
    assert mixed.status_code == 200 and mixed.get_json()["translatedText"]
    assert client.post(f"/detect?{urlencode({'q': ID_TEXT})}").status_code == 200
    db = tmp_path / "keys.sqlite3"
    _, key = KeyStore(db).add("desk")
    keyed = create_app(settings.changed(require_api_keys=True, keys_db=str(db)),
                       engines=engines).test_client()
    assert keyed.post(f"/translate?{query}&api_key={key}").status_code == 200
    assert keyed.post(f"/translate?{query}").get_json()["code"] == "missing_api_key"


# --- deep-translator's LibreTranslator: a client that sends everything in the query string --


def test_deep_translator_round_trip(server: str) -> None:
    """deep-translator POSTs with ``params=`` (the query string, no body) and insists on a
    key even where none is needed."""
    from deep_translator import LibreTranslator

    english = LibreTranslator(source="id", target="en", api_key="unused",
                              custom_url=f"{server}/").translate(ID_TEXT)
    assert english == LibreTranslateAPI(server).translate(ID_TEXT, "id", "en")
    to_id = LibreTranslator(source="English", target="Indonesian", api_key="unused",
                            custom_url=f"{server}/")
    assert to_id.translate_batch([EN_TEXT, "The village is small."]) == [
        LibreTranslateAPI(server).translate(t, "en", "id")
        for t in (EN_TEXT, "The village is small.")]
    auto = LibreTranslator(source="auto", target="en", api_key="unused",
                           custom_url=f"{server}/")
    assert auto.translate(EN_TEXT) == EN_TEXT  # already English: returned as it was


@pytest.mark.parametrize("client", ["libretranslatepy", "deep_translator"])
def test_the_snippets_in_the_docs_work(server: str, client: str,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    page = (REPO / "docs" / "clients.md").read_text(encoding="utf-8")
    section = page.split("## LibreTranslate", 1)[1].split("\n## ", 1)[0]
    snippet = next(block.split("```", 1)[0] for block in section.split("```python\n")[1:]
                   if f"from {client} import" in block)
    assert "http://127.0.0.1:8000" in snippet
    exec(compile(snippet.replace("http://127.0.0.1:8000", server), "clients.md", "exec"), {})
    printed = capsys.readouterr().out.splitlines()
    assert len(printed) == 2 and printed[0].strip()
    if client == "libretranslatepy":
        assert printed[1] == "id"
    else:
        batch = ast.literal_eval(printed[1])
        assert isinstance(batch, list) and len(batch) == 2


def test_deep_translator_sees_ringkas_errors_as_its_exceptions(server: str) -> None:
    from deep_translator import LibreTranslator
    from deep_translator.exceptions import ServerException

    french = LibreTranslator(source="id", target="fr", api_key="unused",
                             custom_url=f"{server}/")
    with pytest.raises(ServerException) as info:
        french.translate(ID_TEXT)
    assert "400" in str(info.value) or "BAD_REQUEST" in str(info.value)


@pytest.fixture(scope="module")
def editor(keyed_server: KeyedServer) -> tuple[str, str, int, Path]:
    """The live server with API keys required and suggestions on, and an editor's key of
    this module's own: (url, key, its id, the data dir)."""
    key_id, key = keyed_server.add_key("LibreTranslate editor")
    return keyed_server.base, key, key_id, keyed_server.data_dir


def test_keyless_routes_stay_keyless_with_keys_on(editor: tuple[str, str, int, Path]) -> None:
    """LibreTranslate serves its language list, its settings and a translated file's URL
    without a key; its clients list languages before they have one."""
    base, key, _, _ = editor
    expected = [{"code": "en", "name": "English", "targets": ["id"]},
                {"code": "id", "name": "Indonesian", "targets": ["en"]}]
    listed = LibreTranslateAPI(base).languages()  # libretranslatepy, no key
    assert sorted(listed, key=lambda lang: lang["code"]) == expected
    assert requests.post(f"{base}/languages", timeout=30).status_code == 200
    assert requests.get(f"{base}/frontend/settings", timeout=30).status_code == 200
    sent = requests.post(f"{base}/translate_file", files={"file": ("a.txt", b"Desa itu kecil.")},
                         data={"source": "id", "target": "en", "api_key": key}, timeout=120)
    assert sent.status_code == 200, sent.text
    url = sent.json()["translatedFileUrl"]
    assert requests.get(url, timeout=30).status_code == 200  # a plain GET, as clients make
    assert requests.get(url, timeout=30).status_code == 404  # once
    # The routes that translate still want the key.
    assert requests.post(f"{base}/translate", data={"q": "Desa.", "source": "id",
                                                    "target": "en"}, timeout=30).status_code == 403


def test_deep_translator_with_keys(editor: tuple[str, str, int, Path]) -> None:
    from deep_translator import LibreTranslator
    from deep_translator.exceptions import AuthorizationException

    base, key, _, _ = editor
    good = LibreTranslator(source="id", target="en", api_key=key, custom_url=f"{base}/")
    assert good.translate(ID_TEXT) == LibreTranslateAPI(base, key).translate(ID_TEXT, "id",
                                                                             "en")
    wrong = LibreTranslator(source="id", target="en", api_key="rk_not-a-key",
                            custom_url=f"{base}/")
    with pytest.raises(AuthorizationException):
        wrong.translate(ID_TEXT)  # 403, as LibreTranslate answers a refused key


def test_libretranslate_web_page_flow_against_a_live_server(
        editor: tuple[str, str, int, Path]) -> None:
    """What LibreTranslate's own web page does: read /frontend/settings without a key, then
    translate and send a suggestion (a multipart form) with one; the suggestion is kept
    under that key and comes back out of `ringkas suggestions export`."""
    from click.testing import CliRunner

    from service.cli import main

    base, key, key_id, data_dir = editor
    settings = requests.get(f"{base}/frontend/settings", timeout=30)
    assert settings.status_code == 200
    body = settings.json()
    assert body["keyRequired"] is True and body["apiKeys"] is True
    assert body["suggestions"] is True and body["filesTranslation"] is True
    assert body["language"]["target"] == {"code": "en", "name": "English"}
    form = {"q": (None, "Desa itu kecil."), "s": (None, "The village is small."),
            "source": (None, "id"), "target": (None, "en"), "api_key": (None, key)}
    sent = requests.post(f"{base}/suggest", files=form, timeout=30)
    assert sent.status_code == 200 and sent.json() == {"success": True}
    refused = requests.post(f"{base}/suggest", data={"q": "a", "s": "b", "source": "id",
                                                     "target": "en"}, timeout=30)
    assert refused.status_code == 403 and refused.json()["code"] == "missing_api_key"
    out = CliRunner().invoke(main, ["suggestions", "export", "--data-dir", str(data_dir),
                                    "--pair", "id-en", "--key", str(key_id)])
    assert out.exit_code == 0, out.output
    assert "Desa itu kecil.\tThe village is small.\n" in out.output


def test_routing_refusals_on_its_paths_answer_in_libretranslates_shape(
        client: FlaskClient) -> None:
    """A 405 or 404 the router gives before the blueprint runs is LibreTranslate's too."""
    for method, path, status in (("GET", "/translate", 405), ("PUT", "/detect", 405),
                                 ("DELETE", "/languages", 405),
                                 ("GET", "/download_file/unknown.txt", 404)):
        resp = client.open(path, method=method)
        assert resp.status_code == status, path
        body = resp.get_json()
        assert isinstance(body["error"], str) and body["error"], (path, body)
