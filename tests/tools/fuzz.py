"""Fuzz a running ringkas with generated requests; fail on any 5xx but 503/504 or a bad body.

    python -m tests.tools.fuzz --url http://127.0.0.1:8000 --requests 10000 --seed 1 \
        [--concurrency 4] [--timeout-s 600]

Most requests are cheap and invalid (hostile field values, raw bytes, invalid UTF-8,
non-object JSON, odd content types, wrong methods and paths, oversized bodies); about 10%
are valid summarise (strategy ``extractive``) and translate requests on short texts. Jobs
(``POST /v1/jobs`` bodies, items, webhooks and ids; ``GET``/``DELETE /v1/jobs/{id}``) and
LibreTranslate's routes (``/translate``, ``/detect``, ``/languages``; JSON, form and
query-string parameters) and DeepL's (``/v2/translate``, ``/v2/languages``, ``/v2/usage``;
JSON and form) get their own valid and hostile requests; so do markup (unclosed CDATA,
DOCTYPEs and entities, namespaces, surrogate character references, deep nesting: DeepL's
tag_handling, LibreTranslate's format html and /detect, /v1/summarize's html) and glossary
inputs (DeepL glossary creation in TSV and CSV, glossary ids, /v1's glossary_entries).
After the run, ``/metrics`` must stay under 512 KiB. Request
``i`` is generated from ``(seed, i)`` alone, so a run is reproducible whatever the
concurrency, and ``--show I`` prints one request without sending anything.

Exit status: 0 when every request was answered with a documented status and body, 1 when
any was not (or the time budget ran out first), 2 on bad arguments (e.g. a non-loopback URL:
this tool only talks to 127.0.0.1 / ::1 / localhost).

Answers are checked against the server's own ``/openapi.json`` (fetched once per run), plus
what a schema cannot say (Retry-After, Location, error codes, the shape asked for). The
value pools and :func:`check_response` are shared with tests/test_properties.py.
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import random
import socket
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit

from tests.openapi_check import UndocumentedResponse, check_documented, match_template

# --- value pools ------------------------------------------------------------------------

ID_SENTENCES = (
    "Menteri Perindustrian meresmikan pabrik baru di Bogor.",
    "Pabrik itu mempekerjakan 200 orang.",
    "Nilai investasinya mencapai Rp18 triliun.",
    "Harga beras naik 5 persen pada 2025.",
    "Banjir merendam ratusan rumah di Jakarta Timur.",
    "Bank Indonesia mempertahankan suku bunga acuan sebesar 6 persen.",
    "Presiden meminta pemerintah daerah mempercepat perbaikan jalan.",
    "Tim nasional menang 2-0 atas Vietnam di Hanoi.",
)
EN_SENTENCES = (
    "The minister opened a new factory in Bogor.",
    "Rice prices rose 5 percent in 2025.",
    "Floods inundated hundreds of houses in East Jakarta.",
)
# Texts that must be refused (empty after removing whitespace, zero-width and control
# characters, or not text at all).
EMPTY_TEXTS = (
    "", " ", "\n\t \r\n", "\u00a0\u3000", "\u200b\u200c\u200d\u2060\ufeff", "\x00\x01\x02\x1f\x7f",
    "\x0b\x0c\x1c\x1d\x1e", "\u2028\u2029", "\u200b \u200b\n\u200b",
)
LONE_SURROGATES = ("\ud800", "\udfff", "abc\udc80def", "Menteri \ud83d itu.")
# Decorations that keep a sentence valid: control and zero-width characters, markup,
# entities, odd Unicode. Applied to one pool sentence, they stay short and cheap.
DECORATIONS = (
    "\x00{s}\x07", "\u200b{s}\u200d", "{s}\ufeff", "\u202e{s}\u202c", "<p>{s}</p>",
    "<script>alert('x')</script>{s}<style>p {{color: red}}</style>", "{s} &amp; &lt;b&gt; &#x41;",
    "&nbsp;{s}&#0;&#xD800;&#1114112;", "<b>{s}</b><!-- komentar -->", "{s} 😀🇮🇩", "e\u0301 {s}",
    "ＭＥＮＴＥＲＩ {s}", "{s}\r\n\r\nBaca juga: Harga cabai naik",
    "{s}\n\nCopyright © ANTARA 2026", "Jakarta (ANTARA) - {s}", "{s}\t\t{s}", "İstanbul {s}",
)
HTML_DOCS = (
    "<html><head><title>t</title><style>body{{}}</style></head><body><nav>Menu</nav>"
    "<p>{s}</p><footer>Footer</footer><script>var x = '</p>';</script></body></html>",
    "<div><p>{s}</p><p>{s}</p></div>",
    "<p>{s}",  # unclosed
    "<<<p>>> {s} <//p>",
)
MARKUP_ONLY = ("<script>alert(1)</script>", "<style>p{}</style>", "<nav>Menu</nav>",
               "<!-- only a comment -->")
NON_STRINGS: tuple[Any, ...] = (None, 0, 1, -1, 2.5, 1e308, True, False, [], {}, ["x"],
                                {"a": 1}, [None], 10**30)
BAD_FLOATS: tuple[Any, ...] = (float("nan"), float("inf"), float("-inf"))

SUMMARY_FIELDS = ("text", "title", "html", "length", "languages", "strategy", "prompt")
TRANSLATE_FIELDS = ("text", "source", "target")
VALID: dict[str, tuple[Any, ...]] = {
    "title": ("Judul berita", "", "  ", None, "Kemenperin perkuat IKM"),
    "html": (True, False),
    "length": ("short", "medium", "long", 1, 2, 3, 20),
    "languages": (["en"], ["id"], ["en", "id"], ["id", "en"], ["en", "en"]),
    "strategy": ("extractive",),
    "prompt": (None,),
    "source_target": (("id", "en"), ("en", "id")),
}
INVALID: dict[str, tuple[Any, ...]] = {
    "title": (0, 1.5, True, [], {}, ["Judul"]),
    "html": ("true", "false", 1, 0, None, [], {}, "yes"),
    "length": (0, 21, -1, 100, 10**20, 2.0, "2", "SHORT", "", " short", None, True, False,
               [], {}, ["short"], *BAD_FLOATS),
    "languages": ([], "en", ["fr"], ["EN"], [1], None, [["en"]], {"en": 1}, ["en", None],
                  ["id", "en", "jv"], [""], ["\ud800"], 1),
    "strategy": ("direct", "instruct", "summarise-translate", "", "EXTRACTIVE", "extractive ",
                 "unknown", "../extractive", "\ud800", 1, None, [], {}, ["extractive"]),
    "prompt": ("../etc/passwd", "Summarize", "a@v", "@v1", "", " ", "x" * 300 + "!",
               "summarize-en@1", "summarize-en@v", "sum marize", "\ud800", 1, [], {}, True),
    "language": ("fr", "ID", "En", "", "id ", "jv", "\ud800", 1, None, [], {}, ["id"]),
}
UNKNOWN_KEYS = ("lenght", "texts", "Text", "TEXT", "", " ", "__proto__", "constructor",
                "languages ", "\u200btext", "\ud800", "\x00", "ﾃｷｽﾄ", "api_key", "source")
CONTENT_TYPES_OK = ("application/json", "application/json; charset=utf-8",
                    "Application/JSON", "application/json;charset=UTF-8")
CONTENT_TYPES_BAD = (None, "", "text/plain", "application/x-www-form-urlencoded",
                     "multipart/form-data; boundary=xyz", "application/xml", "text/json",
                     "application/jsonx", "application/ld+json", "application/problem+json",
                     "*/*", "application", ";;;", "json", "application/json-patch+json")
ROUTES = ("/v1/summarize", "/v1/translate", "/v1/health", "/v1/ready", "/v1/models")
OTHER_PATHS = ("/", "/v1", "/v1/", "/v1/summarize/", "/v1/SUMMARIZE", "/v2/summarize",
               "/v1/summarize/../translate", "/v1/translate%00", "/%2e%2e/%2e%2e/etc/passwd",
               "/v1/health/", "/static/x.js", "/favicon.ico", "/v1/models/x", "/" + "a" * 2000,
               "/v1/summarize?text=Menteri", "/v1/%ff%fe", "/v1/%F0%9F%98%80",
               "/web/app.js", "/web/nope.js", "/web/../v1/models", "/web/%2e%2e/pyproject.toml")
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
GET_ROUTES = ("/v1/health", "/v1/ready", "/v1/models")
POST_ROUTES = ("/v1/summarize", "/v1/translate")
# Webhooks a server with no allow-list (or any) must refuse: malformed, userinfo, the
# backslash trick, metadata and private addresses, not http(s), not a string.
WEBHOOKS: tuple[Any, ...] = (
    "http://127.0.0.1:9/x", "http://127.0.0.1:18954\\@localhost:18952/x",
    "http://user:pw@localhost/x", "http://169.254.169.254/latest/meta-data", "http://[::1]/x",
    "http://0x7f.0.0.1/x", "http://2130706433/x", "http://localhost:99999/x", "ftp://host/x",
    "http:///x", "http://exa mple.org/", "http://example.org/\r\nX: y", "javascript:alert(1)",
    "http://\ud800/x", "http://example.org/" + "a" * 2100, "", 1, None, [], {},
    "https://hooks.newsroom.example/ringkas")
JOB_IDS: tuple[Any, ...] = ("a", "", "x" * 300, "\ud800", "\x00", 1, None, [], {}, "id 1",
                            "ﾃｷｽﾄ", "../x")

# --- what every answer must look like ---------------------------------------------------
#
# Bodies, statuses and media types are checked against the server's own /openapi.json
# (tests/openapi_check.py); here only what a schema cannot say.

# Statuses a client may get. 5xx only as 503 (not ready / overloaded / shutting down) and
# 504 (deadline); 401/403/429 from API keys and rate limits; 3xx only as a slash redirect.
ALLOWED_5XX = frozenset({503, 504})
RETRY_AFTER_CODES = frozenset({"overloaded", "rate_limited"})


def fetch_document(base: str, timeout_s: float) -> dict[str, Any]:
    """The server's /openapi.json, which every answer of the run is checked against."""
    import requests

    with requests.Session() as session:
        session.trust_env = False  # no proxies: loopback only
        resp = session.get(base + "/openapi.json", timeout=timeout_s)
    resp.raise_for_status()
    doc: dict[str, Any] = resp.json()
    return doc


def check_response(doc: Mapping[str, Any], method: str, path: str, status: int,
                   headers: Mapping[str, str], data: bytes,
                   expect: Mapping[str, Any] | None = None) -> list[str]:
    """Every way this answer breaks the API's contract, ``doc`` (the server's /openapi.json)
    first (empty when it keeps it).

    ``expect`` (for a valid POST) may hold ``languages`` and ``strategy`` (the summary's) or
    ``single`` and ``count`` (the translation's shape)."""
    problems: list[str] = []
    if status >= 500 and status not in ALLOWED_5XX:
        problems.append(f"status {status}")
    if 300 <= status < 400:
        if not headers.get("Location"):
            problems.append(f"redirect {status} without Location")
        return problems
    if method in ("HEAD", "OPTIONS") and not data:
        return problems
    bare = path.split("?", 1)[0]
    mimetype = str(headers.get("Content-Type", "")).split(";")[0].strip().lower()
    body: Any = None
    if mimetype == "application/json":
        try:
            body = json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return [*problems, f"status {status} with a non-JSON body {data[:120]!r}"]
    template = match_template(doc, method, bare)
    try:
        check_documented(doc, method, bare, template, status, mimetype, body)
    except UndocumentedResponse as exc:
        return [*problems, str(exc)]
    if not 200 <= status < 300:
        # {"error": {"code", ...}}, or LibreTranslate's {"error": "...", "code"}
        error = body.get("error") if isinstance(body, dict) else None
        code = error.get("code") if isinstance(error, dict) else (
            body.get("code") if isinstance(body, dict) else None)
        if not isinstance(code, str) or not code:
            problems.append(f"{status} without an error code: {body!r:.160}")
        if code in RETRY_AFTER_CODES and not str(headers.get("Retry-After", "")).isdigit():
            problems.append(f"{status} {code} without a numeric Retry-After header")
        return problems
    if template == "/v1/jobs" and method == "POST" and \
            not str(headers.get("Location", "")).startswith("/v1/jobs/"):
        problems.append("a submitted job's answer has no Location /v1/jobs/{id}")
    if template == "/v1/summarize":
        problems += _as_asked_summary(body, expect or {})
    elif template == "/v1/translate":
        problems += _as_asked_translation(body, expect or {})
    return problems


def _as_asked_summary(body: Mapping[str, Any], expect: Mapping[str, Any]) -> list[str]:
    problems = []
    if "languages" in expect and set(body["summary"]) != set(expect["languages"]):
        problems.append(f"summary has {sorted(body['summary'])}, asked for "
                        f"{expect['languages']}")
    if "strategy" in expect and body["strategy"] != expect["strategy"]:
        problems.append(f"strategy {body['strategy']!r}, asked for {expect['strategy']!r}")
    return problems + _named_models(body)


def _as_asked_translation(body: Mapping[str, Any], expect: Mapping[str, Any]) -> list[str]:
    problems = []
    out = body["translation"]
    if expect.get("single") is True and not isinstance(out, str):
        problems.append(f"one text sent, translation is {type(out).__name__}")
    if expect.get("single") is False and (
            not isinstance(out, list) or len(out) != expect.get("count", len(out))):
        problems.append(f"{expect.get('count')} texts sent, translation is {out!r:.120}")
    return problems + _named_models(body)


def _named_models(body: Mapping[str, Any]) -> list[str]:
    # Provenance: an answer always names the models that made it.
    return [] if body["models"] else ["models is an empty list"]


# --- generated requests -----------------------------------------------------------------


@dataclass
class Case:
    """One generated request."""

    kind: str
    method: str
    path: str
    body: bytes | None = None
    content_type: str | None = "application/json"
    headers: dict[str, str] = field(default_factory=dict)
    expect: dict[str, Any] = field(default_factory=dict)  # for check_response on a 2xx
    chunked: bool = False

    def describe(self, limit: int = 300) -> str:
        body = "" if self.body is None else f" body({len(self.body)} B)={self.body[:limit]!r}"
        extra = " chunked" if self.chunked else ""
        return (f"{self.method} {self.path[:200]} content-type={self.content_type!r}"
                f"{extra}{body}")


def encode_json(obj: Any, rng: random.Random) -> bytes:
    """JSON bytes; non-ASCII as escapes or raw UTF-8 (lone surrogates then become invalid
    UTF-8 bytes, as a CESU-8 encoder would write them)."""
    text = json.dumps(obj, ensure_ascii=rng.random() < 0.5)
    return text.encode("utf-8", "surrogatepass")


def valid_text(rng: random.Random, decorated: float = 0.3) -> str:
    """One or two short pool sentences, sometimes decorated (still valid, still short)."""
    text = " ".join(rng.sample(ID_SENTENCES, rng.randint(1, 2)))
    if rng.random() < decorated:
        text = rng.choice(DECORATIONS).format(s=text)
    return text


def invalid_text(rng: random.Random) -> Any:
    r = rng.random()
    if r < 0.45:
        return rng.choice(EMPTY_TEXTS) * rng.randint(1, 3)
    if r < 0.6:
        return rng.choice(LONE_SURROGATES)
    return rng.choice(NON_STRINGS + BAD_FLOATS)


def _summary_body(rng: random.Random) -> dict[str, Any]:
    body: dict[str, Any] = {"text": valid_text(rng), "strategy": "extractive"}
    for name in ("title", "html", "length", "languages"):
        if rng.random() < 0.5:
            body[name] = rng.choice(VALID[name])
    if body.get("html") is True and rng.random() < 0.5:
        body["text"] = rng.choice(HTML_DOCS).format(s=rng.choice(ID_SENTENCES))
    return body


def _translate_body(rng: random.Random) -> dict[str, Any]:
    source, target = rng.choice(VALID["source_target"])
    pool = ID_SENTENCES if source == "id" else EN_SENTENCES
    text: Any = rng.choice(pool) if rng.random() < 0.5 else rng.sample(pool, rng.randint(1, 3))
    body: dict[str, Any] = {"text": text}
    if (source, target) != ("id", "en") or rng.random() < 0.5:
        body.update(source=source, target=target)
    return body


def valid_summarize(rng: random.Random) -> Case:
    body = _summary_body(rng)
    return Case("summarize-valid", "POST", "/v1/summarize", encode_json(body, rng),
                expect={"languages": body.get("languages", ["en"]), "strategy": "extractive"})


def valid_translate(rng: random.Random) -> Case:
    body = _translate_body(rng)
    single = isinstance(body["text"], str)
    return Case("translate-valid", "POST", "/v1/translate", encode_json(body, rng),
                expect={"single": single, "count": 1 if single else len(body["text"])})


def invalid_summarize(rng: random.Random) -> Case:
    """A valid body with exactly one thing wrong: refused before any inference."""
    body = _summary_body(rng)
    r = rng.random()
    if r < 0.25:
        body["text"] = invalid_text(rng)
    elif r < 0.3:
        del body["text"]
    elif r < 0.35:
        body["html"] = True
        body["text"] = rng.choice(MARKUP_ONLY) * rng.randint(1, 3)
    elif r < 0.45:
        body[rng.choice(UNKNOWN_KEYS)] = rng.choice((*NON_STRINGS, "x"))
    else:
        name = rng.choice(("title", "html", "length", "languages", "strategy", "prompt"))
        body[name] = rng.choice(INVALID[name])
    return Case("summarize-invalid", "POST", "/v1/summarize", encode_json(body, rng))


def invalid_translate(rng: random.Random) -> Case:
    body = _translate_body(rng)
    r = rng.random()
    if r < 0.25:
        body["text"] = invalid_text(rng)
    elif r < 0.4:
        good = list(rng.sample(ID_SENTENCES, 2))
        good.insert(rng.randint(0, 2), invalid_text(rng))
        body["text"] = good
    elif r < 0.45:
        body["text"] = [] if rng.random() < 0.5 else [[rng.choice(ID_SENTENCES)]]
    elif r < 0.5:
        del body["text"]
    elif r < 0.6:
        body[rng.choice(UNKNOWN_KEYS[:-1])] = rng.choice((*NON_STRINGS, "x"))
    elif r < 0.8:
        body[rng.choice(("source", "target"))] = rng.choice(INVALID["language"])
    else:
        same = rng.choice(("id", "en"))
        body.update(source=same, target=same)
    return Case("translate-invalid", "POST", "/v1/translate", encode_json(body, rng))


def random_fields(rng: random.Random) -> Case:
    """Any mix of valid and invalid values for every field, and unknown keys. Strategy is
    always given (extractive or invalid) so that no request runs the abstractive models."""
    path = rng.choice(POST_ROUTES)
    body: dict[str, Any] = {}
    names = SUMMARY_FIELDS if path == "/v1/summarize" else TRANSLATE_FIELDS
    for name in names:
        if name != "strategy" and rng.random() < 0.3:
            continue
        if name == "text":
            body[name] = valid_text(rng) if rng.random() < 0.3 else invalid_text(rng)
        elif name in ("source", "target"):
            body[name] = rng.choice(("id", "en", *INVALID["language"]))
        else:
            body[name] = rng.choice(VALID[name] + INVALID[name])
    if rng.random() < 0.2:
        body[rng.choice(UNKNOWN_KEYS)] = rng.choice(NON_STRINGS)
    if path == "/v1/summarize" and body.get("strategy") == "extractive":
        body["length"] = rng.choice((1, 2, "short", *INVALID["length"]))
    return Case("random-fields", "POST", path, encode_json(body, rng))


def _nested(depth: int, rng: random.Random) -> bytes:
    if rng.random() < 0.5:
        return b"[" * depth + b"]" * depth
    return b'{"text": ' + b'{"a": ' * depth + b"1" + b"}" * depth + b"}"


RAW_BODIES: tuple[bytes, ...] = (
    b"", b" ", b"null", b"true", b"0", b"-1", b'"text"', b"[]", b"[{}]", b'[{"text": "x"}]',
    b"{", b'{"text": ', b'{"text": "Menteri"', b"{'text': 'Menteri'}", b'{"text": "a",}',
    b'{text: "a"}', b"NaN", b"Infinity", b'{"text": NaN}', b'{"length": Infinity}',
    b'\xef\xbb\xbf{"text": "Menteri itu hadir."}', b'{"text": "\\ud800"}',
    b'{"text": "\xed\xa0\x80"}', b'{"text": "\xff\xfe"}', b"\xff\xfe{\x00}\x00",
    b'{"text": "\xc0\xaf"}', b'{"text": "\\u0000\\u200b"}', b'{"text": "\\x41"}',
    b'{"text": "x", "text": 1}', b'{"length": 1' + b"0" * 5000 + b"}",
    b'{"length": 1e999999}', b'{"text": 1e-999999}', b'{"text": "\\u"}',
    b"\x00" * 16, b"\r\n\r\n", b"GET / HTTP/1.1\r\nHost: x\r\n\r\n",
)


def raw_body(rng: random.Random) -> Case:
    r = rng.random()
    if r < 0.45:
        data = rng.choice(RAW_BODIES)
    elif r < 0.65:
        data = rng.randbytes(rng.randint(1, 64))
    elif r < 0.8:
        data = _nested(rng.choice((10, 100, 900, 1000, 5000, 50000)), rng)
    else:
        data = encode_json(rng.choice((*NON_STRINGS, *BAD_FLOATS, "Menteri itu hadir.",
                                       [valid_text(rng)], [{"text": valid_text(rng)}])), rng)
    return Case("raw-body", "POST", rng.choice(POST_ROUTES), data)


def content_type(rng: random.Random) -> Case:
    """A body under the wrong content type (415), or an odd spelling of the right one (then
    with one invalid field, so it stays cheap)."""
    case = valid_summarize(rng) if rng.random() < 0.5 else valid_translate(rng)
    if rng.random() < 0.3:
        case = invalid_summarize(rng) if case.path == "/v1/summarize" else invalid_translate(rng)
        case.content_type = rng.choice(CONTENT_TYPES_OK)
    else:
        case.content_type = rng.choice(CONTENT_TYPES_BAD)
    case.kind, case.expect = "content-type", {}
    return case


def method_path(rng: random.Random) -> Case:
    method = rng.choice(METHODS)
    path = rng.choice(ROUTES + OTHER_PATHS) if rng.random() < 0.8 else "/" + "".join(
        rng.choice("abcxyz/._-%~019") for _ in range(rng.randint(0, 30)))
    if method == "POST" and path in POST_ROUTES:
        method = "GET"  # a valid POST belongs to the other generators
    body = None if rng.random() < 0.5 else b'{"text": ""}'
    return Case("method-path", method, path, body)


def oversize(rng: random.Random, max_bytes: int = 2_000_000, max_chars: int = 100_000,
             max_texts: int = 64) -> Case:
    """Just over (or at) a limit: body bytes, characters per text, texts per request."""
    r = rng.random()
    if r < 0.3:
        data = b'{"text": "' + b"a" * (max_bytes + rng.choice((0, 1, 1000))) + b'"}'
        path = rng.choice((*POST_ROUTES, "/v1/jobs", "/translate"))
        return Case("oversize-body", "POST", path, data, chunked=rng.random() < 0.3)
    if r < 0.5:
        # Exactly at the character limit but only whitespace around a short sentence: valid,
        # cheap; one character more is refused.
        pad = " " * (max_chars - len(ID_SENTENCES[0]) + rng.choice((0, 1)))
        body: dict[str, Any] = {"text": ID_SENTENCES[0] + pad}
        if rng.random() < 0.5:
            body["strategy"] = "extractive"
            path = "/v1/summarize"
        else:
            path = "/v1/translate"
        return Case("oversize-text", "POST", path, encode_json(body, rng))
    if r < 0.7:
        body = {"text": "a" * (max_chars + 1), "strategy": "extractive"}
        return Case("oversize-text", "POST", rng.choice(POST_ROUTES), encode_json(body, rng))
    if r < 0.85:
        body = {"text": ["Menteri hadir."] * (max_texts + rng.choice((1, 100)))}
        return Case("oversize-texts", "POST", "/v1/translate", encode_json(body, rng))
    # Chunked transfer encoding: no Content-Length for the server to check up front.
    size = rng.choice((100, max_bytes + 1000))
    data = b'{"text": "' + b"\xe2\x80\x8b" * (size // 3) + b'"}'
    return Case("chunked", "POST", rng.choice(POST_ROUTES), data, chunked=True)


def _job_item(rng: random.Random) -> dict[str, Any]:
    if rng.random() < 0.5:
        item: dict[str, Any] = {"text": " ".join(rng.sample(ID_SENTENCES, 3)),
                                "strategy": "extractive", "length": "short"}
    else:
        item = {"kind": "translate", "text": rng.choice(ID_SENTENCES), "target": "en"}
    if rng.random() < 0.5:
        item["id"] = f"item-{rng.randint(0, 999)}"
    return item


def jobs(rng: random.Random) -> Case:
    """POST /v1/jobs: valid jobs (202) and hostile bodies, items, ids and webhooks (4xx)."""
    r = rng.random()
    body: Any = {"items": [_job_item(rng) for _ in range(rng.randint(1, 3))]}
    if r < 0.25:
        return Case("jobs-valid", "POST", "/v1/jobs", encode_json(body, rng))
    if r < 0.45:
        body["webhook"] = rng.choice(WEBHOOKS)
    elif r < 0.6:
        body["items"][0]["id"] = rng.choice(JOB_IDS)
    elif r < 0.75:
        bad_item = rng.choice(({"kind": "translate"}, {"kind": "x", "text": "a"},
                               {"text": rng.choice(EMPTY_TEXTS)}, {"text": 1}, "teks", None,
                               {"text": "a", "strategy": rng.choice(INVALID["strategy"])},
                               {"text": "a", rng.choice(UNKNOWN_KEYS): 1}))
        body["items"].append(bad_item)
    elif r < 0.85:
        body = rng.choice(({"items": []}, {"items": {}}, {"items": None}, {}, [], "items",
                           {"items": [_job_item(rng)], rng.choice(UNKNOWN_KEYS): 1},
                           {"items": [_job_item(rng)] * 1001}))
    else:
        return Case("jobs-raw", "POST", "/v1/jobs", rng.choice(RAW_BODIES))
    return Case("jobs-invalid", "POST", "/v1/jobs", encode_json(body, rng))


def job_lookup(rng: random.Random) -> Case:
    """GET or DELETE a job by an id that names no job of this client (404, never 5xx)."""
    job_id = rng.choice(("job_" + "".join(rng.choice("0123456789abcdef") for _ in range(32)),
                         "job_", "x", "%00", "..%2f..%2fetc", "job_" + "a" * 500, "%F0%9F%98%80",
                         "job_%ff", "%20"))
    method = rng.choice(("GET", "GET", "DELETE", "PUT", "POST"))
    query = rng.choice(("", "?items=false", "?items=true", "?items=maybe"))
    return Case("jobs-lookup", method, f"/v1/jobs/{job_id}{query}", None)


LT_FIELDS: dict[str, tuple[Any, ...]] = {
    "q": ("Menteri hadir.", ["Satu.", "Dua."], "", " ", 1, None, [], {}, "\ud800", "<p>x</p>"),
    "source": ("id", "en", "auto", "fr", "", None, 1, "ID"),
    "target": ("en", "id", "fr", "", None, 1, "EN"),
    "format": ("text", "html", "xml", "", 1),
    "alternatives": (0, 1, 3, -1, "2", None, 100),
    "api_key": ("", "nope", 1, None),
}


def libretranslate(rng: random.Random) -> Case:
    """LibreTranslate's routes, as its clients call them: JSON, form or the query string."""
    path = rng.choice(("/translate", "/translate", "/detect", "/languages", "/suggest",
                       "/frontend/settings"))
    if path == "/languages":
        return Case("lt", rng.choice(("GET", "POST")), path, None)
    if path == "/frontend/settings":
        return Case("lt", "GET", path, None)
    valid = rng.random() < 0.3
    params: dict[str, Any] = {"q": rng.choice(ID_SENTENCES)}
    if path in ("/translate", "/suggest"):
        params.update(source="id", target="en")
    if path == "/suggest":
        params["s"] = "The minister attended."
    if not valid:
        for name in rng.sample(sorted(LT_FIELDS), rng.randint(1, 3)):
            params[name] = rng.choice(LT_FIELDS[name])
        if rng.random() < 0.2:
            params[rng.choice(UNKNOWN_KEYS)] = "x"
    how = rng.choice(("json", "form", "query"))
    if how == "json":
        return Case("lt", "POST", path, encode_json(params, rng))
    flat = {k: v for k, v in params.items() if isinstance(v, str)}
    encoded = urlencode(flat, errors="surrogatepass")
    if how == "form":
        return Case("lt", "POST", path, encoded.encode("ascii"),
                    content_type="application/x-www-form-urlencoded")
    return Case("lt", "POST", f"{path}?{encoded}", None, content_type=None)


DEEPL_FIELDS: dict[str, tuple[Any, ...]] = {
    "text": ("Menteri hadir.", ["Satu.", "Dua."], "", " ", 1, None, [], {}, "\ud800",
             "<p>x</p>"),
    "source_lang": ("ID", "EN", "id", "FR", "", None, 1),
    "target_lang": ("EN-US", "EN-GB", "EN", "ID", "DE", "", None, 1),
    "tag_handling": ("html", "xml", "", "pdf", 1),
    "split_sentences": ("0", "1", "nonewlines", "2", 1, None),
    "preserve_formatting": (True, "1", "0", "maybe", 2),
    "ignore_tags": ("code", ["x", "y"], 1),
    "formality": ("more", "prefer_less", 1),
    "glossary_id": ("g1",),
}


def deepl(rng: random.Random) -> Case:
    """DeepL's API v2 routes, as its clients call them: JSON or form."""
    path = rng.choice(("/v2/translate", "/v2/translate", "/v2/languages", "/v2/usage",
                       "/v2/document", "/v2/glossaries"))
    if path != "/v2/translate":
        query = rng.choice(("", "?type=target", "?type=source", "?type=x"))
        return Case("deepl", rng.choice(("GET", "POST")), path + query, None)
    valid = rng.random() < 0.3
    params: dict[str, Any] = {"text": [rng.choice(ID_SENTENCES)], "target_lang": "EN-US"}
    if not valid:
        for name in rng.sample(sorted(DEEPL_FIELDS), rng.randint(1, 3)):
            params[name] = rng.choice(DEEPL_FIELDS[name])
    if rng.random() < 0.5:
        return Case("deepl", "POST", path, encode_json(params, rng))
    flat = {k: v for k, v in params.items() if isinstance(v, str)}
    return Case("deepl", "POST", path, urlencode(flat, errors="surrogatepass").encode("ascii"),
                content_type="application/x-www-form-urlencoded")


# Markup a parser may refuse, recover from wrongly or choke on: each must be a 4xx or a 200
# that keeps the text, never a 500.
MARKUP_PIECES = (
    "<![CDATA[{s}", "<![CDATA[{s}]]>", "<![x {s}", "<!DOCTYPE r>", "<!DOCTYPE html>",
    '<!DOCTYPE r [<!ENTITY e "{s}">]>', '<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>',
    '<!DOCTYPE r [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;">]>',
    '<?xml version="1.0"?>', '<?xml version="1.0" encoding="latin-1"?>', "<?php echo 1; ?>",
    "&e;", "&x;", "&c;", "&undefined;", "&#xD800;", "&#55296;", "&#0;", "&#x110000;",
    "&#xFFFE;", "&#x1F600;", "&amp", "&", "<x:y>{s}</x:y>", '<r xmlns:x="urn:x"><x:b>{s}</x:b></r>',
    '<a xmlns="urn:a"><b>{s}</b></a>', "<!-- {s}", "<!-- a -- b -->", "</p>", "<p>{s}",
    "<b><i>{s}</b></i>", '<p title="{s}>', "<p\x00>{s}</p>", "<{s}>", "<1>{s}</1>",
    "<script>{s}", "<style>{s}", "<textarea>{s}", "<svg><foreignObject>{s}",
)


def hostile_markup(rng: random.Random) -> str:
    """A short text of pool sentences among hostile markup pieces; sometimes deep nesting
    (a few thousand open elements) or many siblings."""
    sentence = rng.choice(ID_SENTENCES)
    parts = [rng.choice(MARKUP_PIECES).format(s=sentence)
             for _ in range(rng.randint(1, 4))]
    if rng.random() < 0.15:
        depth = rng.choice((100, 1000, 5000))
        tag = rng.choice(("b", "div", "x:y", "p"))
        parts.append(f"<{tag}>" * depth + sentence + f"</{tag}>" * rng.choice((0, depth)))
    if rng.random() < 0.1:
        parts.append("<i/>" * rng.choice((1000, 20000)))
    rng.shuffle(parts)
    return "".join(parts)


def markup(rng: random.Random) -> Case:
    """Hostile markup through every route that reads it: DeepL's tag_handling html/xml,
    LibreTranslate's format html and /detect, /v1/summarize's html."""
    text = hostile_markup(rng)
    route = rng.choice(("deepl", "deepl", "lt", "detect", "summarize"))
    if route == "deepl":
        params: dict[str, Any] = {"text": [text], "target_lang": "EN-US",
                                  "tag_handling": rng.choice(("html", "xml"))}
        return Case("markup", "POST", "/v2/translate", encode_json(params, rng))
    if route == "lt":
        params = {"q": text, "source": rng.choice(("id", "auto")), "target": "en",
                  "format": "html"}
        return Case("markup", "POST", "/translate", encode_json(params, rng))
    if route == "detect":
        return Case("markup", "POST", "/detect", encode_json({"q": text}, rng))
    body = {"text": text, "html": True, "strategy": "extractive", "languages": ["en"]}
    return Case("markup", "POST", "/v1/summarize", encode_json(body, rng))


GLOSSARY_TERMS = ("Menteri", "pabrik", "Bogor", "Bank Indonesia", "\ud800", "a\udc80b", "",
                  " ", "x" * 2000, "tab\there", "line\nbreak", '"quoted"', "a,b", "\x00",
                  "\u200b", "ＭＥＮＴＥＲＩ", "menteri", "Menteri ")


def glossary(rng: random.Random) -> Case:
    """Glossary inputs: DeepL glossary creation (TSV and CSV entries, names) and a
    glossary named by id on /v2/translate, /v1/translate's glossary_entries."""
    route = rng.choice(("create", "create", "use", "entries"))
    if route == "create":
        fmt = rng.choice(("tsv", "csv", "xlsx", ""))
        sep = "\t" if fmt == "tsv" else ","
        rows = [f"{rng.choice(GLOSSARY_TERMS)}{sep}{rng.choice(GLOSSARY_TERMS)}"
                for _ in range(rng.choice((1, 3, 50)))]
        body = {"name": rng.choice(("g", "\ud800", "", "x" * 3000, 1, None)),
                "source_lang": rng.choice(("id", "ID", "en", "fr")),
                "target_lang": rng.choice(("en", "EN", "id", "")),
                "entries": rng.choice(("\n".join(rows), "\r\n".join(rows), 1, None)),
                "entries_format": fmt}
        return Case("glossary", "POST", "/v2/glossaries", encode_json(body, rng))
    if route == "use":
        params = {"text": [rng.choice(ID_SENTENCES)], "target_lang": "EN-US",
                  "source_lang": "ID",
                  "glossary_id": rng.choice(("\ud800", "x" * 500, "", "nope", "../g", 1))}
        return Case("glossary", "POST", "/v2/translate", encode_json(params, rng))
    entries: Any = {rng.choice(GLOSSARY_TERMS): rng.choice(GLOSSARY_TERMS)
                    for _ in range(rng.choice((1, 5)))}
    if rng.random() < 0.2:
        entries = rng.choice(([["Menteri", "Minister"]], "Menteri", 1, {"Menteri": 1},
                              {f"t{i}": "x" for i in range(rng.choice((600, 20000)))}))
    body = {"text": rng.choice(ID_SENTENCES), "source": "id", "target": "en",
            "glossary_entries": entries}
    return Case("glossary", "POST", "/v1/translate", encode_json(body, rng))


def protocol(rng: random.Random) -> Case:
    """Below the app: a header byte waitress refuses. Only with --protocol: waitress
    answers these itself, in plain text. (A body over the limit is not one of these: the
    app answers it, see ``oversize``.)"""
    case = valid_translate(rng)
    case.kind, case.expect = "protocol", {}
    case.content_type = rng.choice(("application/json\x7f", "application/json\x01"))
    return case


# (generator, weight in percent): ~10% reach inference, the rest is refused cheaply.
GENERATORS = (
    (valid_summarize, 4), (valid_translate, 4), (invalid_summarize, 17),
    (invalid_translate, 12), (random_fields, 8), (raw_body, 14), (content_type, 8),
    (method_path, 11), (oversize, 1), (jobs, 9), (job_lookup, 4), (libretranslate, 8),
    (deepl, 6), (markup, 6), (glossary, 4),
)


def generate(seed: int, index: int, *, with_protocol: bool = False) -> Case:
    """Request ``index`` of run ``seed``: independent of every other request."""
    rng = random.Random(f"ringkas-fuzz:{seed}:{index}")
    gen = rng.choices([g for g, _ in GENERATORS], weights=[w for _, w in GENERATORS])[0]
    case = gen(rng)
    if with_protocol and rng.random() < 0.01:
        case = protocol(rng)
    if rng.random() < 0.1:
        case.headers["X-Request-ID"] = "".join(
            rng.choice("abcdef0123456789-_.:/ ~!") for _ in range(rng.randint(1, 100))).strip()
    return case


# --- running ----------------------------------------------------------------------------


def loopback_error(url: str) -> str | None:
    """Why ``url`` is refused (None when it names a loopback address over http)."""
    parts = urlsplit(url)
    if parts.scheme != "http" or not parts.hostname:
        return f"{url!r}: only http://127.0.0.1:PORT (or ::1, localhost) is allowed"
    host = parts.hostname
    try:
        if not ipaddress.ip_address(host).is_loopback:
            return f"{host} is not a loopback address"
        return None
    except ValueError:
        pass
    if host != "localhost":
        return f"{host!r} is not a loopback address; use 127.0.0.1"
    try:
        addrs = {str(info[4][0]) for info in socket.getaddrinfo(host, parts.port or 80)}
    except OSError as exc:
        return f"localhost does not resolve: {exc}"
    if not addrs or not all(ipaddress.ip_address(a.split("%")[0]).is_loopback for a in addrs):
        return f"localhost resolves to {sorted(addrs)}, not only loopback"
    return None


@dataclass
class Outcome:
    case: Case
    index: int
    status: int | None
    code: str | None
    problems: list[str]
    seconds: float
    body: bytes = b""


def send(session: Any, base: str, case: Case,
         timeout_s: float) -> tuple[int, Mapping[str, str], bytes, str]:
    """Status, headers and body of the answer, and the path as sent (the client removes dot
    segments: /web/../v1/models is /v1/models)."""
    headers = dict(case.headers)
    if case.content_type is not None:
        headers["Content-Type"] = case.content_type
    data: Any = case.body
    if case.chunked and case.body is not None:
        payload = case.body
        data = (payload[i:i + 65536] for i in range(0, len(payload), 65536))
    resp = session.request(case.method, base + case.path, data=data, headers=headers,
                           timeout=timeout_s, allow_redirects=False)
    return resp.status_code, resp.headers, resp.content, resp.request.path_url


def error_code(data: bytes) -> str | None:
    """An error answer's code: ringkas's ``{"error": {"code"}}`` or LibreTranslate's
    ``{"error": "...", "code"}``."""
    try:
        body = json.loads(data)
    except ValueError:
        return None
    if not isinstance(body, dict):
        return None
    error = body.get("error")
    code = error.get("code") if isinstance(error, dict) else body.get("code")
    return code if isinstance(code, str) else None


def run_case(session: Any, base: str, doc: Mapping[str, Any], index: int, case: Case,
             timeout_s: float) -> Outcome:
    import requests

    started = time.monotonic()
    try:
        status, headers, data, sent = send(session, base, case, timeout_s)
    except requests.RequestException as exc:
        return Outcome(case, index, None, None, [f"no answer: {type(exc).__name__}: {exc}"],
                       time.monotonic() - started)
    problems = check_response(doc, case.method, sent, status, headers, data, case.expect)
    code = error_code(data) if not 200 <= status < 300 and data else None
    return Outcome(case, index, status, code, problems, time.monotonic() - started, data[:400])


def run(base: str, doc: Mapping[str, Any], count: int, seed: int, concurrency: int,
        budget_s: float, request_timeout_s: float, *, with_protocol: bool = False,
        ) -> tuple[list[Outcome], bool]:
    """Send requests 0..count-1 from ``concurrency`` threads; (outcomes, finished)."""
    import requests

    deadline = time.monotonic() + budget_s
    lock = threading.Lock()
    indices: Iterator[int] = iter(range(count))
    outcomes: list[Outcome] = []

    def worker() -> None:
        with requests.Session() as session:
            session.trust_env = False  # no proxies: loopback only
            while time.monotonic() < deadline:
                with lock:
                    index = next(indices, None)
                if index is None:
                    return
                left = max(1.0, min(request_timeout_s, deadline - time.monotonic()))
                case = generate(seed, index, with_protocol=with_protocol)
                outcome = run_case(session, base, doc, index, case, left)
                with lock:
                    outcomes.append(outcome)

    threads = [threading.Thread(target=worker, name=f"fuzz-{i}", daemon=True)
               for i in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(max(0.0, deadline - time.monotonic()) + request_timeout_s + 5)
    with lock:
        done = sorted(outcomes, key=lambda o: o.index)
    return done, len(done) == count


def report(outcomes: list[Outcome], *, finished: bool, count: int, wall_s: float,
           out: Any = sys.stdout, metrics: tuple[bool, str] | None = None) -> bool:
    """``metrics``: metrics_bounded's verdict and line, after the run."""
    statuses = Counter("no answer" if o.status is None else str(o.status) for o in outcomes)
    codes = Counter(o.code for o in outcomes if o.code)
    kinds = Counter(o.case.kind for o in outcomes)
    bad = [o for o in outcomes if o.problems]
    unexpected_5xx = sum(1 for o in outcomes if o.status and o.status >= 500
                         and o.status not in ALLOWED_5XX)
    print(f"fuzz: {len(outcomes)} of {count} requests sent in {wall_s:.1f} s "
          f"({len(outcomes) / max(wall_s, 1e-9):.0f}/s)", file=out)
    print("status      count", file=out)
    for status, n in sorted(statuses.items()):
        print(f"{status:<10} {n:>6}", file=out)
    print("error code                  count", file=out)
    for code, n in sorted(codes.items(), key=lambda kv: (-kv[1], kv[0])):
        print(f"{code:<26} {n:>6}", file=out)
    print("kind                count  mean_ms   max_ms", file=out)
    for kind, n in sorted(kinds.items()):
        took = [o.seconds * 1000 for o in outcomes if o.case.kind == kind]
        print(f"{kind:<18} {n:>6} {sum(took) / n:>8.0f} {max(took):>8.0f}", file=out)
    for o in bad[:10]:
        print(f"PROBLEM request #{o.index} ({o.case.kind}): {o.case.describe()}\n"
              f"  -> status {o.status}: {'; '.join(o.problems)}\n  body: {o.body[:300]!r}",
              file=out)
    if len(bad) > 10:
        print(f"... and {len(bad) - 10} more", file=out)
    ok = finished and not bad and (metrics is None or metrics[0])
    if metrics is not None:
        print(metrics[1], file=out)
    print(f"unexpected: {len(bad)} (5xx other than 503/504: {unexpected_5xx}, no answer: "
          f"{statuses.get('no answer', 0)}, contract: {len(bad)})", file=out)
    if not finished:
        print(f"fuzz: INCOMPLETE: the time budget ran out after {len(outcomes)} of {count}",
              file=out)
    print(f"fuzz: {'OK' if ok else 'FAIL'}", file=out)
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.tools.fuzz", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--requests", type=int, default=10_000, dest="count")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--timeout-s", type=float, default=600.0,
                        help="wall-clock budget of the whole run")
    parser.add_argument("--request-timeout-s", type=float, default=150.0)
    parser.add_argument("--protocol", action="store_true",
                        help="also send ~1%% requests that waitress itself refuses (bad header "
                             "bytes, bodies over its cap): they show up as plain-text answers")
    parser.add_argument("--show", type=int, metavar="I",
                        help="print request I of this seed and exit (sends nothing)")
    args = parser.parse_args(argv)
    if args.show is not None:
        print(generate(args.seed, args.show, with_protocol=args.protocol).describe(limit=2000))
        return 0
    if not 1 <= args.count <= 1_000_000 or not 1 <= args.concurrency <= 64:
        parser.error("--requests must be 1..1000000 and --concurrency 1..64")
    if not 0 < args.timeout_s <= 24 * 3600:
        parser.error("--timeout-s must be in (0, 86400]")
    error = loopback_error(args.url)
    if error:
        print(f"fuzz: refused: {error}", file=sys.stderr)
        return 2
    base = args.url.rstrip("/")
    started = time.monotonic()
    try:
        doc = fetch_document(base, args.request_timeout_s)
    except (OSError, ValueError) as exc:  # requests' errors are OSErrors; bad JSON ValueError
        print(f"fuzz: cannot read {base}/openapi.json: {exc}", file=sys.stderr)
        return 1
    outcomes, finished = run(base, doc, args.count, args.seed, args.concurrency,
                             args.timeout_s, args.request_timeout_s,
                             with_protocol=args.protocol)
    metrics = metrics_bounded(base, args.request_timeout_s)
    ok = report(outcomes, finished=finished, count=args.count,
                wall_s=time.monotonic() - started, metrics=metrics)
    return 0 if ok else 1


# /metrics after a run: its labels come from a closed set (routes, statuses, codes, methods
# folded to "other"), so invented paths, methods and codes must not grow it without bound.
METRICS_MAX_BYTES = 512 * 1024


def metrics_bounded(base: str, timeout_s: float) -> tuple[bool, str]:
    """Whether /metrics is within METRICS_MAX_BYTES, and a line that says so."""
    import requests

    with requests.Session() as session:
        session.trust_env = False
        try:
            resp = session.get(base + "/metrics", timeout=timeout_s)
        except OSError as exc:
            return False, f"metrics: no answer ({exc})"
    if resp.status_code != 200:
        return True, f"metrics: status {resp.status_code} (not checked)"
    size = len(resp.content)
    ok = size <= METRICS_MAX_BYTES
    return ok, (f"metrics: {size} bytes, {resp.text.count(chr(10))} lines "
                f"({'within' if ok else 'OVER'} {METRICS_MAX_BYTES} bytes)")


if __name__ == "__main__":
    sys.exit(main())
