"""Scale-out backend: job state in Redis, items run by ``ringkas worker`` processes via RQ.

Topology: any number of stateless ``ringkas serve`` processes and ``ringkas worker``
processes, on any machines, share one Redis. The service validates a job, writes it to
Redis and enqueues one RQ job per item; workers (RQ ``SimpleWorker``: models loaded once,
no fork per item) run items and write results to Redis; any service answers ``GET``.

Keys (prefix ``ringkas:job:<id>``): the hash ``<id>`` (owner, total, counts, status...),
``<id>:meta`` (index -> kind and client id), ``<id>:req`` (index -> request, deleted once
the item finished), ``<id>:res`` (index -> result or error), the set ``<id>:started``.
A result is written with HSETNX in one Lua script that also counts it and finishes the
job: an item run twice (its worker was presumed dead) is still recorded once.

A worker killed mid-item: the item's RQ execution stops being renewed (heartbeat), lapses
after the grace period, and the next maintenance pass of any live worker re-enqueues it
(RQ's abandoned-job handling, with ``Retry``).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from contextvars import ContextVar
from dataclasses import dataclass

from redis import Redis
from rq import Queue, Retry, SimpleWorker
from rq.job import Job
from rq.worker import WorkerStatus

from service.config import Settings
from service.errors import JobsStorageUnavailable
from service.glossary.terms import Matchers
from service.jobs.model import (
    CANCELLED,
    FINAL,
    ITEM_DONE,
    ITEM_ERROR,
    QUEUED,
    RUNNING,
    ItemState,
    JobRequest,
    JobState,
    new_job_id,
)
from service.jobs.webhook import deliver, payload
from service.overload import Deadline
from service.pipeline import Pipeline
from service.runtime.execute import outcome

log = logging.getLogger(__name__)
PREFIX = "ringkas:job:"
RETRIES = 3  # re-runs of an item whose worker died
RQ_MARGIN_S = 10  # RQ's hard timeout lies past the item's own deadline

# Records a result once; counts it; finishes the job when it was the last item.
# KEYS: job, res, req  ARGV: index, value, is_error, now, retention
_FINISH = """
if redis.call('HSETNX', KEYS[2], ARGV[1], ARGV[2]) == 0 then return 0 end
redis.call('HDEL', KEYS[3], ARGV[1])
local field = ARGV[3] == '1' and 'failed' or 'done'
redis.call('HINCRBY', KEYS[1], field, 1)
local status = redis.call('HGET', KEYS[1], 'status')
if status ~= 'live' then return 1 end
if redis.call('HLEN', KEYS[2]) < tonumber(redis.call('HGET', KEYS[1], 'total')) then
  return 1
end
local final = tonumber(redis.call('HGET', KEYS[1], 'done') or '0') > 0 and 'done' or 'failed'
local expires = tonumber(ARGV[4]) + tonumber(ARGV[5])
redis.call('HSET', KEYS[1], 'status', final, 'finished_at', ARGV[4], 'expires_at', expires)
return 2
"""


def _s(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def keys(job_id: str) -> dict[str, str]:
    base = PREFIX + job_id
    return {"job": base, "meta": base + ":meta", "req": base + ":req", "res": base + ":res",
            "started": base + ":started"}


def _expire(redis: Redis, job_id: str, seconds: int) -> None:
    with redis.pipeline() as pipe:
        for key in keys(job_id).values():
            pipe.expire(key, seconds)
        pipe.execute()


class RedisJobs:
    """The service's side: submit, read, cancel. Holds no state of its own."""

    def __init__(self, settings: Settings, *, connection: Redis | None = None) -> None:
        self.settings = settings
        self.redis = connection or Redis.from_url(settings.jobs.redis_url)
        self.queue = Queue(settings.jobs.queue_name, connection=self.redis)

    def submit(self, owner: str | None, req: JobRequest) -> JobState:
        job_id, now = new_job_id(), time.time()
        k = keys(job_id)
        bad = [it for it in req.items if it.error]
        with self.redis.pipeline() as pipe:
            pipe.hset(k["job"], mapping={
                "owner": owner or "", "total": len(req.items), "created_at": now,
                "status": "live", "webhook": req.webhook or "", "done": 0,
                "failed": len(bad)})
            pipe.hset(k["meta"], mapping={str(it.index): json.dumps([it.kind, it.ref])
                                          for it in req.items})
            good = [it for it in req.items if not it.error]
            pipe.hset(k["req"], mapping={str(it.index): json.dumps(dict(it.request))
                                         for it in good})
            if bad:
                pipe.hset(k["res"], mapping={str(it.index): json.dumps(
                    {"error": dict(it.error or {})}) for it in bad})
            pipe.execute()
        timeout = self.settings.jobs.job_item_timeout_s + RQ_MARGIN_S
        self.queue.enqueue_many([Queue.prepare_data(
            run_item, (job_id, it.index), job_id=f"{job_id}-{it.index}", timeout=timeout,
            result_ttl=0, failure_ttl=self.settings.jobs.job_retention_s,
            retry=Retry(max=RETRIES)) for it in good])
        state = self.get(job_id, owner)
        assert state is not None
        return state

    def get(self, job_id: str, owner: str | None, *, items: bool = True) -> JobState | None:
        k = keys(job_id)
        with self.redis.pipeline() as pipe:
            pipe.hgetall(k["job"])
            pipe.hgetall(k["meta"] if items else "ringkas:none")
            pipe.hgetall(k["res"] if items else "ringkas:none")
            pipe.smembers(k["started"])
            raw, meta, res, started = pipe.execute()
        job = {key.decode(): value.decode() for key, value in raw.items()}
        if not job or job.get("owner", "") != (owner or ""):
            return None
        total, done, failed = int(job["total"]), int(job["done"]), int(job["failed"])
        status = job["status"]
        if status == "live":
            status = QUEUED if not started and done + failed == 0 else RUNNING
        states: list[ItemState] = []
        if items:
            started_ix = {int(s) for s in started}
            for i in range(total):
                kind, ref = json.loads(meta[str(i).encode()])
                got = res.get(str(i).encode())
                if got is not None:
                    body = json.loads(got)
                    state = ITEM_ERROR if "error" in body else ITEM_DONE
                    states.append(ItemState(i, kind, state, ref, body.get("result"),
                                            body.get("error")))
                else:
                    state = (CANCELLED if status == CANCELLED else
                             RUNNING if i in started_ix else QUEUED)
                    states.append(ItemState(i, kind, state, ref))
        finished = float(job["finished_at"]) if job.get("finished_at") else None
        expires = float(job["expires_at"]) if job.get("expires_at") else None
        return JobState(job_id, status, total, float(job["created_at"]), finished, expires,
                        job.get("webhook") or None, tuple(states), done, failed)

    def cancel(self, job_id: str, owner: str | None) -> JobState | None:
        k = keys(job_id)
        state = self.get(job_id, owner, items=False)
        if state is None:
            return None
        if state.status not in FINAL:
            now = time.time()
            expires = now + self.settings.jobs.job_retention_s
            self.redis.hset(k["job"], mapping={"status": CANCELLED, "finished_at": now,
                                               "expires_at": expires})
            self.redis.delete(k["req"])
            _expire(self.redis, job_id, self.settings.jobs.job_retention_s)
        return self.get(job_id, owner)

    def storage_fault(self) -> JobsStorageUnavailable | None:
        return None  # no data dir here: Redis keeps the jobs, and its errors stay its own

    def conflict(self) -> None:
        return None  # many services share one Redis by design

    def claim(self) -> None:
        pass


# --- the worker's side ----------------------------------------------------------------------

@dataclass(frozen=True)
class WorkerContext:
    pipeline: Pipeline
    settings: Settings
    redis: Redis
    matchers: Matchers | None = None  # the worker's glossary matchers, shared by its items


# Set by `ringkas worker` before it starts consuming; RQ runs items in that same thread.
WORKER: ContextVar[WorkerContext] = ContextVar("ringkas_worker")


def run_item(job_id: str, index: int) -> int:
    """One item, in a worker. Returns 0 when nothing was recorded (already done, cancelled
    or expired), 1 when its result was, 2 when it also finished the job."""
    ctx = WORKER.get()
    r, k, field = ctx.redis, keys(job_id), str(index)
    status = r.hget(k["job"], "status")
    if status is None or _s(status) != "live" or r.hexists(k["res"], field):
        return 0
    raw_req, raw_meta = r.hget(k["req"], field), r.hget(k["meta"], field)
    if raw_req is None or raw_meta is None:
        return 0
    kind, _ = json.loads(raw_meta)
    r.sadd(k["started"], field)
    result, error = outcome(ctx.pipeline, kind, json.loads(raw_req), ctx.settings.limits,
                            Deadline.after(ctx.settings.jobs.job_item_timeout_s),
                            f"{job_id}[{index}]", ctx.matchers)
    value = json.dumps({"error": error} if error is not None else {"result": result})
    now = time.time()
    recorded = int(r.eval(_FINISH, 3, k["job"], k["res"], k["req"], field, value,
                          "1" if error is not None else "0", now,
                          ctx.settings.jobs.job_retention_s))
    if recorded == 2:
        _expire(r, job_id, ctx.settings.jobs.job_retention_s)
        _call_webhook(ctx, job_id)
    return recorded


def _call_webhook(ctx: WorkerContext, job_id: str) -> None:
    url = ctx.redis.hget(keys(job_id)["job"], "webhook")
    if not url:
        return
    owner = _s(ctx.redis.hget(keys(job_id)["job"], "owner") or b"") or None
    state = RedisJobs(ctx.settings, connection=ctx.redis).get(job_id, owner, items=False)
    if state is not None:
        outcome = deliver(_s(url), payload(state.to_json(items=False)),
                          allowed_hosts=ctx.settings.jobs.webhook_hosts,
                          secret=ctx.settings.jobs.webhook_secret,
                          total_s=ctx.settings.jobs.webhook_timeout_s)
        log.info("webhook for job %s: %s", job_id, outcome)


class RingkasWorker(SimpleWorker):
    """RQ's SimpleWorker (items run in this process, on models loaded once) with a lease
    renewed by a heartbeat thread while an item runs, so a dead worker's item is noticed
    after ``heartbeat + grace`` seconds, not after the item's whole timeout."""

    grace_s = 20
    # How long the pub/sub thread waits for a command before looking again. RQ waits 60 s,
    # and on SIGTERM stops that thread with redis-py's stop(), which waits for the wait to
    # end: the worker would hang in shutdown for up to a minute, past any drain time (RQ
    # issue 1613).
    pubsub_wait_s = 1.0

    def subscribe(self) -> None:
        self.log.info("Worker %s: subscribing to channel %s", self.name,
                      self.pubsub_channel_name)
        self.pubsub = self.connection.pubsub()
        self.pubsub.subscribe(**{self.pubsub_channel_name: self.handle_payload})
        self.pubsub_thread = self.pubsub.run_in_thread(  # type: ignore[assignment]  # RQ: None
            sleep_time=self.pubsub_wait_s, daemon=True,
            exception_handler=self._pubsub_exception_handler)

    def execute_job(self, job: Job, queue: Queue) -> None:
        execution = self.prepare_execution(job)
        stop = threading.Event()

        def beat() -> None:
            while not stop.wait(self.job_monitoring_interval):
                try:
                    self.maintain_heartbeats(job, execution)
                except Exception:
                    log.warning("worker %s: heartbeat failed", self.name, exc_info=True)

        beater = threading.Thread(target=beat, name="rq-heartbeat", daemon=True)
        beater.start()
        try:
            self.perform_job(job, queue, execution)
        finally:
            stop.set()
            beater.join()
        self.set_state(WorkerStatus.IDLE)

    def get_heartbeat_ttl(self, job: Job, working_time: float = 0.0) -> int:
        return int(self.job_monitoring_interval + self.grace_s)


def make_worker(settings: Settings, connection: Redis, name: str | None = None) -> RingkasWorker:
    worker = RingkasWorker([Queue(settings.jobs.queue_name, connection=connection)],
                           connection=connection, name=name,
                           job_monitoring_interval=max(1, settings.jobs.worker_heartbeat_s),
                           maintenance_interval=max(1, settings.jobs.worker_maintenance_s),
                           # dequeue_timeout is worker_ttl - 15: an idle worker wakes up
                           # for maintenance as often as it is due.
                           worker_ttl=max(1, settings.jobs.worker_maintenance_s) + 15)
    worker.grace_s = max(1, settings.jobs.worker_grace_s)
    return worker


def roles_for_worker(settings: Settings) -> list[str]:
    """A worker runs any item: every served strategy and both translation directions."""
    from service.languages import PAIR_ROLE
    from service.pipeline.strategies import roles_needed

    return roles_needed(settings.features.strategies, pairs=PAIR_ROLE)
