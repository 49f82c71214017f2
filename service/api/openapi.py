"""``/openapi.json`` (OpenAPI 3.1), built from the request specs the views validate with and the
response schemas the tests validate against, and ``/docs`` (Swagger UI, served locally)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, Flask, Response, jsonify

from service import __version__
from service.api.runtime import runtime
from service.auth.middleware import is_public
from service.config import Settings
from service.contract.libretranslate import LT_DETECT, LT_TRANSLATE
from service.contract.requests import SUMMARIZE, TRANSLATE
from service.contract.responses import RESPONSE_SCHEMAS, ref
from service.contract.spec import ObjectSpec, SpecContext

bp = Blueprint("openapi", __name__)
EXTRA_OPERATIONS = "ringkas.openapi_operations"  # blueprints of other modules add theirs

_ERRORS = {
    "400": "Malformed request (not JSON, invalid UTF-8, not an object).",
    "401": "No API key, or an unknown one (when keys are required).",
    "403": "A revoked API key.",
    "413": "Over a size limit (body bytes, characters, texts, sentences).",
    "404": "No such job for this key (another key's, an expired one, or never made).",
    "409": "The job already finished: there is nothing to cancel.",
    "415": "Not application/json.",
    "422": "A field is missing, unknown or invalid; details.field names it.",
    "429": "Rate limit spent; Retry-After says when to come back.",
    "503": "Models not ready, overloaded or shutting down; Retry-After when overloaded. "
           "Jobs: the data dir in use by another process (jobs_unavailable) or not "
           "writable (jobs_storage_unavailable).",
    "504": "The request deadline passed.",
    "507": "The jobs data dir is out of space or quota (jobs_storage_unavailable).",
}


@dataclass(frozen=True)
class Operation:
    path: str
    method: str
    summary: str
    tag: str
    response: Mapping[str, Any] | None = None  # JSON schema of the 200 body
    status: int = 200
    request: ObjectSpec | None = None
    form: bool = False  # also accepts form-encoded bodies (LibreTranslate)
    media: str = "application/json"
    errors: Sequence[str] = ()
    error_schema: str = "Error"
    parameters: Sequence[Mapping[str, Any]] = field(default_factory=tuple)


_INFERENCE_ERRORS = ("400", "401", "403", "413", "415", "422", "429", "503", "504")
_LT_ERRORS = ("400", "403", "429", "503", "504")

OPERATIONS: tuple[Operation, ...] = (
    Operation("/v1/health", "get", "The process is alive.", "health", ref("Health")),
    Operation("/v1/ready", "get", "Models are loaded; 503 until then (status degraded: "
              "jobs cannot be stored now).", "health", ref("Ready"), errors=("503",)),
    Operation("/v1/models", "get", "Configured and loaded models, and the strategies served.",
              "models", ref("Models"), errors=("401", "403", "429")),
    Operation("/v1/summarize", "post", "Summarise an Indonesian article (English, and "
              "Indonesian on request), with fidelity checks and provenance.", "summarize",
              ref("SummarizeResponse"), request=SUMMARIZE, errors=_INFERENCE_ERRORS),
    Operation("/v1/translate", "post", "Translate id->en or en->id, keeping paragraphs.",
              "translate", ref("TranslateResponse"), request=TRANSLATE,
              errors=_INFERENCE_ERRORS),
    Operation("/translate", "post", "LibreTranslate-compatible translation (id<->en).",
              "libretranslate", ref("LtTranslateResponse"), request=LT_TRANSLATE, form=True,
              errors=_LT_ERRORS, error_schema="LtError"),
    Operation("/detect", "post", "LibreTranslate-compatible language detection (id or en).",
              "libretranslate", ref("LtDetectResponse"), request=LT_DETECT, form=True,
              errors=_LT_ERRORS, error_schema="LtError"),
    Operation("/languages", "get", "LibreTranslate-compatible list of languages.",
              "libretranslate", ref("LtLanguages"), error_schema="LtError"),
    Operation("/languages", "post", "The same list, for clients that POST.",
              "libretranslate", ref("LtLanguages"), form=True, error_schema="LtError"),
    Operation("/openapi.json", "get", "This document.", "docs", {"type": "object"}),
    Operation("/docs/", "get", "Interactive API documentation (Swagger UI).", "docs",
              media="text/html"),
    Operation("/docs/{path}", "get", "Swagger UI's assets.", "docs", media="*/*",
              parameters=({"name": "path", "in": "path", "required": True,
                           "schema": {"type": "string"}},)),
    Operation("/", "get", "The web page: paste or upload an article, read its summaries, "
              "fidelity warnings, translation and provenance.", "web", media="text/html"),
    Operation("/web/{filename}", "get", "The web page's assets.", "web", media="*/*",
              parameters=({"name": "filename", "in": "path", "required": True,
                           "schema": {"type": "string"}},)),
    Operation("/metrics", "get", "Prometheus metrics (text exposition format).", "metrics",
              media="text/plain"),
)


def operations(app: Flask) -> list[Operation]:
    return [*OPERATIONS, *app.extensions.get(EXTRA_OPERATIONS, [])]


def build_document(app: Flask, settings: Settings, strategies: Sequence[str]) -> dict[str, Any]:
    ctx = SpecContext(settings.limits, tuple(strategies))
    schemas: dict[str, Any] = dict(RESPONSE_SCHEMAS)
    paths: dict[str, dict[str, Any]] = {}
    for op in operations(app):
        paths.setdefault(op.path, {})[op.method] = _operation(op, ctx, schemas)
    doc: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {"title": "ringkas", "version": __version__,
                 "description": "Indonesian news to trustworthy English: abstractive "
                                "summaries with fidelity checks, and id<->en translation.",
                 "license": {"name": "Apache-2.0", "identifier": "Apache-2.0"}},
        "paths": paths,
        "components": {"schemas": schemas},
    }
    if settings.require_api_keys:
        doc["components"]["securitySchemes"] = {
            "bearer": {"type": "http", "scheme": "bearer"},
            "apiKeyHeader": {"type": "apiKey", "in": "header", "name": "X-API-Key"}}
        doc["security"] = [{"bearer": []}, {"apiKeyHeader": []}]
    return doc


def _operation(op: Operation, ctx: SpecContext, schemas: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"summary": op.summary, "tags": [op.tag],
                           "operationId": f"{op.method}_{op.path.strip('/') or 'root'}"
                           .replace("/", "_").replace(".", "_").replace("{", "")
                           .replace("}", "")}
    if op.parameters:
        out["parameters"] = list(op.parameters)
    if op.request is not None:
        schemas[op.request.name] = op.request.json_schema(ctx)
        content = {"application/json": {"schema": ref(op.request.name)}}
        if op.form:
            content["application/x-www-form-urlencoded"] = {"schema": ref(op.request.name)}
        out["requestBody"] = {"required": True, "content": content}
    body = {"schema": op.response} if op.response is not None else {}
    responses: dict[str, Any] = {str(op.status): {"description": "OK",
                                                  "content": {op.media: body}}}
    for status in op.errors:
        responses[status] = {"description": _ERRORS[status],
                             "content": {"application/json": {"schema": ref(op.error_schema)}}}
    responses["default"] = {"description": "Any other error (404, 405, 500).",
                            "content": {"application/json": {"schema": ref(op.error_schema)}}}
    out["responses"] = responses
    if is_public(op.path):
        out["security"] = []
    return out


@bp.get("/openapi.json")
def openapi_json() -> Response:
    from flask import current_app

    rt = runtime()
    strategies = list(rt.pipeline().strategies) if rt.ready else list(rt.settings.strategies)
    return jsonify(build_document(current_app, rt.settings, strategies))


def docs_blueprint() -> Blueprint:
    """Swagger UI from the flask-swagger-ui package's own copy (no CDN: newsroom networks
    and this service's hosts may be offline)."""
    from flask_swagger_ui import get_swaggerui_blueprint

    return get_swaggerui_blueprint("/docs", "/openapi.json",
                                   config={"app_name": "ringkas API"}, blueprint_name="docs")
