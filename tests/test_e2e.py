"""The real server process on loopback, with tiny models, answering the seed article."""

from __future__ import annotations

import requests


def test_seed_article_end_to_end(server: str, seed_text: str) -> None:
    resp = requests.post(f"{server}/v1/summarize", timeout=300,
                         json={"text": seed_text, "languages": ["en", "id"], "length": "short"})
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert set(body) == {"summary", "strategy", "length", "models", "prompt", "fidelity",
                         "timings_ms", "warnings", "translation_memory", "reused"}
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
