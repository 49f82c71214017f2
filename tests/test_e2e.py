"""The real server process on loopback, with tiny models, answering the seed article."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def server(tiny_dir: Path) -> Iterator[str]:
    port = _free_port()
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "service", "serve", "--host", "127.0.0.1", "--port", str(port),
         "--models", str(tiny_dir)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                pytest.fail(f"server exited early:\n{proc.stdout.read() if proc.stdout else ''}")
            try:
                if requests.get(f"{base}/v1/ready", timeout=2).status_code == 200:
                    break
            except requests.ConnectionError:
                time.sleep(0.3)
        else:
            pytest.fail("server did not become ready within 120 s")
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_seed_article_end_to_end(server: str, seed_text: str) -> None:
    resp = requests.post(f"{server}/v1/summarize", timeout=300,
                         json={"text": seed_text, "languages": ["en", "id"], "length": "short"})
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert set(body) == {"summary", "strategy", "length", "models", "prompt", "fidelity",
                         "timings_ms", "warnings"}
    assert set(body["summary"]) == {"en", "id"} and all(body["summary"].values())
    assert body["strategy"] == "translate-summarise"
    assert {m["role"] for m in body["models"]} == {"translate_id_en", "summarize",
                                                   "translate_en_id"}
    assert all(m["random_weights"] for m in body["models"])
    assert "random_weights" in {w["code"] for w in body["warnings"]}
    assert resp.headers["X-Request-ID"]
    assert resp.headers["Server"].startswith("ringkas") or "waitress" in resp.headers["Server"]


def test_errors_are_json_over_the_wire(server: str) -> None:
    resp = requests.post(f"{server}/v1/translate", data="not json", timeout=30,
                         headers={"Content-Type": "application/json"})
    assert resp.status_code == 400
    assert resp.json()["error"]["code"] == "malformed_json"
