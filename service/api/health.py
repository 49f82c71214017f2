"""GET /v1/health (process alive) and GET /v1/ready (models loaded, the key database
answering; jobs storage reported)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify

from service import __version__
from service.api.routing import route
from service.api.runtime import runtime, services
from service.contract import routes
from service.contract.errors import error_of
from service.runtime.jobs_backend import JobBackend

bp = Blueprint("health", __name__)


@route(bp, routes.HEALTH)
def health() -> Response:
    return jsonify({"status": "ok", "version": __version__})


@route(bp, routes.READY)
def ready() -> Response:
    rt = runtime()
    rt.pipeline()  # raises 503 not_ready / models_unavailable until the models are in
    body: dict[str, Any] = {"status": "ready", "load_seconds": rt.load_seconds}
    keys = services().keys
    if keys is not None:
        keys.ping()  # 503 database_unavailable (Retry-After) while it does not answer
        body["database"] = keys.db.dialect
    jobs: JobBackend | None = services().jobs
    conflict = jobs.conflict() if jobs is not None else None
    if conflict is not None:
        raise conflict  # 503 jobs_unavailable: this instance shares another's data dir
    fault = jobs.storage_fault() if jobs is not None else None
    if fault is not None:
        # Still 200: summarise and translate work, and a restart would not free the disk;
        # a probe that needs jobs reads "degraded" and the error (dir and errno, no text).
        body["status"] = "degraded"
        body["jobs"] = error_of(fault)
    return jsonify(body)
