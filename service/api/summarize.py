"""POST /v1/summarize"""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from service.api.body import json_body
from service.api.runtime import runtime
from service.contract.requests import parse_summarize

bp = Blueprint("summarize", __name__)


@bp.post("/v1/summarize")
def summarize() -> Response:
    rt = runtime()
    req = parse_summarize(json_body(), rt.settings.limits, rt.pipeline().strategies)
    return jsonify(rt.run(lambda pipeline, deadline: pipeline.summarize(req, deadline)).to_json())
