"""LibreTranslate's /suggest (kept per key in the data dir, never logged), its review and
export (`ringkas suggestions`), and /frontend/settings."""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from click.testing import CliRunner
from flask import Flask

from service.api import create_app
from service.api.runtime import services_of
from service.auth.store import KeyStore
from service.cli import main
from service.config import Settings
from service.engine import Engine
from service.suggestions import SuggestionsFull, SuggestionStore, export_lines, store_path
from tests.conftest import with_limits

Q = "Pabrik sepatu itu mempekerjakan dua ratus orang."
S = "The shoe factory employs two hundred people."


def _on(settings: Settings, **changes: object) -> Settings:
    return settings.changed(suggestions=True, **changes)  # type: ignore[arg-type]


def _store(settings: Settings) -> SuggestionStore:
    return SuggestionStore(store_path(settings.data_dir))


def test_suggestions_are_off_by_default_as_in_libretranslate(
        settings: Settings, engines: Mapping[str, Engine]) -> None:
    client = create_app(settings, engines=engines).test_client()
    resp = client.post("/suggest", data={"q": Q, "s": S, "source": "id", "target": "en"})
    assert resp.status_code == 403 and resp.get_json()["code"] == "suggestions_disabled"
    assert not store_path(settings.data_dir).exists()  # nothing kept, no file made


def test_a_suggestion_is_kept_as_sent_in_every_shape(settings: Settings,
                                                     engines: Mapping[str, Engine]) -> None:
    on = _on(settings)
    client = create_app(on, engines=engines).test_client()
    body = {"q": Q, "s": S, "source": "id", "target": "en"}
    assert client.post("/suggest", data=body).get_json() == {"success": True}
    assert client.post("/suggest", json={**body, "s": S + " (2)"}).status_code == 200
    assert client.post(f"/suggest?{urlencode({**body, 's': S + ' (3)'})}").status_code == 200
    found = _store(on).find()
    assert [(x.q, x.s, x.source, x.target, x.key_id) for x in found] == [
        (Q, S, "id", "en", None), (Q, S + " (2)", "id", "en", None),
        (Q, S + " (3)", "id", "en", None)]


@pytest.mark.parametrize(("body", "code"), [
    ({"s": S, "source": "id", "target": "en"}, "missing_field"),
    ({"q": Q, "source": "id", "target": "en"}, "missing_field"),
    ({"q": Q, "s": S, "target": "en"}, "missing_field"),
    ({"q": Q, "s": S, "source": "id"}, "missing_field"),
    ({"q": Q, "s": S, "source": "id", "target": "fr"}, "unsupported_language_pair"),
    ({"q": Q, "s": S, "source": "en", "target": "en"}, "unsupported_language_pair"),
    ({"q": Q, "s": "   ", "source": "id", "target": "en"}, "empty_text"),
    ({"q": [Q, Q], "s": S, "source": "id", "target": "en"}, "invalid_type"),
])
def test_bad_suggestions_answer_400_in_libretranslates_shape(
        settings: Settings, engines: Mapping[str, Engine], body: dict[str, object],
        code: str) -> None:
    on = _on(settings)
    resp = create_app(on, engines=engines).test_client().post("/suggest", json=body)
    assert resp.status_code == 400
    assert set(resp.get_json()) == {"error", "code"} and resp.get_json()["code"] == code
    assert _store(on).find() == []


def test_suggestion_size_and_count_limits(settings: Settings,
                                          engines: Mapping[str, Engine]) -> None:
    on = with_limits(_on(settings, suggestions_max=1), max_text_chars=100)
    client = create_app(on, engines=engines).test_client()
    long = client.post("/suggest", json={"q": "a" * 101, "s": S, "source": "id",
                                         "target": "en"})
    assert long.status_code == 400 and long.get_json()["code"] == "text_too_long"
    body = {"q": Q, "s": S, "source": "id", "target": "en"}
    assert client.post("/suggest", json=body).status_code == 200
    full = client.post("/suggest", json=body)
    assert full.status_code == 507 and full.get_json()["code"] == "suggestions_full"
    assert len(_store(on).find()) == 1


def test_suggested_text_never_reaches_the_logs(settings: Settings,
                                               engines: Mapping[str, Engine],
                                               caplog: pytest.LogCaptureFixture) -> None:
    client = create_app(_on(settings), engines=engines).test_client()
    with caplog.at_level(logging.DEBUG):
        client.post("/suggest", data={"q": "RAHASIA-Q " + Q, "s": "SECRET-S " + S,
                                      "source": "id", "target": "en"})
        client.post("/suggest", json={"q": "RAHASIA-Q", "s": "SECRET-S", "source": "id",
                                      "target": "fr"})
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "/suggest" in logged  # the access log saw both requests...
    assert "RAHASIA" not in logged and "SECRET" not in logged  # ...and none of the text


def test_suggestions_are_scoped_to_their_key(settings: Settings,
                                             engines: Mapping[str, Engine],
                                             tmp_path: Path) -> None:
    db = tmp_path / "keys.sqlite3"
    store = KeyStore(db)
    (a_id, a), (b_id, b) = store.add("desk-a"), store.add("desk-b")
    on = _on(settings, require_api_keys=True, keys_db=str(db))
    client = create_app(on, engines=engines).test_client()
    body = {"q": Q, "s": S, "source": "id", "target": "en"}
    assert client.post("/suggest", data={**body, "api_key": a}).status_code == 200
    assert client.post("/suggest", json={**body, "s": "B's", "api_key": b}).status_code == 200
    assert client.post("/suggest", data=body).get_json()["code"] == "missing_api_key"
    assert client.post("/suggest", data={**body, "api_key": "rk_x"}).status_code == 403
    kept = _store(on)
    assert [(x.key_id, x.s) for x in kept.find()] == [(a_id, S), (b_id, "B's")]
    assert [x.s for x in kept.find(key_id=b_id)] == ["B's"]
    assert kept.find(anonymous=True) == []


def _seed(data_dir: Path) -> SuggestionStore:
    store = SuggestionStore(store_path(str(data_dir)))
    store.add("Desa itu  kecil.", "The village is small.", "id", "en", 1)
    store.add("pabrik", "factory", "id", "en", None)
    store.add("Desa itu kecil.", "The village is tiny.", "id", "en", 2)  # a later correction
    store.add("The village", "Desa itu", "en", "id", 1)
    return store


def test_cli_lists_exports_and_clears_by_key_and_pair(tmp_path: Path) -> None:
    _seed(tmp_path)
    run = CliRunner().invoke
    where = ["--data-dir", str(tmp_path)]
    listed = run(main, ["suggestions", "list", *where, "--key", "1"])
    assert listed.exit_code == 0, listed.output
    assert "Desa itu kecil." in listed.output and "pabrik" not in listed.output
    rows = run(main, ["suggestions", "list", *where, "--anonymous", "--json"]).output
    assert [json.loads(line)["q"] for line in rows.splitlines()] == ["pabrik"]
    glossary = run(main, ["suggestions", "export", *where, "--pair", "id-en"])
    assert glossary.exit_code == 0, glossary.output
    # One entry per term, the latest suggestion's, whitespace made single spaces.
    assert glossary.stdout == "pabrik\tfactory\nDesa itu kecil.\tThe village is tiny.\n"
    no_pair = run(main, ["suggestions", "export", *where])
    assert no_pair.exit_code == 2 and "--pair" in no_pair.output
    out = tmp_path / "eval.jsonl"
    made = run(main, ["suggestions", "export", *where, "--format", "eval", "--pair", "en-id",
                      "-o", str(out)])
    assert made.exit_code == 0, made.output
    assert [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()] == [
        {"suggestion": 4, "source_lang": "en", "target_lang": "id", "en": "The village",
         "id": "Desa itu"}]
    cleared = run(main, ["suggestions", "clear", *where, "--key", "1", "--yes"])
    assert cleared.exit_code == 0 and "deleted 2" in cleared.output
    left = SuggestionStore(store_path(str(tmp_path))).find()
    assert [x.id for x in left] == [2, 3]


def test_cli_without_a_store_says_where_it_looked(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["suggestions", "list", "--data-dir",
                                       str(tmp_path / "none")])
    assert result.exit_code != 0 and "RINGKAS_SUGGESTIONS" in result.output


def test_glossary_export_keeps_each_entry_on_one_line() -> None:
    store_rows = [type("S", (), {"q": "a\tb\nc", "s": "x\n y", "id": 1, "source": "id",
                                 "target": "en"})()]
    assert list(export_lines(store_rows, "glossary")) == ["a b c\tx y"]  # type: ignore[arg-type]


def test_frontend_settings_come_from_the_config(settings: Settings,
                                                engines: Mapping[str, Engine],
                                                tmp_path: Path) -> None:
    mine = with_limits(_on(settings, frontend_timeout_ms=750), max_text_chars=5000)
    body = create_app(mine, engines=engines).test_client().get("/frontend/settings").get_json()
    assert body == {"charLimit": 5000, "frontendTimeout": 750, "apiKeys": False,
                    "keyRequired": False, "suggestions": True, "filesTranslation": True,
                    "supportedFilesFormat": [".txt", ".html", ".docx"],
                    "language": {"source": {"code": "auto", "name": "Auto Detect"},
                                 "target": {"code": "en", "name": "English"}}}
    # Public, as LibreTranslate's: its page reads it before it has a key.
    keyed = settings.changed(require_api_keys=True,
                                keys_db=str(tmp_path / "k.sqlite3"))
    resp = create_app(keyed, engines=engines).test_client().get("/frontend/settings")
    assert resp.status_code == 200
    assert resp.get_json()["keyRequired"] is True and resp.get_json()["suggestions"] is False


def test_files_translation_follows_the_documents_feature(
        settings: Settings, engines: Mapping[str, Engine]) -> None:
    app: Flask = create_app(settings, engines=engines)
    assert app.test_client().post("/translate_file").status_code == 400  # served: no file
    services_of(app).documents.formats = ()  # as a server without the feature would say
    body = app.test_client().get("/frontend/settings").get_json()
    assert body["filesTranslation"] is False and body["supportedFilesFormat"] == []



def test_the_cap_holds_under_concurrent_suggestions(tmp_path: Path) -> None:
    from tests.test_batcher import run_concurrently

    path = tmp_path / "suggestions.sqlite3"
    SuggestionStore(path)  # the schema made before the race
    results = run_concurrently([
        lambda i=i: SuggestionStore(path, max_rows=10).add(
            "Kucing itu tidur.", "The cat sleeps.", "id", "en", i % 4) for i in range(40)])
    refused = [r.code for r in results if isinstance(r, SuggestionsFull)]
    assert len(SuggestionStore(path).find()) == 10
    assert refused == ["suggestions_full"] * 30


def test_one_key_fills_only_its_own_share(tmp_path: Path) -> None:
    store = SuggestionStore(tmp_path / "s.sqlite3", max_rows=100, max_rows_per_key=2)
    for _ in range(2):
        store.add("Kucing itu tidur.", "The cat sleeps.", "id", "en", 1)
    with pytest.raises(SuggestionsFull) as info:
        store.add("Kucing itu tidur.", "The cat sleeps.", "id", "en", 1)
    assert info.value.code == "suggestions_key_full" and info.value.status == 507
    store.add("Kucing itu tidur.", "The cat sleeps.", "id", "en", 2)  # another key may
    store.add("Kucing itu tidur.", "The cat sleeps.", "id", "en", None)  # and keys off
    assert len(store.find()) == 4


def test_concurrent_suggestions_through_the_api_keep_the_cap_and_each_keys_share(
        settings: Settings, engines: Mapping[str, Engine]) -> None:
    """As `ringkas serve` takes them: 90 at once from one key fill only its share, and
    another key's then still fit, up to the server's cap and never past it."""
    from tests.test_batcher import run_concurrently

    on = _on(settings, suggestions_max=50, suggestions_max_per_key=30,
             require_api_keys=True)
    store = KeyStore(on.auth.keys_db)
    (_, busy), (_, other) = store.add("busy"), store.add("other")
    client = create_app(on, engines=engines).test_client()

    def suggest(key: str) -> tuple[int, Any]:
        resp = client.post("/suggest", json={"q": Q, "s": S, "source": "id", "target": "en",
                                             "api_key": key})
        return resp.status_code, resp.get_json()

    first = run_concurrently([lambda: suggest(busy) for _ in range(90)])
    assert sorted(status for status, _ in first) == [200] * 30 + [507] * 60
    refused = next(body for status, body in first if status == 507)
    assert refused["code"] == "suggestions_key_full"
    assert isinstance(refused["error"], str)  # LibreTranslate's {"error": "message"}
    second = run_concurrently([lambda: suggest(other) for _ in range(40)])
    assert sorted(status for status, _ in second) == [200] * 20 + [507] * 20
    assert {body["code"] for status, body in second if status == 507} == {"suggestions_full"}
    assert len(_store(on).find()) == 50


# --- approval (a human translation: tests/test_human_translations.py) ------------------

OLD_SCHEMA = """
CREATE TABLE suggestions (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at  TEXT NOT NULL,
    key_id      INTEGER,
    source      TEXT NOT NULL,
    target      TEXT NOT NULL,
    q           TEXT NOT NULL,
    s           TEXT NOT NULL
);
CREATE INDEX suggestions_key ON suggestions (key_id);
"""


def test_a_store_of_the_earlier_schema_is_migrated_keeping_every_row(tmp_path: Path) -> None:
    path = store_path(str(tmp_path))
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = [(1, "2026-01-01T00:00:00+00:00", 3, "id", "en", Q, S),
            (2, "2026-01-02T00:00:00+00:00", None, "en", "id", "The village.", "Desa itu.")]
    with sqlite3.connect(path) as conn:
        conn.executescript(OLD_SCHEMA)
        conn.executemany("INSERT INTO suggestions VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
    conn.close()
    store = SuggestionStore(path)
    assert [(x.id, x.created_at, x.key_id, x.source, x.target, x.q, x.s, x.approved_at)
            for x in store.find()] == [(*row, None) for row in rows]
    assert store.approve([2, 9]) == [2]
    assert [x.id for x in store.approved()] == [2]
    assert [x.id for x in SuggestionStore(path).find(approved=False)] == [1]  # opened again


def test_cli_approves_lists_and_unapproves(tmp_path: Path) -> None:
    store = SuggestionStore(store_path(str(tmp_path)))
    store.add(Q, S, "id", "en", None)
    store.add("Desa itu kecil.", "The village is small.", "id", "en", 1)
    run = CliRunner().invoke
    where = ["--data-dir", str(tmp_path)]
    approved = run(main, ["suggestions", "approve", *where, "2", "5"])
    assert approved.exit_code == 1 and "approved 1" in approved.output
    assert "no suggestion 5" in approved.output
    listed = run(main, ["suggestions", "list", *where, "--approved", "--json"])
    assert listed.exit_code == 0, listed.output
    rows = [json.loads(line) for line in listed.output.splitlines()]
    assert [r["id"] for r in rows] == [2] and rows[0]["approved_at"]
    table = run(main, ["suggestions", "list", *where]).output
    assert "approved" in table.splitlines()[0]
    others = run(main, ["suggestions", "list", *where, "--not-approved", "--json"]).output
    assert [json.loads(line)["id"] for line in others.splitlines()] == [1]
    withdrawn = run(main, ["suggestions", "unapprove", *where, "2"])
    assert withdrawn.exit_code == 0 and "withdrew the approval of 1" in withdrawn.output
    assert store.approved() == []
    none = run(main, ["suggestions", "approve", *where])
    assert none.exit_code == 2  # at least one id
