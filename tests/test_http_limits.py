"""What `ringkas serve` does with bodies over the limit and with slow clients (live server,
loopback). The same oversize cases run against gunicorn in test_deploy.py."""

from __future__ import annotations

import contextlib
import json
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.conftest import start_server, stop_server

LIMIT = 100_000
PATHS = ("/v1/translate", "/translate")


def _urllib(url: str, data: bytes) -> tuple[int, bytes]:
    req = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def _chunked(url: str, data: bytes) -> tuple[int, bytes]:
    parts = (data[i:i + 65536] for i in range(0, len(data), 65536))  # no Content-Length
    resp = requests.post(url, data=parts, headers={"Content-Type": "application/json"},
                         timeout=60)
    return resp.status_code, resp.content


def _curl(url: str, data: bytes, tmp: Path) -> tuple[int, bytes]:
    body = tmp / "body.json"
    body.write_bytes(data)
    out = subprocess.run(["curl", "-s", "-o", "-", "-w", "\n%{http_code}", "-H",
                          "Content-Type: application/json", "--data-binary", f"@{body}", url],
                         capture_output=True, timeout=60, check=False)
    text, _, code = out.stdout.rpartition(b"\n")
    return int(code or 0), text


def assert_oversize_answered(base: str, limit: int, tmp: Path) -> None:
    """Every client gets a 413 in the route's own JSON shape, whatever the body's size and
    framing (Content-Length far over the limit; chunked; valid JSON followed by padding)."""
    huge = b'{"text": "' + b"a" * (limit * 40) + b'"}'
    padded = b'{"text": "Dia pergi."}' + b" " * (limit * 2)
    for path in PATHS:
        url = base + path
        cases = {"urllib, huge": _urllib(url, huge), "curl, huge": _curl(url, huge, tmp),
                 "chunked, padded": _chunked(url, padded), "urllib, padded": _urllib(url, padded)}
        for name, (status, raw) in cases.items():
            assert status == 413, (path, name, raw[:200])
            body = json.loads(raw)
            error = body["error"]
            # ringkas's routes nest the error; LibreTranslate's is a string beside a code.
            code = error["code"] if path.startswith("/v1/") else body["code"]
            assert code == "request_too_large", (path, name)
    # The connection state is sound afterwards: a normal request is answered.
    ok = requests.post(f"{base}/v1/translate", json={"text": "Dia pergi."}, timeout=60)
    assert ok.status_code == 200


@pytest.fixture(scope="module")
def server(tiny_dir: Path) -> Iterator[str]:
    proc, base = start_server(tiny_dir, {"RINGKAS_MAX_REQUEST_BYTES": str(LIMIT),
                                         "RINGKAS_READ_TIMEOUT": "2",
                                         "RINGKAS_CONNECTION_LIMIT": "500"})
    try:
        yield base
    finally:
        stop_server(proc)


def test_oversize_bodies_get_a_json_413_every_client_can_read(server: str,
                                                              tmp_path: Path) -> None:
    assert_oversize_answered(server, LIMIT, tmp_path)


def test_slow_clients_are_cut_off_and_health_keeps_answering(server: str) -> None:
    port = int(server.rsplit(":", 1)[1])
    slow = []
    for _ in range(110):  # more than waitress's own default connection limit (100)
        sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        sock.sendall(b"P")
        slow.append(sock)
    try:
        began = time.monotonic()
        closed: set[int] = set()
        while time.monotonic() - began < 6:
            for i, sock in enumerate(slow):
                if i in closed:
                    continue
                try:
                    sock.sendall(b"O")  # a byte at a time: never idle, never complete
                except OSError:
                    closed.add(i)
            health = requests.get(f"{server}/v1/health", timeout=3)
            assert health.status_code == 200
            time.sleep(0.5)
        # The server cut every one of them after its read timeout (2 s here).
        for i, sock in enumerate(slow):
            if i in closed:
                continue
            sock.settimeout(3)
            with contextlib.suppress(ConnectionResetError):
                assert sock.recv(1024) == b"", i
    finally:
        for sock in slow:
            sock.close()
    assert requests.get(f"{server}/v1/ready", timeout=3).status_code == 200


# --- the channel itself, in process (a plain WSGI app, no models) ------------------------


@contextlib.contextmanager
def _waitress(app: Any, *, read_timeout_s: float, connection_limit: int = 50,
              ) -> Iterator[int]:
    from service.server import build_server

    server = build_server(app, "127.0.0.1", 0, 4, max_body=LIMIT,
                          read_timeout_s=read_timeout_s, connection_limit=connection_limit)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield server.effective_port
    finally:
        server.close()
        thread.join(5)


def _app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    body = environ["wsgi.input"].read()
    if environ["PATH_INFO"] == "/slow":
        time.sleep(float(environ.get("QUERY_STRING") or 2.5))
    out = f"{environ['PATH_INFO']} {len(body)}".encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(out)))])
    return [out]


def _read_all(sock: socket.socket, timeout_s: float) -> bytes:
    sock.settimeout(timeout_s)
    data = b""
    with contextlib.suppress(OSError):
        while chunk := sock.recv(65536):
            data += chunk
    return data


def test_a_request_pipelined_behind_a_slow_one_is_not_cut() -> None:
    with _waitress(_app, read_timeout_s=1) as port, \
            socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        # The first request is served for 2.5 s; the second's header is incomplete all the
        # while, but the connection is not being read: its clock must not run.
        sock.sendall(b"GET /slow HTTP/1.1\r\nHost: x\r\n\r\nGET /next HTTP/1.1\r\nHo")
        time.sleep(3.0)
        sock.sendall(b"st: x\r\nConnection: close\r\n\r\n")
        data = _read_all(sock, 5)
    assert b"/slow 0" in data and b"/next 0" in data, data


def test_a_slow_but_steady_upload_gets_through_and_a_trickle_is_cut() -> None:
    with _waitress(_app, read_timeout_s=1) as port:
        body = b"x" * 6000
        with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
            sock.sendall(b"POST /up HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                         b"Content-Length: %d\r\n\r\n" % len(body))
            for i in range(0, len(body), 1000):  # 2,000 bytes a second for 3 s
                sock.sendall(body[i:i + 1000])
                time.sleep(0.5)
            assert b"/up 6000" in _read_all(sock, 5)
        with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
            sock.sendall(b"POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: 6000\r\n\r\n")
            cut = False
            for _ in range(40):  # 10 bytes a second: far below the minimum rate
                try:
                    sock.sendall(b"x")
                except OSError:
                    cut = True
                    break
                time.sleep(0.1)
            assert cut or _read_all(sock, 3) == b""


def test_connections_that_send_nothing_are_closed_after_the_read_timeout() -> None:
    with _waitress(_app, read_timeout_s=1, connection_limit=4) as port:
        idle = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(4)]
        try:
            time.sleep(3.5)  # the timeout plus waitress's cleanup pass
            with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
                sock.sendall(b"GET /ok HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                assert b"/ok 0" in _read_all(sock, 5)
            assert all(_read_all(s, 1) == b"" for s in idle)
        finally:
            for s in idle:
                s.close()
