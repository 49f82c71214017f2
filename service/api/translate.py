"""POST /v1/translate"""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from service.api.body import json_body
from service.api.caller import owner
from service.api.routing import route
from service.api.runtime import runtime
from service.api.streaming import stream, wants_stream
from service.contract import routes
from service.contract.requests import parse_translate
from service.contract.serialize import translation_json

bp = Blueprint("translate", __name__)


@route(bp, routes.TRANSLATE)
def translate() -> Response:
    rt = runtime()
    rt.pipeline()  # 503 before reading the body when models are not ready
    body = json_body()
    req = parse_translate(body, rt.settings.limits).resolve(rt.glossaries, owner())
    if wants_stream(body):
        return stream(rt, lambda pipeline, deadline, listener: translation_json(
            pipeline.translate(req, deadline, listener)))
    return jsonify(translation_json(
        rt.run(lambda pipeline, deadline: pipeline.translate(req, deadline))))
