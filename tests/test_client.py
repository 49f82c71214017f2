"""service.client against the real server, and its retry/transport behaviour against a
scripted HTTP peer; the CLI's --service mode goes through it."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import pytest
from click.testing import CliRunner

from service.cli import main
from service.client import Notice, RingkasClient, ServiceError, Summary, TransportError

SHORT_ID = ("Jakarta (ANTARA) - Menteri itu meresmikan pabrik baru di Bogor.\n\n"
            "Pabrik itu mempekerjakan 200 orang dari desa sekitar.")


def test_summarize_returns_a_typed_result(server: str) -> None:
    result = RingkasClient(server).summarize(SHORT_ID, languages=("en", "id"), length="short")
    assert isinstance(result, Summary)
    assert set(result.summary) == {"en", "id"} and all(result.summary.values())
    assert {m.role for m in result.models} >= {"translate_id_en", "summarize",
                                              "translate_en_id"}
    assert Notice in {type(w) for w in result.warnings}
    assert all(m.id and m.random_weights for m in result.models)
    assert "random_weights" in {w.code for w in result.warnings}  # the tiny models say so
    assert result.to_json()["summary"] == result.summary


def test_translate_keeps_the_shape_it_was_given(server: str) -> None:
    client = RingkasClient(server)
    one = client.translate("Pabrik itu besar.")
    assert isinstance(one.translation, str) and one.translation
    many = client.translate(["Pabrik itu besar.", "Desa itu kecil."], source="id", target="en")
    assert isinstance(many.translation, list) and len(many.translation) == 2
    back = client.translate("The factory is big.", source="en", target="id")
    assert back.models[0].role == "translate_en_id"


@pytest.mark.parametrize(("call", "status", "code"), [
    (lambda c: c.summarize(SHORT_ID, length=99), 422, "invalid_length"),
    (lambda c: c.summarize(SHORT_ID, strategy="nope"), 422, "unknown_strategy"),
    (lambda c: c.translate("x", source="fr", target="en"), 422,
     "unsupported_language_pair"),
    (lambda c: c.request("GET", "/v1/nothing-here"), 404, "not_found"),
])
def test_service_errors_raise_with_the_service_code(server: str, call: Any, status: int,
                                                    code: str) -> None:
    with pytest.raises(ServiceError) as info:
        call(RingkasClient(server))
    assert (info.value.status, info.value.code) == (status, code)
    assert info.value.request_id  # the id to quote to an operator


def test_unreachable_service_is_a_transport_error() -> None:
    with pytest.raises(TransportError) as info:
        RingkasClient("http://127.0.0.1:9", timeout=5).health()
    assert info.value.code == "service_unreachable"


class _Scripted(BaseHTTPRequestHandler):
    """Answers from a script of (status, headers, body); records what it was sent."""

    script: ClassVar[list[tuple[int, dict[str, str], bytes]]] = []
    seen: ClassVar[list[dict[str, str]]] = []

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.seen.append(dict(self.headers))
        status, headers, body = self.script.pop(0)
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture()
def scripted() -> Iterator[tuple[str, type[_Scripted]]]:
    handler = type("Handler", (_Scripted,), {"script": [], "seen": []})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", handler
    finally:
        httpd.shutdown()


OVERLOADED = (503, {"Retry-After": "0", "Content-Type": "application/json"}, json.dumps(
    {"error": {"code": "overloaded", "message": "busy",
               "details": {"retry_after_s": 0}}}).encode())
OK = (200, {"Content-Type": "application/json"}, json.dumps(
    {"translation": "ok", "models": [], "timings_ms": {}, "warnings": []}).encode())


def test_overload_is_retried_after_the_servers_wait(
        scripted: tuple[str, type[_Scripted]]) -> None:
    url, handler = scripted
    handler.script[:] = [OVERLOADED, OK]
    assert RingkasClient(url, retries=1, api_key="k1").translate("x").translation == "ok"
    assert len(handler.seen) == 2 and handler.seen[0]["Authorization"] == "Bearer k1"

    handler.script[:] = [OVERLOADED]
    with pytest.raises(ServiceError) as info:
        RingkasClient(url).translate("x")  # retries=0: the caller decides
    assert (info.value.code, info.value.retry_after_s) == ("overloaded", 0.0)


def test_an_answer_that_is_not_ringkas_json_is_an_error(
        scripted: tuple[str, type[_Scripted]]) -> None:
    url, handler = scripted
    handler.script[:] = [(502, {"Content-Type": "text/html"}, b"<h1>Bad gateway</h1>"),
                         (200, {"Content-Type": "application/json"}, b"[1, 2]")]
    with pytest.raises(ServiceError) as info:
        RingkasClient(url).translate("x")
    assert (info.value.status, info.value.code) == (502, "http_error")
    with pytest.raises(TransportError) as transport:
        RingkasClient(url).translate("x")
    assert transport.value.code == "unexpected_response"


def test_cli_service_mode_summarises_and_translates_through_the_service(server: str) -> None:
    runner = CliRunner()
    result = runner.invoke(main, ["summarize", "--service", server, "--json", "--lang", "en",
                                  "--length", "short", "-"], input=SHORT_ID)
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    assert body["summary"]["en"] and body["models"]
    result = runner.invoke(main, ["translate", "--service", server, "-"], input=SHORT_ID)
    assert result.exit_code == 0 and result.output.strip()
    assert "warning [random_weights]" in result.stderr


def test_cli_service_mode_reports_the_service_error_code(server: str) -> None:
    result = CliRunner().invoke(main, ["summarize", "--service", server, "--length", "99", "-"],
                                input=SHORT_ID)
    assert result.exit_code == 2
    assert "error [invalid_length]" in result.output
