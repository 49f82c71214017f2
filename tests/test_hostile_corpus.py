"""The hostile-input corpus, live, against both servers a deployment runs (waitress through
`ringkas serve`, gunicorn through the shipped config): markup the parsers refuse or used to
recover from wrongly, glossary inputs with lone surrogates, invented HTTP methods. Every case
answers a clear 4xx in its API family's error shape, or a 200 with nothing lost; none is a
500, and /metrics does not grow with what clients invent."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.conftest import start_gunicorn, start_server, stop_server


@dataclass(frozen=True)
class Hostile:
    """One request of the corpus and what its answer must be."""

    name: str
    path: str
    json: Any = None
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    form: dict[str, str] = field(default_factory=dict)
    status: int = 400
    code: str | None = None  # the error's code, where the case is refused
    # for a 200: a check of the answer's body (nothing lost)
    kept: Callable[[Any], bool] | None = None


def _deepl(text: str, tags: str) -> dict[str, Any]:
    return {"text": [text], "source_lang": "ID", "target_lang": "EN-US", "tag_handling": tags}


def _deepl_text(body: Any) -> str:
    return str(body["translations"][0]["text"])


def _glossary(name: str = "g", entries: str = "Menteri\tMinister",
              fmt: str = "tsv") -> dict[str, str]:
    return {"name": name, "source_lang": "id", "target_lang": "en", "entries": entries,
            "entries_format": fmt}


CORPUS = (
    # markup the parser refuses: 400, never a 500 (html.parser's <![, a surrogate reference)
    Hostile("deepl html <![", "/v2/translate", _deepl("<![x kucing", "html"),
            code="invalid_markup"),
    Hostile("deepl xml surrogate reference", "/v2/translate",
            _deepl("&#xD800;kucing", "xml"), code="invalid_markup"),
    Hostile("deepl xml unclosed CDATA", "/v2/translate",
            _deepl("<r><![CDATA[kucing</r>", "xml"), code="invalid_markup"),
    Hostile("libretranslate html <![", "/translate",
            {"q": "<![x kucing", "source": "id", "target": "en", "format": "html"},
            code="invalid_markup"),
    Hostile("libretranslate html <![ auto", "/translate",
            {"q": "<![x kucing", "source": "auto", "target": "en", "format": "html"},
            code="invalid_markup"),
    Hostile("translate_file html <![", "/translate_file",
            files={"file": ("berita.html", b"<![x kucing")},
            form={"source": "id", "target": "en"}, code="invalid_markup"),
    Hostile("deepl document html <![", "/v2/document",
            files={"file": ("berita.html", b"<![x kucing")},
            form={"source_lang": "ID", "target_lang": "EN"}),
    # detection reads markup it cannot parse as plain text
    Hostile("detect <![", "/detect", {"q": "<![x kucing makan ikan di rumah"}, status=200,
            kept=lambda body: body[0]["language"] == "id"),
    # XML kept whole: the prolog, the DOCTYPE, the namespace prefix, the text translated
    Hostile("deepl xml DOCTYPE", "/v2/translate",
            _deepl("<!DOCTYPE r><r>kucing makan</r>", "xml"), status=200,
            kept=lambda body: _deepl_text(body).startswith("<!DOCTYPE r><r>")
            and len(_deepl_text(body)) > len("<!DOCTYPE r><r></r>")),
    Hostile("deepl xml declaration", "/v2/translate",
            _deepl('<?xml version="1.0"?><r>kucing</r>', "xml"), status=200,
            kept=lambda body: _deepl_text(body).startswith('<?xml version="1.0"?><r>')
            and len(_deepl_text(body)) > len('<?xml version="1.0"?><r></r>')),
    Hostile("deepl xml prefix", "/v2/translate", _deepl("<x:y>kucing</x:y>", "xml"),
            status=200, kept=lambda body: _deepl_text(body).startswith("<x:y>")
            and _deepl_text(body).endswith("</x:y>")),
    # a lone surrogate anywhere in a glossary: 400 invalid_encoding
    Hostile("glossary entries tsv surrogate", "/v2/glossaries",
            _glossary(entries="Ment\ud800eri\tMinister"), code="invalid_encoding"),
    Hostile("glossary entries csv surrogate", "/v2/glossaries",
            _glossary(entries="Menteri,Mini\udc80ster", fmt="csv"), code="invalid_encoding"),
    Hostile("glossary name surrogate", "/v2/glossaries", _glossary(name="g\ud800"),
            code="invalid_encoding"),
    Hostile("deepl glossary_id surrogate", "/v2/translate",
            {"text": ["Menteri"], "source_lang": "ID", "target_lang": "EN-US",
             "glossary_id": "\ud800"}, code="invalid_encoding"),
    Hostile("v1 glossary_entries surrogate", "/v1/translate",
            {"text": "Menteri hadir.", "source": "id", "target": "en",
             "glossary_entries": {"Ment\ud800": "Minister"}}, code="invalid_encoding"),
)


@pytest.fixture(scope="module", params=["waitress", "gunicorn"])
def server(request: pytest.FixtureRequest, tiny_dir: Path) -> Iterator[str]:
    env = {"RINGKAS_RATE_LIMIT": "off", "RINGKAS_REQUIRE_API_KEYS": "0"}
    if request.param == "waitress":
        proc, base = start_server(tiny_dir, env)
    else:
        proc, base, _ = start_gunicorn(tiny_dir, env)
    try:
        yield base
    finally:
        stop_server(proc)


def _error_code(body: Any) -> str | None:
    """{"error": {"code"}} (/v1), {"error": "...", "code"} (LibreTranslate) or
    {"message", "code"} (DeepL)."""
    if not isinstance(body, dict):
        return None
    error = body.get("error")
    if isinstance(error, dict):
        return error.get("code")
    return body.get("code")


@pytest.mark.parametrize("case", CORPUS, ids=[c.name for c in CORPUS])
def test_each_hostile_case_is_a_clear_answer(server: str, case: Hostile) -> None:
    if case.files:
        resp = requests.post(server + case.path, files=case.files, data=case.form, timeout=60)
    else:
        # (a lone surrogate travels as a JSON escape, as a client's encoder writes it)
        resp = requests.post(server + case.path, data=json.dumps(case.json), timeout=60,
                             headers={"Content-Type": "application/json"})
    assert resp.status_code == case.status, resp.text[:300]
    body = resp.json()
    if case.code is not None:
        assert _error_code(body) == case.code, body
    if case.kept is not None:
        assert case.kept(body), body


def test_invented_methods_do_not_grow_metrics(server: str) -> None:
    """Each request with a method nobody uses is counted under one label, not its own."""
    def size() -> int:
        return len(requests.get(server + "/metrics", timeout=30).content)

    for i in range(20):  # every label the run below can produce, once
        requests.request(f"WARMUP{i}", server + "/v1/health", timeout=30)
    before = size()
    for i in range(300):
        resp = requests.request(f"X{i:04d}", server + "/v1/health", timeout=30)
        assert resp.status_code in (400, 405, 501), resp.status_code
    after = size()
    # a counter's digits may grow; 300 new label sets would add tens of kilobytes
    assert after - before < 2_000, (before, after)
