"""GET /v1/models: what is configured, what is loaded, which strategies can run."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify

from service.api.routing import route
from service.api.runtime import runtime
from service.contract import routes
from service.models import ROLES

bp = Blueprint("models", __name__)


@route(bp, routes.MODELS)
def models() -> Response:
    rt = runtime()
    engines = rt.pipeline().engines if rt.ready else {}
    roles: list[dict[str, Any]] = []
    for name, spec in rt.settings.models.items():
        engine = engines.get(name)
        roles.append({
            "role": name,
            "purpose": ROLES[name].purpose if name in ROLES else None,
            "configured": {"id": spec.model, "revision": spec.revision},
            "loaded": engine.info.to_json() if engine else None,
        })
    strategies = list(rt.pipeline().strategies) if rt.ready else []
    return jsonify({"ready": rt.ready, "models": roles, "strategies": strategies})
