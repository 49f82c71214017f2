"""Scale-out on a real Redis: stateless service, `ringkas worker` processes via RQ."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Mapping
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

import requests
from redis import Redis

from service.config import Settings
from service.contract.jobs import parse_job
from service.engine import Engine
from tests.conftest import REPO, poll_job, start_server, stop_server
from tests.test_jobs import _Hook, comparable, items_for

WORKER_ENV = {"RINGKAS_WORKER_HEARTBEAT": "1", "RINGKAS_WORKER_GRACE": "2",
              "RINGKAS_WORKER_MAINTENANCE": "1"}


def start_worker(tiny_dir: Path, redis_url: str, name: str) -> subprocess.Popen[bytes]:
    log_path = Path(tempfile.mkstemp(prefix=f"ringkas-{name}-", suffix=".log")[1])
    with log_path.open("w") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "service", "worker", "--models", str(tiny_dir), "--name",
             name], env={**os.environ, "HF_HUB_OFFLINE": "1", "RINGKAS_REDIS_URL": redis_url,
                         **WORKER_ENV}, stdout=log, stderr=subprocess.STDOUT)


def live_workers(redis_url: str) -> dict[str, str | None]:
    from rq import Worker

    return {w.name: w.get_current_job_id() for w in Worker.all(connection=Redis.from_url(
        redis_url))}


def poll(base: str, job_id: str, until: Any) -> dict[str, Any]:
    return poll_job(base, job_id, until, timeout_s=240)


def test_two_workers_share_a_batch_and_one_dies(tiny_dir: Path, redis_url: str,
                                                 tmp_path: Path) -> None:
    total = 6
    items = items_for(total)
    workers = {n: start_worker(tiny_dir, redis_url, n) for n in ("w1", "w2")}
    proc, base = start_server(tiny_dir, {"RINGKAS_REDIS_URL": redis_url,
                                         "RINGKAS_DATA_DIR": str(tmp_path / "data")})
    try:
        end = time.monotonic() + 180
        while set(live_workers(redis_url)) != {"w1", "w2"}:
            assert time.monotonic() < end, "the workers did not come up"
            assert all(w.poll() is None for w in workers.values())
            time.sleep(0.2)
        resp = requests.post(f"{base}/v1/jobs", json={"items": items}, timeout=30)
        assert resp.status_code == 202, resp.text
        job_id = resp.json()["id"]
        # Kill w1 in the middle of an item, with some items done and some to go.
        end = time.monotonic() + 180
        while True:
            assert time.monotonic() < end, "never caught w1 mid-item"
            current = live_workers(redis_url).get("w1")
            finished = requests.get(f"{base}/v1/jobs/{job_id}?items=false",
                                    timeout=10).json()["progress"]["finished"]
            if current and current.startswith(job_id) and 0 < finished <= total - 3:
                break
            time.sleep(0.05)
        workers["w1"].kill()
        workers["w1"].wait()
        lost_index = int(current.rsplit("-", 1)[1])
        killed_at = time.monotonic()
        after = poll(base, job_id, lambda b: b["status"] in ("done", "failed", "cancelled"))
        assert after["status"] == "done"
        print(f"redis test: w1 killed mid-item {lost_index} with {finished}/{total} finished; "
              f"batch done {time.monotonic() - killed_at:.1f} s after the kill")
        assert after["progress"] == {"done": total, "failed": 0, "finished": total,
                                     "total": total}
        assert after["items"][lost_index]["status"] == "done"  # re-run by w2
        assert set(live_workers(redis_url)) >= {"w2"}
        assert not (tmp_path / "data" / "jobs.sqlite3").exists()  # the service kept nothing
        # Results equal what the service itself answers for each item.
        for item, got in zip(items, after["items"], strict=True):
            body = {k: v for k, v in item.items() if k not in ("kind", "id")}
            path = "/v1/translate" if item.get("kind") == "translate" else "/v1/summarize"
            want = requests.post(f"{base}{path}", json=body, timeout=120).json()
            assert comparable(got["result"]) == comparable(want), item["id"]
    finally:
        for w in workers.values():
            stop_server(w)  # kills one that outlives its 30 s, and never raises
        stop_server(proc)


def test_redis_backend_lifecycle_in_process(redis_url: str, settings: Settings,
                                            engines: Mapping[str, Engine]) -> None:
    """Per-item errors, cancel and ownership on the Redis backend, with an RQ worker run
    in this process (burst mode) on the session's tiny models."""
    from service.pipeline.strategies import STRATEGIES
    from service.runtime.assembly import Runtime
    from service.runtime.redis_jobs import WORKER, RedisJobs, WorkerContext, make_worker

    hook = ThreadingHTTPServer(("127.0.0.1", 0), _Hook)
    threading.Thread(target=hook.serve_forever, daemon=True).start()
    _Hook.received.clear()
    cfg = settings.changed(redis_url=redis_url, queue_name="inproc",
                              webhook_hosts=("127.0.0.1",))
    jobs = RedisJobs(cfg)
    body = {"items": [items_for(2)[1], {"text": " "},
                      {"text": "<p><script>x()</script></p>", "html": True}],
            "webhook": f"http://127.0.0.1:{hook.server_address[1]}/hook"}
    req = parse_job(body, cfg.limits, STRATEGIES, cfg.jobs.webhook_hosts).resolve(None, None)
    state = jobs.submit("7", req)
    assert state.status == "running" or state.status == "queued"
    assert jobs.get(state.id, None) is None and jobs.get(state.id, "8") is None
    doomed = jobs.submit("7", parse_job({"items": items_for(2)}, cfg.limits, STRATEGIES,
                                        ()).resolve(None, None))
    cancelled = jobs.cancel(doomed.id, "7")
    assert cancelled is not None and cancelled.status == "cancelled"
    rt = Runtime(cfg)
    rt.install(engines)
    WORKER.set(WorkerContext(rt.pipeline(), cfg, jobs.redis))
    try:
        make_worker(cfg, jobs.redis, "inproc").work(burst=True)
    finally:
        hook.shutdown()
    done = jobs.get(state.id, "7")
    assert done is not None and done.status == "done"
    assert [(i.state, (i.error or {}).get("code")) for i in done.items] == [
        ("done", None), ("error", "empty_text"), ("error", "empty_after_cleaning")]
    assert done.done == 1 and done.failed == 2
    assert jobs.redis.ttl(f"ringkas:job:{state.id}") > 0  # expires after the retention
    after_cancel = jobs.get(doomed.id, "7")
    assert after_cancel is not None and after_cancel.status == "cancelled"
    assert all(i.state == "cancelled" for i in after_cancel.items)
    # The worker that finished the job called its webhook, once, with no text.
    assert len(_Hook.received) == 1
    sent = json.loads(_Hook.received[0][1])
    assert sent["id"] == state.id and sent["status"] == "done" and "items" not in sent


_IDLE_WORKER = """
import sys
from redis import Redis
from service.config import Settings
from service.runtime.redis_jobs import make_worker
settings = Settings.from_env()
make_worker(settings, Redis.from_url(settings.jobs.redis_url), sys.argv[1]).work()
"""


def test_a_worker_stops_on_sigterm_every_time(redis_url: str) -> None:
    """RQ's pub/sub thread waits for commands; a SIGTERM must not wait for it to wake up,
    or a deployment's worker outlives its drain time. 20 tries, two at a time."""
    env = {**os.environ, "RINGKAS_REDIS_URL": redis_url, **WORKER_ENV}
    stop_times: list[float] = []
    for attempt in range(10):
        names = [f"sigterm-{attempt}-{i}" for i in range(2)]
        procs = [subprocess.Popen([sys.executable, "-c", _IDLE_WORKER, n], env=env, cwd=REPO,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                 for n in names]
        try:
            end = time.monotonic() + 60
            while not set(names) <= set(live_workers(redis_url)):
                assert time.monotonic() < end, "the workers did not come up"
                assert all(p.poll() is None for p in procs)
                time.sleep(0.05)
            time.sleep(0.3)  # the pub/sub thread is in its wait
            started = time.monotonic()
            for p in procs:
                p.send_signal(signal.SIGTERM)
            for p in procs:
                p.wait(timeout=15)
            stop_times.append(time.monotonic() - started)
        finally:
            for p in procs:
                if p.poll() is None:
                    p.kill()
                    p.wait()
    assert len(stop_times) == 10
    assert max(stop_times) < 5, stop_times
