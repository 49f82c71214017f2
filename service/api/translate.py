"""POST /v1/translate"""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from service.api.body import json_body
from service.api.runtime import runtime
from service.schemas import parse_translate

bp = Blueprint("translate", __name__)


@bp.post("/v1/translate")
def translate() -> Response:
    rt = runtime()
    pipeline = rt.pipeline()
    req = parse_translate(json_body(), rt.settings.limits)
    return jsonify(pipeline.translate(req).to_json())
