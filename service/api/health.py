"""GET /v1/health (process alive) and GET /v1/ready (models loaded)."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from service import __version__
from service.api.runtime import runtime

bp = Blueprint("health", __name__)


@bp.get("/v1/health")
def health() -> Response:
    return jsonify({"status": "ok", "version": __version__})


@bp.get("/v1/ready")
def ready() -> Response:
    rt = runtime()
    rt.pipeline()  # raises 503 not_ready / models_unavailable until the models are in
    return jsonify({"status": "ready", "load_seconds": rt.load_seconds})
