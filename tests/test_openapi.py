"""/openapi.json describes every route from the same specs the validation uses; /docs serves
Swagger UI locally; the suite-wide response check (tests/openapi_check.py) catches drift."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path

import pytest
from flask import Flask, jsonify
from openapi_spec_validator import validate
from werkzeug.test import TestResponse

from service.api import create_app
from service.auth.store import KeyStore
from service.config import Limits, Settings
from service.contract import routes
from service.contract.libretranslate import LT_DETECT, LT_SUGGEST, LT_TRANSLATE
from service.contract.requests import SUMMARIZE, TRANSLATE
from service.contract.routes import is_public
from service.contract.spec import SpecContext
from service.engine import Engine
from tests.openapi_check import UndocumentedResponse, check_response

_PARAM = re.compile(r"<(?:[a-z_]+:)?([a-z_]+)>")


@pytest.fixture()
def app(settings: Settings, engines: Mapping[str, Engine]) -> Flask:
    return create_app(settings, engines=engines)


def test_the_document_is_valid_openapi_3_1(app: Flask) -> None:
    doc = app.test_client().get("/openapi.json").get_json()
    assert doc["openapi"] == "3.1.0"
    validate(doc)  # openapi-spec-validator: the document itself is well formed


def test_every_route_is_documented_and_every_documented_route_exists(app: Flask) -> None:
    doc = app.test_client().get("/openapi.json").get_json()
    served = {(_PARAM.sub(r"{\1}", rule.rule), method.lower())
              for rule in app.url_map.iter_rules() if rule.endpoint != "static"
              for method in rule.methods or () if method not in ("HEAD", "OPTIONS")}
    documented = {(path, method) for path, ops in doc["paths"].items() for method in ops}
    assert documented == served


@pytest.mark.parametrize(("path", "spec"), [
    ("/v1/summarize", SUMMARIZE), ("/v1/translate", TRANSLATE), ("/translate", LT_TRANSLATE),
    ("/detect", LT_DETECT), ("/suggest", LT_SUGGEST)])
def test_request_schemas_are_the_validation_specs(settings: Settings,
                                                  engines: Mapping[str, Engine], path: str,
                                                  spec: object) -> None:
    # A configured limit shows in the document: it is the one the validation applies.
    limits = Limits(max_summary_sentences=7)
    app = create_app(settings.changed(limits=limits), engines=engines)
    doc = app.test_client().get("/openapi.json").get_json()
    content = doc["paths"][path]["post"]["requestBody"]["content"]["application/json"]
    name = content["schema"]["$ref"].rsplit("/", 1)[1]
    strategies = app.test_client().get("/v1/models").get_json()["strategies"]
    expected = spec.json_schema(SpecContext(limits, tuple(strategies)))  # type: ignore[attr-defined]
    assert doc["components"]["schemas"][name] == json.loads(json.dumps(expected))
    if path == "/v1/summarize":
        props = doc["components"]["schemas"][name]["properties"]
        assert props["length"]["oneOf"][1]["maximum"] == 7
        assert props["strategy"]["enum"] == strategies
        too_long = app.test_client().post(path, json={"text": "Dia pergi.", "length": 8})
        assert too_long.get_json()["error"]["code"] == "invalid_length"


def test_docs_page_serves_swagger_ui_from_the_package(app: Flask) -> None:
    client = app.test_client()
    page = client.get("/docs/")
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    assert "/openapi.json" in html
    for asset in re.findall(r'(?:src|href)="(/docs/[^"]+)"', html):
        assert client.get(asset).status_code == 200, asset  # no CDN: all served here


def test_docs_and_document_need_no_key(settings: Settings, engines: Mapping[str, Engine],
                                       tmp_path: Path) -> None:
    db = tmp_path / "keys.sqlite3"
    KeyStore(db).add("desk")
    app = create_app(settings.changed(require_api_keys=True, keys_db=str(db)),
                     engines=engines)
    client = app.test_client()
    doc = client.get("/openapi.json")
    assert doc.status_code == 200 and client.get("/docs/").status_code == 200
    assert client.post("/v1/translate", json={"text": "x"}).status_code == 401
    body = doc.get_json()
    assert body["security"] and body["paths"]["/v1/health"]["get"]["security"] == []


def _response(status: int, body: object) -> TestResponse:
    app = Flask("fake")
    with app.test_request_context():
        resp = jsonify(body)
    resp.status_code = status
    return TestResponse(resp.response, resp.status, resp.headers, request=None)  # type: ignore[arg-type]


@pytest.mark.parametrize(("method", "path", "status", "body"), [
    ("GET", "/v1/health", 200, {"status": "sleepy", "version": "1"}),  # not the const
    ("POST", "/v1/translate", 200, {"translation": 3, "models": [], "timings_ms": {},
                                    "warnings": []}),
    ("POST", "/v1/translate", 422, {"error": {"message": "no code"}}),
    ("POST", "/translate", 400, {"error": {"code": "x", "message": "not LT's shape"}}),
])
def test_the_suite_wide_check_catches_a_body_that_breaks_its_schema(
        app: Flask, method: str, path: str, status: int, body: object) -> None:
    with pytest.raises(UndocumentedResponse):
        check_response(app, method, path, _response(status, body))


def test_the_suite_wide_check_catches_an_undocumented_route(app: Flask) -> None:
    app.add_url_rule("/v1/secret", "secret", lambda: {"ok": True})
    with pytest.raises(UndocumentedResponse, match=r"not in /openapi\.json"):
        app.test_client().get("/v1/secret")


def test_job_routes_list_their_404_and_409(app: Flask) -> None:
    doc = app.test_client().get("/openapi.json").get_json()
    job = doc["paths"]["/v1/jobs/{job_id}"]
    assert "404" in job["get"]["responses"] and "404" in job["delete"]["responses"]
    assert "409" in job["delete"]["responses"]


def test_the_route_table_says_which_paths_are_public() -> None:
    # The middleware's check and the document's "security: []" read the same declaration.
    for route in routes.ROUTES:
        assert is_public(route.path) == route.public, route.path
    for path in ("/docs", "/docs/swagger-ui.css", "/web/app.js", "/", "/metrics"):
        assert is_public(path), path
    for path in ("/v1/summarize", "/v1/jobs", "/v1/jobs/x", "/translate", "/v1/models",
                 "/webx", "/openapi.json/x"):
        assert not is_public(path), path
    assert {"/translate", "/detect", "/suggest", "/translate_file"} == routes.BODY_KEY_PATHS
    assert is_public("/frontend/settings")  # LibreTranslate's page reads it before a key
    assert is_public("/languages")  # ... and its clients list languages before they send one
    # A templated public route matches one path segment for each parameter, no more.
    assert is_public("/download_file/doc_1.key.txt")
    assert not is_public("/download_file/a/b") and not is_public("/download_file/")
