"""GET /v1/glossaries: the glossaries a request may name (server-wide, and the caller's)."""

from __future__ import annotations

from flask import Blueprint, Response, g, jsonify

from service.api.routing import route
from service.api.runtime import runtime
from service.contract import routes

bp = Blueprint("glossaries", __name__)


def caller() -> str | None:
    """Who owns what a request creates: its API key's id; None with keys off (shared)."""
    key = g.get("api_key_id")
    return None if key is None else str(key)


@route(bp, routes.GLOSSARIES)
def glossaries() -> Response:
    found = runtime().glossaries.list(caller())
    return jsonify({"glossaries": [gl.to_json() for gl in found]})
