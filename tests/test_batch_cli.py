"""`ringkas batch`: directory and JSONL input, exactly-once resume after a kill, --service."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import requests

from service.jobs.batch import BatchInputError, finished_ids, read_items
from tests.conftest import start_server, stop_server
from tests.test_jobs import comparable, items_for


def lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def batch(*args: str | Path) -> list[str | Path]:
    return [sys.executable, "-m", "service", "batch", *args, "--no-progress"]


def run_env() -> dict[str, str]:
    return {**os.environ, "HF_HUB_OFFLINE": "1"}


def test_ids_are_stable_and_repeats_distinct(tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text('{"text": "a"}\n\n{"text": "b", "id": "mine"}\n{"text": "a"}\nnot json\n')
    first = read_items(src, {"length": "short"})
    assert [i.id for i in first][1:] == ["mine", first[0].id + "#2", "line:5"]
    assert first[0].id.startswith("sha256:") and first[0].body == {"text": "a",
                                                                     "length": "short"}
    assert first[3].error and first[3].error["code"] == "unreadable_input"
    src.write_text('{"text": "b", "id": "mine"}\n{"text": "a"}\n')  # reordered, fewer
    assert [i.id for i in read_items(src, {})] == ["mine", first[0].id]
    with pytest.raises(BatchInputError):
        read_items(tmp_path / "missing", {})


def test_partial_last_line_is_dropped_and_corruption_refused(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    out.write_text('{"id": "a"}\n{"id": "b"}\n{"id": "c", "res')
    assert finished_ids(out) == {"a", "b"}
    assert out.read_text() == '{"id": "a"}\n{"id": "b"}\n'
    out.write_text('{"id": "a"}\ngarbage\n{"id": "b"}\n')
    with pytest.raises(BatchInputError):
        finished_ids(out)


def test_local_batch_resumes_exactly_once_after_kill(tiny_dir: Path, tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    # Enough items that the kill lands mid-run: a few lines in, many still to come.
    items = [{k: v for k, v in i.items() if k != "id"} for i in items_for(16)]
    items.append({"text": " "})  # fails alone (empty_text)
    src.write_text("".join(json.dumps(i) + "\n" for i in items))
    out, clean = tmp_path / "out.jsonl", tmp_path / "clean.jsonl"
    common = ["--models", str(tiny_dir)]
    proc = subprocess.Popen(batch(src, "--out", out, *common), env=run_env(),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and proc.poll() is None:
        if out.exists() and out.read_text().count("\n") >= 2:
            break
        time.sleep(0.05)
    assert proc.poll() is None, "the batch finished before it could be interrupted"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    interrupted = lines(out)
    assert 2 <= len(interrupted) < len(items)
    with out.open("a") as fh:  # as if the kill had cut a line in half
        fh.write('{"id": "sha256:0000", "status": "do')
    rerun = subprocess.run(batch(src, "--out", out, *common), env=run_env(),
                           capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    assert f"{len(interrupted)} already in" in rerun.stderr
    subprocess.run(batch(src, "--out", clean, *common), env=run_env(), check=True,
                   capture_output=True, timeout=300)
    got, want = lines(out), lines(clean)
    assert [g["id"] for g in got[:len(interrupted)]] == [g["id"] for g in interrupted]
    assert sorted(g["id"] for g in got) == sorted(w["id"] for w in want)  # each once
    assert len({g["id"] for g in got}) == len(items)
    by_id = {w["id"]: w for w in want}
    for g in got:
        w = by_id[g["id"]]
        assert g["status"] == w["status"] and g["source"] == w["source"]
        if g["status"] == "done":
            assert comparable(g["result"]) == comparable(w["result"])
        else:
            assert g["error"]["code"] == w["error"]["code"] == "empty_text"


def test_directory_through_a_service(tiny_dir: Path, tmp_path: Path) -> None:
    src = tmp_path / "articles"
    src.mkdir()
    (src / "a.txt").write_text("Pabrik nomor 1 dibuka di Bogor.")
    (src / "b.html").write_text("<p>Pabrik nomor 2 dibuka di Bogor.</p>")
    (src / "c.json").write_text(json.dumps({"kind": "translate", "id": "c-ref",
                                            "text": "Pabrik nomor 3 dibuka di Bogor."}))
    (src / "notes.md").write_text("ignored")
    out = tmp_path / "out.jsonl"
    # Jobs of at most 2 items: the 3-item chunk is refused (too_many_items) and halved.
    proc, base = start_server(tiny_dir, {"RINGKAS_DATA_DIR": str(tmp_path / "data"),
                                         "RINGKAS_MAX_JOB_ITEMS": "2"})
    try:
        args = [*batch(src, "--out", out, "--service", base, "--strategy", "extractive",
                       "--length", "1")]
        run = subprocess.run(args, env=run_env(), capture_output=True, text=True, timeout=300)
        assert run.returncode == 0, run.stderr
        got = {g["id"]: g for g in lines(out)}
        assert set(got) == {"a.txt", "b.html", "c-ref"}
        assert all(g["status"] == "done" for g in got.values()), got
        assert got["c-ref"]["kind"] == "translate" and got["c-ref"]["source"] == "c.json"
        sync = requests.post(f"{base}/v1/translate", timeout=120,
                             json={"text": "Pabrik nomor 3 dibuka di Bogor."}).json()
        assert comparable(got["c-ref"]["result"]) == comparable(sync)
        sync = requests.post(f"{base}/v1/summarize", timeout=120, json={
            "text": "<p>Pabrik nomor 2 dibuka di Bogor.</p>", "html": True,
            "strategy": "extractive", "length": 1}).json()
        assert comparable(got["b.html"]["result"]) == comparable(sync)
        again = subprocess.run(args, env=run_env(), capture_output=True, text=True,
                               timeout=120)
        assert again.returncode == 0 and "3 already in" in again.stderr
        assert len(lines(out)) == 3
    finally:
        stop_server(proc)


def test_local_batch_loads_the_models_each_item_needs(tiny_dir: Path, tmp_path: Path) -> None:
    """Items that leave fields out get their spec's defaults when the models are chosen; an
    inline glossary (stored frozen with the item) does not stand in the way."""
    src = tmp_path / "in.jsonl"
    items = [{"text": "Pabrik itu besar.", "kind": "translate",
              "glossary_entries": {"pabrik": "factory"}},
             {"text": "The factory is big.", "kind": "translate", "source": "en",
              "target": "id"},
             {"text": "Presiden meresmikan pabrik semen di Jayapura. Pabrik itu besar.",
              "strategy": "extractive", "length": 1, "languages": ["en", "id"]}]
    src.write_text("".join(json.dumps(i) + "\n" for i in items))
    out = tmp_path / "out.jsonl"
    done = subprocess.run(batch(src, "--out", out, "--models", str(tiny_dir)), env=run_env(),
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    got = lines(out)
    assert [g["status"] for g in got] == ["done"] * 3, got
    assert {m["role"] for g in got for m in g["result"]["models"]} >= {
        "translate_id_en", "translate_en_id"}
