"""Property tests over the request schema of every route (hypothesis, Flask test client).

Whatever the body, content type, method or path:
- the status is never a 5xx other than 503/504;
- every answer is the one the app's /openapi.json documents for its route and status, and a
  non-2xx one carries an error code;
- every 2xx answer has the shape asked for (summary languages, translation shape);
- a body built only from valid values is answered 200, and one with an invalid value (or an
  unknown key, or no text) is refused with a 4xx.

The app runs on the session's tiny models behind :class:`MemoEngine` (the real engine, but
each distinct input is generated once, with a short decode): the tiny models' output is noise
either way, and this keeps the file well under a minute and a half on two cores. Limits are
lowered (4,000 characters, 8 texts, 64 KiB) so that "near the limit" stays cheap. Values and
the response checker are shared with the fuzz script (tests/tools/fuzz.py).
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
import torch
from flask.testing import FlaskClient
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from service.api import create_app
from service.config import Settings
from service.engine import Engine, EngineWrapper, GenerationParams
from tests.tools.fuzz import (
    CONTENT_TYPES_BAD,
    CONTENT_TYPES_OK,
    DECORATIONS,
    EMPTY_TEXTS,
    EN_SENTENCES,
    GET_ROUTES,
    HTML_DOCS,
    ID_SENTENCES,
    INVALID,
    LONE_SURROGATES,
    MARKUP_ONLY,
    METHODS,
    NON_STRINGS,
    OTHER_PATHS,
    POST_ROUTES,
    RAW_BODIES,
    ROUTES,
    UNKNOWN_KEYS,
    VALID,
    check_response,
)

MAX_CHARS, MAX_TEXTS, MAX_BYTES = 4000, 8, 65536
DECODE_TOKENS = 8  # new tokens per memoised generate call

PROPERTY = settings(max_examples=200, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.large_base_example])


class MemoEngine(EngineWrapper):
    """A real engine that generates each distinct input once, with a short decode."""

    def __init__(self, inner: Engine) -> None:
        super().__init__(inner)
        self._memo: dict[tuple[str, tuple[tuple[str, Any], ...]], str] = {}

    def generate(self, texts: Sequence[str], params: GenerationParams | None = None) -> list[str]:
        wanted = {k: v for k, v in (params or GenerationParams()).overrides().items()
                  if k != "max_time"}
        key = tuple(sorted(wanted.items()))
        missing = [t for t in dict.fromkeys(texts) if (t, key) not in self._memo]
        if missing:
            short = {**wanted, "max_new_tokens": DECODE_TOKENS,
                     "min_new_tokens": min(wanted.get("min_new_tokens") or 0, DECODE_TOKENS)}
            out = self.inner.generate(missing, GenerationParams(**short))
            self._memo.update({(t, key): o for t, o in zip(missing, out, strict=True)})
        return [self._memo[(t, key)] for t in texts]

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


@pytest.fixture(scope="module")
def client(tiny_dir: Path, engines: Mapping[str, Engine]) -> Iterator[FlaskClient]:
    base = Settings.from_env(env={}, models_dir=str(tiny_dir))
    limits = dataclasses.replace(base.limits, max_text_chars=MAX_CHARS, max_texts=MAX_TEXTS,
                                 max_request_bytes=MAX_BYTES)
    # One client sends everything here: a per-address rate limit would answer 429 to most.
    app = create_app(base.changed(limits=limits, rate_limit="off",
                                         require_api_keys=False, request_timeout_s=600),
                     engines={role: MemoEngine(e) for role, e in engines.items()})
    # One request at a time: one intra-op thread is as fast for tiny models, and much
    # faster when the machine is busy (spinning OpenMP workers fight for the cores).
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield app.test_client()
    finally:
        torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def document(client: FlaskClient) -> dict[str, Any]:
    """The app's /openapi.json: what the fuzzer checks a live server's answers against."""
    doc: dict[str, Any] = client.get("/openapi.json").get_json()
    return doc


# --- values -----------------------------------------------------------------------------

junk = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(),
                 st.text(max_size=6), st.lists(st.integers(), max_size=3),
                 st.dictionaries(st.text(max_size=3), st.integers(), max_size=2))
json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=8)),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=4), inner,
                                                                 max_size=4),
    max_leaves=12)
surrogate = st.integers(0xD800, 0xDFFF).map(chr)


@st.composite
def valid_texts(draw: st.DrawFn, pool: Sequence[str] = ID_SENTENCES, pad: bool = True) -> str:
    """One or two short pool sentences, maybe decorated, maybe padded up to the limit."""
    text = " ".join(draw(st.lists(st.sampled_from(pool), min_size=1, max_size=2)))
    text = draw(st.sampled_from(("{s}", *DECORATIONS))).format(s=text)
    if pad and draw(st.integers(0, 9)) == 0:  # whitespace or zero-width, at most the limit
        filler = draw(st.sampled_from((" ", "\u200b", "\n", "\t")))
        text += filler * (MAX_CHARS - len(text) - draw(st.integers(0, 2)))
    return text


def invalid_texts() -> st.SearchStrategy[Any]:
    """Texts every route refuses: empty after cleaning, lone surrogates, over the limit,
    not strings."""
    empty_alphabet = st.sampled_from(list(" \t\n\r\x00\x01\x1f\x7f\u00a0\u200b\u200c\u200d"
                                          "\u2060\ufeff\u2028\u3000"))
    return st.one_of(
        st.sampled_from(EMPTY_TEXTS), st.text(alphabet=empty_alphabet, max_size=30),
        st.sampled_from(LONE_SURROGATES),
        st.builds(lambda a, s, b: a + s + b, st.sampled_from(ID_SENTENCES), surrogate,
                  st.text(max_size=4)),
        st.integers(1, 3).map(lambda extra: "a" * (MAX_CHARS + extra)),
        st.builds(lambda s, n: s + " " * (MAX_CHARS - len(s) + n), st.sampled_from(ID_SENTENCES),
                  st.integers(1, 3)),
        st.sampled_from(NON_STRINGS), junk.filter(lambda v: not isinstance(v, str)),
    )


def field(name: str, extra_invalid: st.SearchStrategy[Any] | None = None,
          ) -> tuple[st.SearchStrategy[Any], st.SearchStrategy[Any]]:
    invalid = st.sampled_from(INVALID[name])
    if extra_invalid is not None:
        invalid = invalid | extra_invalid
    return st.sampled_from(VALID[name]), invalid


SUMMARY_FIELDS = {
    "title": field("title", junk.filter(lambda v: v is not None and not isinstance(v, str))),
    "html": field("html", junk.filter(lambda v: not isinstance(v, bool))),
    "length": field("length", st.integers().filter(lambda n: not 1 <= n <= 20)),
    "languages": field("languages", st.lists(st.text(max_size=3).filter(
        lambda s: s not in ("en", "id")), min_size=1, max_size=3)),
    "strategy": field("strategy", st.text(max_size=12).filter(lambda s: s != "extractive")),
    "prompt": (st.sampled_from((None, "summarize-en", "summarize-en@v1")),
               st.sampled_from(INVALID["prompt"]) | st.text(
                   alphabet=st.sampled_from(list("ABC /.:!\u00e9")), min_size=1, max_size=8)),
}
UNKNOWN = st.sampled_from(UNKNOWN_KEYS) | surrogate | st.text(max_size=6).filter(
    lambda k: k not in ("text", "title", "html", "length", "languages", "strategy", "prompt",
                        "source", "target"))


@st.composite
def summarize_requests(draw: st.DrawFn) -> tuple[dict[str, Any], bool | None]:
    """(body, valid): valid is None where only the server can tell (free-form text)."""
    body: dict[str, Any] = {}
    valid: bool | None = True
    for name, (good, bad) in SUMMARY_FIELDS.items():
        # strategy is always given: the default one runs the abstractive models (slow).
        if name != "strategy" and draw(st.integers(0, 2)) == 0:
            continue
        if draw(st.integers(0, 5)) == 0:
            body[name], valid = draw(bad), False
        else:
            body[name] = draw(good)
    kind = draw(st.integers(0, 19))
    if kind == 0:
        valid = False  # no text
    elif kind <= 3:
        body["text"], valid = draw(invalid_texts()), False
    elif kind == 4 and body.get("html") is True:
        body["text"], valid = draw(st.sampled_from(MARKUP_ONLY)), False
    elif kind == 5:
        body["text"] = draw(st.text(max_size=8))
        valid = None if valid else valid
    elif body.get("html") is True and draw(st.booleans()):
        body["text"] = draw(st.sampled_from(HTML_DOCS)).format(s=draw(st.sampled_from(
            ID_SENTENCES)))
    else:
        body["text"] = draw(valid_texts())
    if draw(st.integers(0, 9)) == 0:
        body[draw(UNKNOWN)], valid = draw(junk), False
    return body, valid


@st.composite
def translate_requests(draw: st.DrawFn) -> tuple[dict[str, Any], bool | None]:
    body: dict[str, Any] = {}
    valid: bool | None = True
    source, target = draw(st.sampled_from(VALID["source_target"]))
    pool = ID_SENTENCES if source == "id" else EN_SENTENCES
    kind = draw(st.integers(0, 19))
    if kind == 0:
        valid = False
    elif kind <= 2:
        body["text"], valid = draw(invalid_texts()), False
    elif kind <= 4:  # a list with one bad item, an empty list, nested lists, too many
        body["text"], valid = draw(st.one_of(
            st.builds(lambda good, bad, at: [*good[:at], bad, *good[at:]],
                      st.lists(valid_texts(pool, pad=False), max_size=2), invalid_texts(),
                      st.integers(0, 2)),
            st.just([]), st.lists(st.lists(st.sampled_from(pool), max_size=2), min_size=1,
                                  max_size=2),
            st.integers(MAX_TEXTS + 1, MAX_TEXTS + 3).map(lambda n: [pool[0]] * n))), False
    elif kind == 5:
        body["text"] = draw(st.text(max_size=8))
        valid = None
    elif draw(st.booleans()):
        body["text"] = draw(valid_texts(pool))
    else:
        body["text"] = draw(st.lists(valid_texts(pool, pad=False), min_size=1, max_size=3))
    sides = draw(st.integers(0, 9))
    if sides <= 6:  # both, or neither where they are the defaults (id -> en)
        if sides <= 4 or source != "id":
            body.update(source=source, target=target)
    elif sides == 7:
        body.update(source=source, target=source)
        valid = False
    else:
        side = draw(st.sampled_from(("source", "target")))
        body.update(source=source, target=target)
        body[side] = draw(st.sampled_from(INVALID["language"]) | st.text(max_size=4).filter(
            lambda s: s not in ("id", "en")))
        valid = False
    if draw(st.integers(0, 9)) == 0:
        body[draw(UNKNOWN)], valid = draw(junk), False
    return body, valid


def dumps(body: Any, ascii_only: bool) -> bytes:
    """JSON bytes; with ascii_only false a lone surrogate becomes invalid UTF-8 bytes."""
    return json.dumps(body, ensure_ascii=ascii_only).encode("utf-8", "surrogatepass")


def post(client: FlaskClient, path: str, data: bytes | None,
         content_type: str | None = "application/json",
         headers: Mapping[str, str] | None = None) -> tuple[int, Any, bytes]:
    resp = client.open(path, method="POST", data=data, content_type=content_type,
                       headers=dict(headers or {}))
    return resp.status_code, resp.headers, resp.get_data()


def assert_contract(doc: Mapping[str, Any], method: str, path: str, status: int, headers: Any,
                    data: bytes, expect: Mapping[str, Any] | None = None) -> None:
    problems = check_response(doc, method, path, status, headers, data, expect)
    assert not problems, f"{method} {path} -> {status}: {problems}; body {data[:300]!r}"


def assert_verdict(valid: bool | None, status: int, data: bytes) -> None:
    # One request at a time, models loaded, a deadline no request here comes near: nothing
    # excuses a 503 or 504.
    if valid is True:
        assert status == 200, f"valid request answered {status}: {data[:300]!r}"
    elif valid is False:
        assert 400 <= status < 500, f"invalid request answered {status}: {data[:300]!r}"


# --- properties -------------------------------------------------------------------------


@PROPERTY
@given(request=summarize_requests(), ascii_only=st.booleans())
@example(request=({"text": ID_SENTENCES[0], "strategy": "extractive", "\ud800": 1}, False),
         ascii_only=True)
def test_summarize_schema(client: FlaskClient, document: dict[str, Any],
                          request: tuple[dict[str, Any], bool | None],
                          ascii_only: bool) -> None:
    body, valid = request
    data = dumps(body, ascii_only)
    status, headers, answer = post(client, "/v1/summarize", data)
    if not ascii_only and any(s in data for s in (b"\xed\xa0", b"\xed\xb0", b"\xed\xbf")):
        valid = False  # a lone surrogate written as raw bytes: invalid UTF-8
    languages = body.get("languages", ["en"])
    assert_contract(document, "POST", "/v1/summarize", status, headers, answer,
                    {"languages": languages, "strategy": "extractive"} if valid else None)
    assert_verdict(valid, status, answer)


@PROPERTY
@given(request=translate_requests(), ascii_only=st.booleans())
@example(request=({"text": ID_SENTENCES[0], "\udfff": None}, False), ascii_only=True)
def test_translate_schema(client: FlaskClient, document: dict[str, Any],
                          request: tuple[dict[str, Any], bool | None],
                          ascii_only: bool) -> None:
    body, valid = request
    data = dumps(body, ascii_only)
    status, headers, answer = post(client, "/v1/translate", data)
    if not ascii_only and any(s in data for s in (b"\xed\xa0", b"\xed\xb0", b"\xed\xbf")):
        valid = False
    text = body.get("text")
    expect = {"single": isinstance(text, str),
              "count": len(text) if isinstance(text, list) else 1} if valid else None
    assert_contract(document, "POST", "/v1/translate", status, headers, answer, expect)
    assert_verdict(valid, status, answer)


raw_bodies = st.one_of(
    st.binary(max_size=200), st.sampled_from(RAW_BODIES),
    st.integers(1, 3000).map(lambda d: b"[" * d + b"]" * d),
    st.integers(1, 3000).map(lambda d: b'{"text": ' + b'{"a": ' * d + b"1" + b"}" * d + b"}"),
    json_values.filter(lambda v: not isinstance(v, dict)).map(
        lambda v: json.dumps(v).encode()),
    st.builds(lambda body, cut: body[:min(cut, len(body) - 1)], json_values.map(
        lambda v: json.dumps({"text": v}).encode()), st.integers(0, 40)),
    st.text(max_size=40).map(lambda t: t.encode("utf-16")),
)
content_types = st.one_of(
    st.sampled_from(CONTENT_TYPES_OK + CONTENT_TYPES_BAD),
    st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=40),
)


@PROPERTY
@given(path=st.sampled_from(POST_ROUTES), data=raw_bodies, content_type=content_types)
@example(path="/v1/summarize", data=b"[" * 1000 + b"]" * 1000, content_type="application/json")
@example(path="/v1/translate", data=b"[" * 100000 + b"]" * 100000, content_type="application/json")
def test_raw_bodies_and_content_types(client: FlaskClient, document: dict[str, Any],
                                      path: str, data: bytes,
                                      content_type: str | None) -> None:
    status, headers, answer = post(client, path, data, content_type)
    assert_contract(document, "POST", path, status, headers, answer)
    assert status >= 400, f"{data[:100]!r} as {content_type!r} answered {status}"


@PROPERTY
@given(body=st.one_of(st.fixed_dictionaries({"text": valid_texts(), "strategy": st.just(
    "extractive")}), st.fixed_dictionaries({"text": valid_texts()})),
       path=st.sampled_from(POST_ROUTES),
       content_type=st.sampled_from(CONTENT_TYPES_BAD[1:]) | st.text(
           alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=30).filter(
           lambda t: t.split(";")[0].strip().lower() != "application/json"))
def test_valid_bodies_need_json_content_type(client: FlaskClient, document: dict[str, Any],
                                             body: dict[str, Any],
                                             path: str, content_type: str) -> None:
    status, headers, answer = post(client, path, json.dumps(body).encode(), content_type)
    assert_contract(document, "POST", path, status, headers, answer)
    assert status == 415, f"{content_type!r} answered {status}: {answer[:200]!r}"


@pytest.mark.parametrize("depth", [10, 900, 1000, 5000, 30000])
def test_deeply_nested_json(client: FlaskClient, document: dict[str, Any], depth: int) -> None:
    """Outside @given on purpose: hypothesis raises the recursion limit while it runs a test,
    which hides a RecursionError that a server thread (limit 1000) hits."""
    for data in (b"[" * depth + b"]" * depth,
                 b'{"text": ' + b'{"a": ' * depth + b"1" + b"}" * depth + b"}"):
        status, headers, answer = post(client, "/v1/summarize", data)
        assert_contract(document, "POST", "/v1/summarize", status, headers, answer)
        assert 400 <= status < 500, (depth, status, answer[:200])


# Not "//...": the test client reads that as a host name (a client-side error, never sent).
paths = st.one_of(st.sampled_from(ROUTES + OTHER_PATHS), st.text(
    alphabet=st.sampled_from(list("abcvxyz019/._-~%")), max_size=30).map(
    lambda p: "/" + p).filter(lambda p: not p.startswith("//")))


@PROPERTY
@given(method=st.sampled_from(METHODS), path=paths,
       body=st.none() | st.sampled_from(RAW_BODIES[:12]),
       content_type=st.none() | st.sampled_from(CONTENT_TYPES_OK),
       request_id=st.none() | st.text(alphabet=st.characters(min_codepoint=33,
                                                             max_codepoint=126), max_size=100))
def test_every_method_on_every_path(client: FlaskClient, document: dict[str, Any],
                                    method: str, path: str,
                                    body: bytes | None, content_type: str | None,
                                    request_id: str | None) -> None:
    headers = {"X-Request-ID": request_id} if request_id else {}
    resp = client.open(path, method=method, data=body, content_type=content_type,
                       headers=headers)
    data = resp.get_data()
    assert_contract(document, method, path, resp.status_code, resp.headers, data)
    bare = path.split("?", 1)[0]
    if method in ("GET", "HEAD") and bare in GET_ROUTES:
        assert resp.status_code == 200, (method, path, resp.status_code, data[:200])
    if bare in ROUTES and method not in ("OPTIONS", "HEAD") and (
            (method != "GET" and bare in GET_ROUTES) or (method != "POST"
                                                         and bare in POST_ROUTES)):
        assert resp.status_code == 405, (method, path, resp.status_code, data[:200])
    if resp.status_code >= 400 and method != "HEAD":
        error = json.loads(data)
        # ringkas's shape carries the id in its error object; DeepL's and LibreTranslate's
        # shapes have no place for it, so the X-Request-ID header is what names it.
        echoed = (error["error"].get("request_id") if isinstance(error.get("error"), dict)
                  else resp.headers.get("X-Request-ID"))
        # A client's id is echoed when it is a plain token (it goes into log lines),
        # otherwise the server makes its own.
        if request_id and re.fullmatch(r"[A-Za-z0-9._:-]{1,64}", request_id):
            assert echoed == request_id
        else:
            assert isinstance(echoed, str) and re.fullmatch(r"[0-9a-f]{32}", echoed)
