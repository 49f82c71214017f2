"""GET /v1/glossaries: the glossaries a request may name (server-wide, and the caller's)."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from service.api.caller import owner
from service.api.routing import route
from service.api.runtime import runtime
from service.contract import routes

bp = Blueprint("glossaries", __name__)


@route(bp, routes.GLOSSARIES)
def glossaries() -> Response:
    found = runtime().glossaries.list(owner())
    return jsonify({"glossaries": [gl.to_json() for gl in found]})
