"""Crash safety: the real service is killed (SIGKILL) mid-batch and started again on the
same data dir; every item completes exactly once and the results equal a clean run's."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import requests

from tests.conftest import poll_job, start_server, stop_server
from tests.test_jobs import comparable, items_for

TOTAL = 6


def poll(base: str, job_id: str, until: Any) -> dict[str, Any]:
    return poll_job(base, job_id, until, timeout_s=180)


def test_kill_9_mid_batch_then_restart(tiny_dir: Path, tmp_path: Path) -> None:
    env = {"RINGKAS_DATA_DIR": str(tmp_path / "data")}
    items = items_for(TOTAL)
    proc, base = start_server(tiny_dir, env)
    try:
        resp = requests.post(f"{base}/v1/jobs", json={"items": items}, timeout=30)
        assert resp.status_code == 202, resp.text
        job_id = resp.json()["id"]
        before = poll(base, job_id, lambda b: 0 < b["progress"]["finished"] <= TOTAL - 3)
        proc.kill()  # SIGKILL: no drain, no cleanup
        proc.wait()
    finally:
        if proc.poll() is None:
            stop_server(proc)
    done_before = {i["index"]: i["result"] for i in before["items"] if i["status"] == "done"}

    proc, base = start_server(tiny_dir, env)
    try:
        after = poll(base, job_id, lambda b: b["status"] in ("done", "failed", "cancelled"))
        # A clean run of the same items, on the same (restarted) service.
        clean_id = requests.post(f"{base}/v1/jobs", json={"items": items},
                                 timeout=30).json()["id"]
        clean = poll(base, clean_id, lambda b: b["status"] in ("done", "failed"))
    finally:
        stop_server(proc)

    assert after["status"] == "done"
    assert after["progress"] == {"done": TOTAL, "failed": 0, "finished": TOTAL, "total": TOTAL}
    assert [i["id"] for i in after["items"]] == [i["id"] for i in items]
    for got, want in zip(after["items"], clean["items"], strict=True):
        assert comparable(got["result"]) == comparable(want["result"])
    # Results recorded before the kill are the ones reported after it: not redone.
    for index, result in done_before.items():
        assert after["items"][index]["result"] == result
    with sqlite3.connect(tmp_path / "data" / "jobs.sqlite3") as db:
        rows = db.execute("SELECT idx, attempts FROM items WHERE job_id = ? ORDER BY idx",
                          (job_id,)).fetchall()
    assert [r[0] for r in rows] == list(range(TOTAL))  # one row, one result, per item
    attempts = dict(rows)
    # Items finished before the kill ran once; only what was in flight at the kill ran again.
    assert all(attempts[i] == 1 for i in done_before)
    assert sum(a - 1 for a in attempts.values()) <= 1
    print(f"crash test: killed with {len(done_before)}/{TOTAL} items finished; "
          f"re-run after restart: {sum(a - 1 for a in attempts.values())} item(s)")
