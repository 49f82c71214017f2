"""The fuzz and load scripts (tests/tools/) run for real, small, against a live server.

They get a server of their own (the same `ringkas serve` on loopback with the session's tiny
models as the shared ``server`` fixture), configured the way these runs need: no per-address
rate limit (one client sends everything: 120/minute would answer 429 to most of the fuzz and
starve every later test of the shared server for a minute) and a small admission queue, so
that six load clients are beyond its capacity and must get 503s.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, NamedTuple

import pytest

from service.api import create_app
from service.config import Settings
from service.engine import Engine
from tests.conftest import start_server, stop_server
from tests.tools import fuzz

REPO = Path(__file__).resolve().parent.parent


class Server(NamedTuple):
    url: str
    pid: int


@pytest.fixture(scope="module")
def tools_server(tiny_dir: Path) -> Iterator[Server]:
    proc, url = start_server(tiny_dir, {"RINGKAS_RATE_LIMIT": "off",
                                        "RINGKAS_REQUIRE_API_KEYS": "0",
                                        "RINGKAS_MAX_INFLIGHT": "1", "RINGKAS_MAX_QUEUE": "2",
                                        "RINGKAS_TORCH_THREADS": "1"})
    try:
        yield Server(url, proc.pid)
    finally:
        stop_server(proc)


def run_tool(*args: str, timeout_s: float) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([sys.executable, "-m", *args], cwd=REPO, capture_output=True,
                            text=True, timeout=timeout_s)
    print(result.stdout, result.stderr)  # shown when the test fails
    return result


def test_fuzz_run(tools_server: Server) -> None:
    result = run_tool("tests.tools.fuzz", "--url", tools_server.url, "--requests", "300",
                      "--seed", "1", "--concurrency", "2", "--timeout-s", "240",
                      timeout_s=300)
    out = result.stdout
    assert "fuzz: 300 of 300 requests sent" in out
    assert re.search(r"^unexpected: 0 \(5xx other than 503/504: 0, no answer: 0", out, re.M)
    assert re.search(r"^200 +\d+$", out, re.M) and re.search(r"^422 +\d+$", out, re.M)
    for code in ("invalid_type", "unknown_field", "malformed_json", "not_found"):
        assert re.search(rf"^{code} +\d+$", out, re.M), code
    # Jobs, LibreTranslate and DeepL.
    for kind in ("jobs-valid", "jobs-invalid", "jobs-lookup", "lt", "deepl", "markup",
                 "glossary"):
        assert re.search(rf"^{kind} +\d+ ", out, re.M), kind
    assert re.search(r"^metrics: \d+ bytes, \d+ lines \(within \d+ bytes\)$", out, re.M)
    assert out.rstrip().endswith("fuzz: OK")
    assert result.returncode == 0


def test_load_run(tools_server: Server) -> None:
    result = run_tool("tests.tools.load", "--url", tools_server.url, "--clients", "6",
                      "--duration-s", "8", "--interval-s", "2", "--pid", str(tools_server.pid),
                      "--slow-clients", "120",
                      "--request-timeout-s", "90", "--recover-s", "60", timeout_s=240)
    out = result.stdout
    assert re.search(r"^summarize +200 +\d+", out, re.M)
    assert re.search(r"^translate +200 +\d+", out, re.M)
    assert re.search(r"^lt_translate +200 +\d+", out, re.M)
    assert re.search(r"^slow clients: 120 held, \d+ cut by the server; health (\d+)/\1 answered",
                     out, re.M)
    assert re.search(r"^jobs +202 +\d+", out, re.M) and re.search(r"^jobs_get +200 +\d+", out,
                                                                   re.M)
    # Six clients against one slot and a queue of two: some are refused, none unanswered.
    assert re.search(r"^answers: .*503=\d+", out, re.M), "the server was not beyond capacity"
    assert "no answer" not in out and "PROBLEM" not in out
    assert re.search(r"^recovery: 200 after", out, re.M)
    assert re.search(r"^rss: start \d+\.\d MiB, peak .* growth [+-]\d+\.\d MiB", out, re.M)
    assert len(re.findall(r"^  t= *\d+\.\d s +\d+\.\d MiB$", out, re.M)) >= 4
    assert out.rstrip().endswith("load: OK")
    assert result.returncode == 0


@pytest.mark.parametrize("tool", ["tests.tools.fuzz", "tests.tools.load"])
@pytest.mark.parametrize("url", ["http://example.com:80", "http://10.0.0.1:8000",
                                 "https://127.0.0.1:8000", "http://0.0.0.0:8000"])
def test_tools_refuse_non_loopback_urls(tool: str, url: str) -> None:
    result = run_tool(tool, "--url", url, timeout_s=60)
    assert result.returncode == 2
    assert "refused" in result.stderr


def test_fuzz_requests_are_reproducible() -> None:
    cases = [fuzz.generate(7, i) for i in range(500)]
    assert cases == [fuzz.generate(7, i) for i in range(500)]
    kinds = {c.kind for c in cases}
    assert {"summarize-valid", "translate-valid", "summarize-invalid", "raw-body",
            "content-type", "method-path"} <= kinds
    valid = sum(c.kind.endswith("-valid") for c in cases)
    assert 0.05 < valid / len(cases) < 0.2


@pytest.fixture()
def document(settings: Settings, engines: Mapping[str, Engine]) -> dict[str, Any]:
    """/openapi.json, as the fuzzer fetches it from the server it runs against."""
    doc: dict[str, Any] = create_app(settings, engines=engines).test_client().get(
        "/openapi.json").get_json()
    return doc


_MODEL = {"role": "summarize", "id": "tiny", "revision": "main", "backend": "hf"}
_SUMMARY = {"summary": {"en": "A summary."}, "strategy": "extractive", "length": "short",
            "models": [_MODEL], "fidelity": {"checked": 0, "unsupported": [], "supported": True},
            "timings_ms": {"total": 1.0}, "warnings": [], "reused": False}
_JOB = {"id": "job_1", "status": "queued", "created_at": None, "finished_at": None,
        "expires_at": None, "progress": {"done": 0, "failed": 0, "finished": 0, "total": 1}}


def test_checker_flags_broken_answers(document: dict[str, Any]) -> None:
    def check(method: str, path: str, status: int, headers: Mapping[str, str], body: Any,
              expect: Mapping[str, Any] | None = None) -> list[str]:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        return fuzz.check_response(document, method, path, status, headers, data, expect)

    json_ct = {"Content-Type": "application/json"}
    error = {"error": {"code": "empty_text", "message": "m"}}
    assert not check("POST", "/v1/summarize", 422, json_ct, error)
    assert check("POST", "/v1/summarize", 500, json_ct,
                 {"error": {"code": "internal_error", "message": "m"}})
    assert check("POST", "/v1/summarize", 413, {}, b"Request Entity Too Large")
    assert check("POST", "/v1/summarize", 422, {"Content-Type": "text/plain"}, error)
    assert check("POST", "/v1/translate", 400, json_ct, {"code": "x"})
    assert check("POST", "/v1/translate", 400, json_ct, {"error": {"code": "", "message": "m"}})
    assert not check("PUT", "/v1/summarize", 405, json_ct, error)  # no route: generic shape
    # LibreTranslate's routes keep LibreTranslate's error shape; a job's 202 names itself.
    assert not check("POST", "/translate", 400, json_ct,
                     {"error": "q is required", "code": "missing_field"})
    assert check("POST", "/translate", 400, json_ct, {"error": {"code": "missing_field",
                                                                "message": "m"}})
    assert check("POST", "/translate", 400, json_ct, {"error": "q is required"})  # no code
    assert check("POST", "/translate", 200, json_ct, {"text": "x"})
    assert not check("POST", "/translate", 200, json_ct, {"translatedText": "x"})
    assert check("POST", "/v1/jobs", 202, json_ct, {"id": "job_1"})
    assert check("POST", "/v1/jobs", 202, json_ct, _JOB)  # no Location
    assert not check("POST", "/v1/jobs", 202, {**json_ct, "Location": "/v1/jobs/job_1"}, _JOB)
    assert check("POST", "/v1/jobs", 200, {**json_ct, "Location": "/v1/jobs/job_1"}, _JOB)
    assert not check("GET", "/v1/jobs/job_1?items=false", 200, json_ct, _JOB)
    # overloaded and rate_limited need a Retry-After header
    overloaded = {"error": {"code": "overloaded", "message": "m"}}
    assert check("POST", "/v1/summarize", 503, json_ct, overloaded)
    assert not check("POST", "/v1/summarize", 503, {**json_ct, "Retry-After": "3"}, overloaded)
    assert check("GET", "/v1/models", 429, json_ct,
                 {"error": {"code": "rate_limited", "message": "m"}})
    # 2xx bodies: the documented schema, and what was asked for
    assert check("POST", "/v1/summarize", 200, json_ct, {"summary": {}})
    assert not check("POST", "/v1/summarize", 200, json_ct, _SUMMARY, {"languages": ["en"]})
    assert check("POST", "/v1/summarize", 200, json_ct, _SUMMARY, {"languages": ["en", "id"]})
    assert check("POST", "/v1/summarize", 200, json_ct, {**_SUMMARY, "models": []})
    assert check("POST", "/v1/summarize", 200, json_ct, {**_SUMMARY, "warnings": [{"code": 1}]})
    assert check("POST", "/v1/translate", 200, json_ct,
                 {"translation": ["a"], "models": [_MODEL], "timings_ms": {}, "warnings": []},
                 {"single": True})
    assert check("GET", "/v1/health", 200, json_ct, {"status": "ok"})  # no version
    # Pages and assets are documented with their own media types.
    assert not check("GET", "/", 200, {"Content-Type": "text/html; charset=utf-8"}, b"<html>")
    assert not check("GET", "/web/app.js", 200, {"Content-Type": "text/javascript"}, b"x")
    assert check("GET", "/v1/health", 200, {"Content-Type": "text/html"}, b"<html>")
