"""POST /v1/jobs, GET /v1/jobs/<id>, DELETE /v1/jobs/<id>

With API keys on, a job belongs to the key that submitted it: any other key gets 404, as
for a job that does not exist.
"""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from service.api.body import json_body
from service.api.caller import owner
from service.api.routing import route
from service.api.runtime import runtime, services
from service.contract import routes
from service.contract.jobs import parse_job
from service.errors import RingkasError
from service.jobs.model import FINAL, JobState
from service.runtime.jobs_backend import JobBackend

bp = Blueprint("jobs", __name__)


class JobNotFound(RingkasError):
    status = 404
    default_code = "job_not_found"


class JobFinished(RingkasError):
    status = 409
    default_code = "job_finished"


def _backend() -> JobBackend:
    return services().jobs


@route(bp, routes.JOBS)
def submit() -> tuple[Response, int, dict[str, str]]:
    rt = runtime()
    strategies = rt.pipeline().strategies  # 503 before reading the body when not ready
    # Items are judged one by one (a bad one fails alone), lone surrogates included.
    parsed = parse_job(json_body(whole=False), rt.settings.limits, strategies,
                       rt.settings.jobs.webhook_hosts)
    req = parsed.resolve(rt.glossaries, owner())  # each item's glossary, frozen as it is now
    state = _backend().submit(owner(), req)
    return jsonify(state.to_json()), 202, {"Location": routes.JOB.path.format(job_id=state.id)}


def _found(job_id: str, state: JobState | None) -> JobState:
    if state is None:
        raise JobNotFound("no such job (it may have expired)", details={"id": job_id})
    return state


@route(bp, routes.JOB, "get")
def get(job_id: str) -> Response:
    items = request.args.get("items", "true").lower() not in ("0", "false", "no")
    state = _found(job_id, _backend().get(job_id, owner(), items=items))
    return jsonify(state.to_json(items=items))


@route(bp, routes.JOB, "delete")
def cancel(job_id: str) -> Response:
    before = _found(job_id, _backend().get(job_id, owner(), items=False))
    if before.status in FINAL:
        raise JobFinished(f"the job is already {before.status}",
                          details={"id": job_id, "status": before.status})
    return jsonify(_found(job_id, _backend().cancel(job_id, owner())).to_json())
