"""``/openapi.json`` (generated from the contract's route table: service/contract/openapi.py)
and ``/docs`` (Swagger UI, served locally)."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from service.api.routing import route
from service.api.runtime import runtime
from service.contract import routes
from service.contract.openapi import build_document

bp = Blueprint("openapi", __name__)


@route(bp, routes.OPENAPI)
def openapi_json() -> Response:
    rt = runtime()
    strategies = (list(rt.pipeline().strategies) if rt.ready
                  else list(rt.settings.features.strategies))
    return jsonify(build_document(rt.settings, strategies))


def docs_blueprint() -> Blueprint:
    """Swagger UI from the flask-swagger-ui package's own copy (no CDN: newsroom networks
    and this service's hosts may be offline)."""
    from flask_swagger_ui import get_swaggerui_blueprint

    return get_swaggerui_blueprint(routes.DOCS.public_prefix, routes.OPENAPI.path,
                                   config={"app_name": "ringkas API"}, blueprint_name="docs")
