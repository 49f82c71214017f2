"""Crash safety of documents: a document whose process was killed is reported failed soon
after (its lease lapses, or a starting process sees its holder gone), and its characters
are given back exactly once, whichever process finds it."""

from __future__ import annotations

import socket
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
import requests
from flask import Flask

from service.api import create_app
from service.api.runtime import runtime_of
from service.auth.store import KeyStore
from service.auth.usage import ProcessMeter
from service.config import Settings
from service.documents.lease import process_gone, process_id
from service.documents.store import ERROR, TRANSLATING, DocumentStore
from service.runtime.documents import DocumentJobs
from tests.conftest import start_server, stop_server


def test_a_charge_made_with_a_ref_is_given_back_once(tmp_path: Path) -> None:
    store = KeyStore(tmp_path / "keys.sqlite3")
    key_id, _ = store.add("documents", char_limit=100)
    store.charge(key_id, 30, ref="doc_a")
    store.charge(key_id, 20)
    assert store.usage(key_id).characters == 50
    assert store.refund_charge(key_id, "doc_a") is True
    assert store.refund_charge(key_id, "doc_a") is False  # a second process finds it done
    assert KeyStore(store.path).refund_charge(key_id, "doc_a") is False
    assert store.refund_charge(key_id, "doc_never_charged") is False
    assert store.refund_charge(key_id + 1, "doc_a") is False  # another key's ref: nothing
    assert store.usage(key_id).characters == 20
    meter = ProcessMeter()
    meter.charge(0, 30, ref="doc_a")
    assert meter.refund_charge(0, "doc_a") and not meter.refund_charge(0, "doc_a")
    assert meter.usage(0).characters == 0


def _dead_pid() -> int:
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


def test_a_process_that_stopped_is_known_gone_on_its_machine() -> None:
    me = process_id()
    assert not process_gone(me)
    host, pid, started, _ = me.split(":")
    assert process_gone(f"{host}:{_dead_pid()}:{started}:x")
    assert process_gone(f"{host}:{pid}:{int(started) - 1}:x")  # the pid, reused since
    assert not process_gone(f"elsewhere:{_dead_pid()}:1:x")  # only its lease can tell
    assert process_gone(None)  # a record made before leases


def test_a_starting_process_fails_and_refunds_what_a_killed_one_left(
        settings: Settings, tmp_path: Path) -> None:
    keys = KeyStore(tmp_path / "keys.sqlite3")
    key_id, _ = keys.add("documents", char_limit=1000)
    store = DocumentStore(tmp_path / "documents", retention_s=3600)
    dead = f"{socket.gethostname()}:{_dead_pid()}:1:gone"
    record, key = store.create("7", filename="a.txt", format="txt", media_type="text/plain",
                               source="id", target="en", characters=300, status=TRANSLATING,
                               charged_key=key_id, lease_owner=dead)
    keys.charge(key_id, 300, ref=record.id)
    keys.charge(key_id, 5)  # another request's, which stays counted
    app: Flask = create_app(settings)
    # Its lease has not lapsed yet, but its process is gone: failed at once, at start.
    jobs = DocumentJobs(settings, runtime_of(app), store, meter=keys)
    found = store.get(record.id, key, "7")
    assert found is not None and found.status == ERROR and found.refunded
    assert found.error is not None and found.error["code"] == "document_interrupted"
    assert keys.usage(key_id).characters == 5
    # A failure whose refund the dead process never made is settled by the sweep too, and
    # no sweep gives a charge back twice.
    failed, _ = store.create("7", filename="b.txt", format="txt", media_type="text/plain",
                             source="id", target="en", characters=40, status=ERROR,
                             charged_key=key_id, lease_owner=dead)
    keys.charge(key_id, 40, ref=failed.id)
    assert jobs.recover() == 0
    assert keys.usage(key_id).characters == 5
    DocumentJobs(settings, runtime_of(app), store, meter=keys)
    assert keys.usage(key_id).characters == 5
    # Nothing unsettled is purged: an expired live document stays until it is failed.
    assert all(not r.unsettled for r in store.records())


# --- a real server, killed -9 mid-document ---------------------------------------------------

def _status(base: str, key: str, doc: dict[str, str]) -> dict[str, Any]:
    resp = requests.post(f"{base}/v2/document/{doc['document_id']}", timeout=30,
                         headers={"Authorization": f"DeepL-Auth-Key {key}"},
                         json={"document_key": doc["document_key"]})
    assert resp.status_code == 200, resp.text
    body: dict[str, Any] = resp.json()
    return body


def _used(base: str, key: str) -> int:
    resp = requests.get(f"{base}/v2/usage", timeout=30,
                        headers={"Authorization": f"DeepL-Auth-Key {key}"})
    assert resp.status_code == 200, resp.text
    count: int = resp.json()["character_count"]
    return count


@pytest.mark.timeout(600)
def test_kill_9_during_a_document_then_restart(tiny_dir: Path, tmp_path: Path) -> None:
    keys_db = tmp_path / "keys.sqlite3"
    _, key = KeyStore(keys_db).add("documents", char_limit=1_000_000)
    env = {"RINGKAS_DATA_DIR": str(tmp_path / "data"), "RINGKAS_KEYS_DB": str(keys_db),
           "RINGKAS_REQUIRE_API_KEYS": "1"}
    # Long enough that the tiny models are still at it when the kill comes.
    lines = "\n".join(f"Desa nomor {i} di tepi sungai itu kecil sekali." for i in range(2000))
    proc, base = start_server(tiny_dir, env)
    try:
        resp = requests.post(f"{base}/v2/document", timeout=60,
                             headers={"Authorization": f"DeepL-Auth-Key {key}"},
                             files={"file": ("desa.txt", lines.encode())},
                             data={"source_lang": "ID", "target_lang": "EN-US"})
        assert resp.status_code == 200, resp.text
        doc = resp.json()
        charged = _used(base, key)
        assert charged > 0
        end = time.monotonic() + 120
        while _status(base, key, doc)["status"] != TRANSLATING:
            assert time.monotonic() < end, "the document never started"
            time.sleep(0.05)
        proc.kill()  # SIGKILL: no drain, no cleanup
        proc.wait()
    finally:
        if proc.poll() is None:
            stop_server(proc)

    proc, base = start_server(tiny_dir, env)
    try:
        started = time.monotonic()
        status = _status(base, key, doc)
        while status["status"] != "error" and time.monotonic() - started < 60:
            time.sleep(0.5)
            status = _status(base, key, doc)
        assert status["status"] == "error", status
        assert "stopped" in status["error_message"]
        assert _used(base, key) == 0  # its characters are given back
    finally:
        stop_server(proc)
