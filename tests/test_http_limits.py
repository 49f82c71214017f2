"""What `ringkas serve` does with bodies over the limit and with slow clients (live server,
loopback). The same oversize cases run against gunicorn in test_deploy.py."""

from __future__ import annotations

import contextlib
import json
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

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
