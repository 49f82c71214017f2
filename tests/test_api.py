"""The HTTP API end to end: every route, every error code, readiness and privacy of logs.

The app runs on the session's tiny random-weight models. Full abstractive summaries of the
seed article are slow even on tiny models, so only a couple of tests run one; route logic is
checked with short texts or the extractive strategy.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from service.api import create_app
from service.config import Settings
from service.engine import Engine
from service.errors import MissingModel, ModelsUnavailable
from service.models import ROLES
from service.text.clean import clean_article
from service.text.segment import split_sentences
from tests.conftest import with_limits

SHORT_ID = "Menteri itu meresmikan pabrik baru di Bogor. Pabrik itu mempekerjakan 200 orang."
RESPONSE_KEYS = {"summary", "strategy", "length", "models", "prompt", "fidelity", "timings_ms",
                 "warnings", "translation_memory", "reused"}
BOILERPLATE_ONLY = "Baca juga: x\n\nCopyright © ANTARA 2026"
# Distinctive phrases of the seed article's body: none may ever reach a log.
SEED_PHRASES = (
    "Agus Gumiwang Kartasasmita",
    "Rp18 triliun",
    "sentra IKM alas kaki di Ciomas",
    "tantangan struktural yang memerlukan intervensi kebijakan",
    "Balai Pengembangan Industri Persepatuan Indonesia",
    "14 perajin perwakilan",
)


@pytest.fixture()
def app(settings: Settings, engines: Mapping[str, Engine]) -> Flask:
    return create_app(settings, engines=engines)


@pytest.fixture()
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def error_code(resp: Any) -> str:
    body = resp.get_json()
    assert isinstance(body, dict) and set(body) == {"error"}, body
    err = body["error"]
    assert {"code", "message", "request_id"} <= set(err), err
    assert isinstance(err["message"], str) and err["message"]
    code: str = err["code"]
    return code


def model_roles(body: Mapping[str, Any]) -> list[str]:
    return [m["role"] for m in body["models"]]


def warning_codes(body: Mapping[str, Any]) -> set[str]:
    return {w["code"] for w in body["warnings"]}


# --- routes -----------------------------------------------------------------------------


def test_health(client: FlaskClient) -> None:
    resp = client.get("/v1/health")
    assert resp.status_code == 200
    assert resp.get_json()["status"] == "ok"


def test_ready_with_injected_engines(client: FlaskClient) -> None:
    resp = client.get("/v1/ready")
    assert resp.status_code == 200
    assert resp.get_json()["status"] == "ready"


def test_models(client: FlaskClient, tiny_dir: Path) -> None:
    resp = client.get("/v1/models")
    assert resp.status_code == 200
    body = resp.get_json()
    assert body["ready"] is True
    assert [r["role"] for r in body["models"]] == list(ROLES)
    for entry in body["models"]:
        assert entry["configured"]["id"] == str(tiny_dir / entry["role"])
        loaded = entry["loaded"]
        assert loaded["role"] == entry["role"]
        assert loaded["random_weights"] is True
        assert {"id", "revision", "backend", "architecture"} <= set(loaded)
    assert "translate-summarise" in body["strategies"]
    assert "extractive" in body["strategies"]


def test_summarize_seed_en_and_id(client: FlaskClient, seed_text: str) -> None:
    resp = client.post("/v1/summarize", json={"text": seed_text, "languages": ["en", "id"]})
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert set(body) == RESPONSE_KEYS
    assert set(body["summary"]) == {"en", "id"}
    assert all(isinstance(s, str) and s.strip() for s in body["summary"].values())
    assert body["strategy"] == "translate-summarise"
    assert body["length"] == "medium"
    # The Indonesian side is back-translated from the English summary.
    assert model_roles(body) == ["translate_id_en", "summarize", "translate_en_id"]
    for m in body["models"]:
        assert {"role", "id", "revision", "backend"} <= set(m)
    assert "random_weights" in warning_codes(body)
    assert body["timings_ms"]["total"] > 0


@pytest.mark.parametrize("length", [1, 3])
def test_summarize_extractive_id_is_article_sentences(client: FlaskClient, seed_text: str,
                                                      length: int) -> None:
    resp = client.post("/v1/summarize", json={
        "text": seed_text, "strategy": "extractive", "languages": ["id"], "length": length})
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert set(body) == RESPONSE_KEYS
    assert set(body["summary"]) == {"id"}
    assert body["strategy"] == "extractive"
    assert body["length"] == length
    assert model_roles(body) == ["translate_id_en"]
    picked = split_sentences(body["summary"]["id"], "id")
    assert len(picked) == length
    article = " ".join(clean_article(seed_text).body.split())
    for sentence in picked:
        assert sentence in article


def test_summarize_with_attribution(client: FlaskClient, seed_text: str) -> None:
    resp = client.post("/v1/summarize", json={
        "text": seed_text, "strategy": "extractive", "length": 2, "attribution": True})
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert set(body) == RESPONSE_KEYS | {"attribution"}
    sentences = [s for p in clean_article(seed_text).paragraphs
                 for s in split_sentences(p, "id")]
    assert body["attribution"]["source_sentences"] == sentences
    attributed = body["attribution"]["summary_sentences"]
    assert attributed and all(set(s) == {"text", "sources", "supported"} for s in attributed)
    assert all(0 <= link["index"] < len(sentences) for s in attributed for link in s["sources"])
    unsupported = sum(not s["supported"] for s in attributed)
    assert sum(w["code"] == "unsupported_sentence" for w in body["warnings"]) == unsupported
    bad = client.post("/v1/summarize", json={"text": seed_text, "attribution": "yes"})
    assert bad.status_code == 422 and error_code(bad) == "invalid_type"


def test_summarize_short_text_default_language(client: FlaskClient) -> None:
    resp = client.post("/v1/summarize", json={"text": SHORT_ID, "length": 1})
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert set(body) == RESPONSE_KEYS
    assert set(body["summary"]) == {"en"}
    assert model_roles(body) == ["translate_id_en", "summarize"]


def test_translate_string_in_string_out(client: FlaskClient) -> None:
    resp = client.post("/v1/translate", json={"text": SHORT_ID})
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert isinstance(body["translation"], str) and body["translation"].strip()
    assert model_roles(body) == ["translate_id_en"]
    assert "random_weights" in warning_codes(body)
    assert "total" in body["timings_ms"]


def test_translate_list_in_list_out(client: FlaskClient) -> None:
    texts = ["Dia pergi ke pasar.", "Harga beras naik.\n\nPemerintah menambah stok.", "Ya."]
    resp = client.post("/v1/translate", json={"text": texts, "source": "id", "target": "en"})
    assert resp.status_code == 200, resp.get_json()
    out = resp.get_json()["translation"]
    assert isinstance(out, list) and len(out) == len(texts)
    assert all(isinstance(t, str) for t in out)


def test_translate_en_to_id_uses_en_id_model(client: FlaskClient) -> None:
    resp = client.post("/v1/translate", json={"text": "The minister opened a factory.",
                                              "source": "en", "target": "id"})
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert isinstance(body["translation"], str)
    assert model_roles(body) == ["translate_en_id"]


# --- errors -----------------------------------------------------------------------------

S, T = "/v1/summarize", "/v1/translate"

INVALID_FIELDS: list[tuple[str, dict[str, Any], str]] = [
    (S, {}, "missing_field"),
    (S, {"title": "Judul"}, "missing_field"),
    (T, {"source": "id"}, "missing_field"),
    (S, {"text": ""}, "empty_text"),
    (S, {"text": "  \n\t "}, "empty_text"),
    (T, {"text": ""}, "empty_text"),
    (T, {"text": ["Dia pergi.", ""]}, "empty_text"),
    (T, {"text": ["Dia pergi.", "   "]}, "empty_text"),
    (S, {"text": SHORT_ID, "lenght": 3}, "unknown_field"),
    (T, {"text": SHORT_ID, "from": "id"}, "unknown_field"),
    (S, {"text": 42}, "invalid_type"),
    (S, {"text": ["Dia pergi."]}, "invalid_type"),
    (S, {"text": SHORT_ID, "html": "yes"}, "invalid_type"),
    (S, {"text": SHORT_ID, "title": 7}, "invalid_type"),
    (S, {"text": SHORT_ID, "languages": "en"}, "invalid_type"),
    (S, {"text": SHORT_ID, "languages": []}, "invalid_type"),
    (S, {"text": SHORT_ID, "languages": [1]}, "invalid_type"),
    (T, {"text": 42}, "invalid_type"),
    (T, {"text": []}, "invalid_type"),
    (T, {"text": ["Dia pergi.", 3]}, "invalid_type"),
    (T, {"text": SHORT_ID, "source": "id", "target": "fr"}, "unsupported_language_pair"),
    (T, {"text": SHORT_ID, "source": "fr", "target": "en"}, "unsupported_language_pair"),
    (T, {"text": SHORT_ID, "source": "en", "target": "en"}, "unsupported_language_pair"),
    (T, {"text": SHORT_ID, "source": "en"}, "unsupported_language_pair"),  # en -> default en
    (S, {"text": SHORT_ID, "length": "tiny"}, "invalid_length"),
    (S, {"text": SHORT_ID, "length": 0}, "invalid_length"),
    (S, {"text": SHORT_ID, "length": 21}, "invalid_length"),
    (S, {"text": SHORT_ID, "length": -1}, "invalid_length"),
    (S, {"text": SHORT_ID, "length": True}, "invalid_length"),
    (S, {"text": SHORT_ID, "length": 2.5}, "invalid_length"),
    (S, {"text": SHORT_ID, "length": "3"}, "invalid_length"),
    (S, {"text": SHORT_ID, "length": None}, "invalid_length"),
    (S, {"text": SHORT_ID, "languages": ["fr"]}, "unsupported_language"),
    (S, {"text": SHORT_ID, "languages": ["en", "ms"]}, "unsupported_language"),
    (S, {"text": SHORT_ID, "strategy": "magic"}, "unknown_strategy"),
    (S, {"text": SHORT_ID, "strategy": 1}, "unknown_strategy"),
    (S, {"text": BOILERPLATE_ONLY}, "empty_after_cleaning"),
    (S, {"text": "<p>Baca juga: x</p>", "html": True}, "empty_after_cleaning"),
]


@pytest.mark.parametrize(("path", "body", "code"), INVALID_FIELDS)
def test_invalid_fields_422(client: FlaskClient, path: str, body: dict[str, Any],
                            code: str) -> None:
    resp = client.post(path, json=body)
    assert resp.status_code == 422
    assert error_code(resp) == code
    assert "field" in resp.get_json()["error"]["details"]


@pytest.mark.parametrize("path", [S, T])
@pytest.mark.parametrize(("data", "content_type", "status", "code"), [
    (b'{"text": ', "application/json", 400, "malformed_json"),
    (b"", "application/json", 400, "malformed_json"),
    (b"{'text': 'x'}", "application/json", 400, "malformed_json"),
    (b'{"text": "caf\xe9"}', "application/json", 400, "invalid_encoding"),
    (b'{"text": "\xff\xfe"}', "application/json; charset=utf-8", 400, "invalid_encoding"),
    (b'["Dia pergi."]', "application/json", 400, "not_an_object"),
    (b'"Dia pergi."', "application/json", 400, "not_an_object"),
    (b"null", "application/json", 400, "not_an_object"),
    (b"[" * 100_000, "application/json", 400, "malformed_json"),  # nested past the stack
    (b'{"text": "Dia pergi."}', "text/plain", 415, "unsupported_media_type"),
    (b'{"text": "Dia pergi."}', "application/x-www-form-urlencoded", 415,
     "unsupported_media_type"),
    (b'{"text": "Dia pergi."}', None, 415, "unsupported_media_type"),
])
def test_malformed_bodies(client: FlaskClient, path: str, data: bytes, content_type: str | None,
                          status: int, code: str) -> None:
    resp = client.post(path, data=data, content_type=content_type)
    assert resp.status_code == status
    assert error_code(resp) == code


@pytest.mark.parametrize("path", [S, T])
def test_request_too_large_413(settings: Settings, engines: Mapping[str, Engine],
                               path: str) -> None:
    client = create_app(with_limits(settings, max_request_bytes=200),
                        engines=engines).test_client()
    ok = client.post(path, json={"text": "", "strange": "x" * 100})
    assert ok.status_code == 422  # under the limit: parsed
    resp = client.post(path, json={"text": "Dia pergi. " * 30})
    assert resp.status_code == 413
    assert error_code(resp) == "request_too_large"


@pytest.mark.parametrize(("path", "body", "code"), [
    (S, {"text": "a" * 51}, "text_too_long"),
    (T, {"text": "a" * 51}, "text_too_long"),
    (T, {"text": ["a" * 51]}, "text_too_long"),
    (T, {"text": ["a" * 30, "b" * 30]}, "text_too_long"),  # the total counts
    (T, {"text": ["a", "b", "c", "d"]}, "too_many_texts"),
])
def test_payload_limits_413(settings: Settings, engines: Mapping[str, Engine], path: str,
                            body: dict[str, Any], code: str) -> None:
    client = create_app(with_limits(settings, max_text_chars=50, max_texts=3),
                        engines=engines).test_client()
    resp = client.post(path, json=body)
    assert resp.status_code == 413
    assert error_code(resp) == code
    assert resp.get_json()["error"]["details"]["limit"] in (50, 3)


@pytest.mark.parametrize("body", [
    {"text": "Dia pergi.", "source": ["id"]},
    {"text": "Dia pergi.", "target": {"lang": "en"}},
])
def test_translate_unhashable_language_is_422(client: FlaskClient,
                                              body: dict[str, Any]) -> None:
    resp = client.post(T, json=body)
    assert resp.status_code == 422
    assert error_code(resp) in {"invalid_type", "unsupported_language_pair"}


@pytest.mark.parametrize(("path", "data"), [
    (S, b'{"text": "Dia pergi.\\ud800 Ke pasar.", "strategy": "extractive"}'),
    (T, b'{"text": "Dia pergi.\\ud800"}'),
])
def test_lone_surrogate_is_a_client_error(client: FlaskClient, path: str, data: bytes) -> None:
    resp = client.post(path, data=data, content_type="application/json")
    assert 400 <= resp.status_code < 500
    assert error_code(resp) != "internal_error"


@pytest.mark.parametrize(("method", "path", "status", "code"), [
    ("GET", "/v1/nope", 404, "not_found"),
    ("GET", "/web/nope.js", 404, "not_found"),  # GET / is the web page (test_web.py)
    ("POST", "/", 405, "method_not_allowed"),
    ("GET", "/v1/summarize", 405, "method_not_allowed"),
    ("GET", "/v1/translate", 405, "method_not_allowed"),
    ("POST", "/v1/health", 405, "method_not_allowed"),
    ("DELETE", "/v1/models", 405, "method_not_allowed"),
])
def test_routing_errors_are_json(client: FlaskClient, method: str, path: str, status: int,
                                 code: str) -> None:
    resp = client.open(path, method=method)
    assert resp.status_code == status
    assert resp.is_json
    assert error_code(resp) == code


def test_log_lines_cannot_be_forged(client: FlaskClient, caplog: pytest.LogCaptureFixture,
                                    ) -> None:
    import logging

    with caplog.at_level(logging.INFO, logger="service.access"):
        client.get("/v1/x%0a2026-11-28 INFO service.access: request_id=forged status=200",
                   headers={"X-Request-ID": "evil request_id=forged"})
    lines = [r.getMessage() for r in caplog.records if r.name == "service.access"]
    assert len(lines) == 1 and "\n" not in lines[0]
    assert "request_id=evil" not in lines[0]


def test_a_path_cannot_add_fields_to_its_log_line(client: FlaskClient,
                                                  caplog: pytest.LogCaptureFixture) -> None:
    import logging

    with caplog.at_level(logging.INFO, logger="service.access"):
        client.get("/v1/x status=200 code=- key=admin")
    [line] = [r.getMessage() for r in caplog.records if r.name == "service.access"]
    fields = dict(part.split("=", 1) for part in line.split(" "))
    assert fields["status"] == "404" and fields["key"] == "-"
    assert line.count("status=") == 1 and "key=admin" not in line


def test_request_id_echoed_in_header_and_error_body(client: FlaskClient) -> None:
    resp = client.post(S, json={"text": ""}, headers={"X-Request-ID": "req-abc-123"})
    assert resp.status_code == 422
    assert resp.headers["X-Request-ID"] == "req-abc-123"
    assert resp.get_json()["error"]["request_id"] == "req-abc-123"
    ok = client.get("/v1/health", headers={"X-Request-ID": "req-ok"})
    assert ok.headers["X-Request-ID"] == "req-ok"


def test_request_id_generated_when_absent(client: FlaskClient) -> None:
    resp = client.get("/v1/nope")
    rid = resp.headers["X-Request-ID"]
    assert rid and resp.get_json()["error"]["request_id"] == rid
    assert client.get("/v1/nope").headers["X-Request-ID"] != rid


# --- readiness --------------------------------------------------------------------------


def poll(client: FlaskClient, path: str, until: Callable[[Any], bool],
         timeout: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        resp = client.get(path)
        if until(resp) or time.monotonic() > deadline:
            return resp
        time.sleep(0.02)


def test_background_load_not_ready_then_ready(settings: Settings,
                                              engines: Mapping[str, Engine]) -> None:
    release = threading.Event()
    started = threading.Event()

    def blocking_loader() -> Mapping[str, Engine]:
        started.set()
        release.wait(timeout=60)
        return engines

    app = create_app(settings.changed(background_load=True),
                     loader=blocking_loader)
    client = app.test_client()
    try:
        assert started.wait(timeout=10)
        assert client.get("/v1/health").status_code == 200
        ready = client.get("/v1/ready")
        assert ready.status_code == 503
        assert error_code(ready) == "not_ready"
        resp = client.post(S, json={"text": SHORT_ID})
        assert resp.status_code == 503
        assert error_code(resp) == "not_ready"
        resp = client.post(T, json={"text": SHORT_ID})
        assert resp.status_code == 503
        assert error_code(resp) == "not_ready"
        models = client.get("/v1/models")
        assert models.status_code == 200
        assert models.get_json()["ready"] is False
        assert models.get_json()["strategies"] == []
    finally:
        release.set()
    ready = poll(client, "/v1/ready", lambda r: r.status_code == 200)
    assert ready.status_code == 200
    assert client.get("/v1/models").get_json()["ready"] is True


def test_background_load_models_unavailable(settings: Settings) -> None:
    def failing_loader() -> Mapping[str, Engine]:
        raise ModelsUnavailable([MissingModel("summarize", "org/model", "main", "gone")])

    client = create_app(settings.changed(background_load=True),
                        loader=failing_loader).test_client()
    resp = poll(client, "/v1/ready", lambda r: r.get_json()["error"]["code"] != "not_ready")
    assert resp.status_code == 503
    assert error_code(resp) == "models_unavailable"
    assert [m["role"] for m in resp.get_json()["error"]["details"]["missing"]] == ["summarize"]
    assert client.get("/v1/health").status_code == 200
    resp = client.post(S, json={"text": SHORT_ID})
    assert resp.status_code == 503
    assert error_code(resp) == "models_unavailable"


def test_background_load_unexpected_failure(settings: Settings) -> None:
    def broken_loader() -> Mapping[str, Engine]:
        raise RuntimeError("disk on fire")

    client = create_app(settings.changed(background_load=True),
                        loader=broken_loader).test_client()
    resp = poll(client, "/v1/ready", lambda r: r.get_json()["error"]["code"] != "not_ready")
    assert resp.status_code == 503
    assert error_code(resp) == "load_failed"


def test_foreground_load_fails_fast_naming_missing_role(tiny_dir: Path,
                                                        tmp_path: Path) -> None:
    for role in ("translate_id_en", "translate_en_id"):
        (tmp_path / role).symlink_to(tiny_dir / role, target_is_directory=True)
    settings = Settings.from_env(env={}, models_dir=str(tmp_path))
    with pytest.raises(ModelsUnavailable) as info:
        create_app(settings)
    assert [m.role for m in info.value.missing] == ["summarize"]
    assert "summarize" in info.value.message


# --- privacy ----------------------------------------------------------------------------


def test_logs_never_contain_article_text(client: FlaskClient, seed_text: str,
                                         caplog: pytest.LogCaptureFixture) -> None:
    for phrase in SEED_PHRASES:
        assert phrase in seed_text
    caplog.set_level(logging.DEBUG)
    for name in list(logging.root.manager.loggerDict):
        caplog.set_level(logging.DEBUG, logger=name)

    resp = client.post(S, json={"text": seed_text}, headers={"X-Request-ID": "privacy-sum"})
    assert resp.status_code == 200, resp.get_json()
    assert set(resp.get_json()["summary"]) == {"en"}  # the default: English only
    paragraph = next(p for p in seed_text.split("\n\n") if "Rp18 triliun" in p)
    resp = client.post(T, json={"text": paragraph}, headers={"X-Request-ID": "privacy-tr"})
    assert resp.status_code == 200, resp.get_json()
    # An error path too: a rejected request must not echo the text either.
    resp = client.post(T, json={"text": paragraph, "target": "fr"},
                       headers={"X-Request-ID": "privacy-err"})
    assert resp.status_code == 422

    for phrase in SEED_PHRASES:
        assert phrase not in caplog.text
    access = [r.getMessage() for r in caplog.records if r.name == "service.access"]
    for rid, path, status in [("privacy-sum", S, 200), ("privacy-tr", T, 200),
                              ("privacy-err", T, 422)]:
        assert any(f"request_id={rid}" in line and f"path={path}" in line
                   and f"status={status}" in line for line in access), access
    assert any("code=unsupported_language_pair" in line for line in access)


def test_every_405_names_the_allowed_methods(settings: Settings) -> None:
    """RFC 9110: a 405 carries Allow; on every route, in each API family's shape."""
    import re

    from service.contract.routes import ROUTES

    client = create_app(settings, engines={}).test_client()
    checked = 0
    for r in ROUTES:
        if r.public_prefix:
            continue
        path = re.sub(r"\{[^}]+\}", "x", r.path)  # a templated path answers 405 as well
        wrong = "PATCH" if "PATCH" not in r.methods else "PUT"
        resp = client.open(path, method=wrong)
        assert resp.status_code == 405, (path, wrong, resp.status_code)
        allowed = {m.strip() for m in resp.headers.get("Allow", "").split(",")}
        assert set(r.methods) <= allowed, (r.path, resp.headers.get("Allow"))
        checked += 1
    assert checked > 20


def test_every_error_class_names_its_code_as_the_default() -> None:
    """``code`` is set per instance from ``default_code``: a class that sets ``code`` itself
    is answered as ``internal_error``."""
    import importlib
    import pkgutil

    import service
    from service.errors import RingkasError

    for info in pkgutil.walk_packages(service.__path__, "service."):
        if not info.name.startswith(("service.web", "service.deploy", "service.__main__")):
            importlib.import_module(info.name)
    stack, seen = [RingkasError], []
    while stack:
        cls = stack.pop()
        seen.append(cls)
        stack.extend(cls.__subclasses__())
    assert len(seen) > 20
    assert [c.__qualname__ for c in seen if "code" in vars(c)] == []
