"""POST /v1/summarize"""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from service.api.body import json_body
from service.api.caller import owner
from service.api.routing import route
from service.api.runtime import runtime
from service.api.streaming import stream, wants_stream
from service.contract import routes
from service.contract.requests import parse_summarize
from service.contract.serialize import summary_json

bp = Blueprint("summarize", __name__)


@route(bp, routes.SUMMARIZE)
def summarize() -> Response:
    rt = runtime()
    body = json_body()
    parsed = parse_summarize(body, rt.settings.limits, rt.pipeline().strategies)
    req = parsed.resolve(rt.glossaries, owner())
    if wants_stream(body):
        return stream(rt, lambda pipeline, deadline, listener: summary_json(
            pipeline.summarize(req, deadline, listener), req))
    result = rt.run(lambda pipeline, deadline: pipeline.summarize(req, deadline))
    return jsonify(summary_json(result, req))
