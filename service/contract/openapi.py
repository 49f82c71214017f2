"""The OpenAPI 3.1 document, generated from the route table with the request specs the views
validate with and the response schemas the tests validate against."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from service import __version__
from service.config import Settings
from service.contract.events import MEDIA_TYPE
from service.contract.responses import RESPONSE_SCHEMAS, ref
from service.contract.routes import ROUTES, Operation, Route
from service.contract.spec import SpecContext

_ERRORS = {
    "400": "Malformed request (not JSON, invalid UTF-8, not an object).",
    "401": "No API key, or an unknown one (when keys are required).",
    "403": "A revoked API key.",
    "413": "Over a size limit (body bytes, characters, texts, sentences; a document's "
           "bytes, paragraphs or characters).",
    "404": "No such job, file or document for this key (another key's, an expired one, "
           "one downloaded already, or never made).",
    "409": "The job already finished: there is nothing to cancel. A document whose "
           "translation failed: there is nothing to download.",
    "415": "Not application/json.",
    "422": "A field is missing, unknown or invalid; details.field names it.",
    "429": "Rate limit spent; Retry-After says when to come back.",
    "456": "The key's character quota for this month would be passed (DeepL's status).",
    "503": "Models not ready, overloaded or shutting down; Retry-After when overloaded. "
           "Jobs: the data dir in use by another process (jobs_unavailable) or not "
           "writable (jobs_storage_unavailable). DeepL's document result: not translated "
           "yet (document_not_ready). With API keys on: their database does not answer "
           "(database_unavailable, Retry-After).",
    "504": "The request deadline passed.",
    "507": "The jobs data dir is out of space or quota (jobs_storage_unavailable).",
}


def build_document(settings: Settings, strategies: Sequence[str]) -> dict[str, Any]:
    ctx = SpecContext(settings.limits, tuple(strategies))
    schemas: dict[str, Any] = dict(RESPONSE_SCHEMAS)
    paths: dict[str, dict[str, Any]] = {}
    for route in ROUTES:
        for op in route.operations:
            paths.setdefault(route.path, {})[op.method] = _operation(route, op, ctx, schemas)
    doc: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {"title": "ringkas", "version": __version__,
                 "description": "Indonesian news to trustworthy English: abstractive "
                                "summaries with fidelity checks, and id<->en translation.",
                 "license": {"name": "Apache-2.0", "identifier": "Apache-2.0"}},
        "paths": paths,
        "components": {"schemas": schemas},
    }
    if settings.auth.require_api_keys:
        doc["components"]["securitySchemes"] = {
            "bearer": {"type": "http", "scheme": "bearer"},
            "apiKeyHeader": {"type": "apiKey", "in": "header", "name": "X-API-Key"}}
        doc["security"] = [{"bearer": []}, {"apiKeyHeader": []}]
    return doc


_STREAM = ("With Accept: text/event-stream or \"stream\": true: Server-Sent Events, each "
           "one line of JSON data: accepted, segmented ({sentences}), translation (each "
           "chunk as it completes: {of, sentences: [{sentence, text?, translation}]}), "
           "summary, fidelity, then result (exactly the JSON answer) or error ({error}).")


def _operation(route: Route, op: Operation, ctx: SpecContext,
               schemas: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"summary": op.summary, "tags": [route.tag],
                           "operationId": f"{op.method}_{route.path.strip('/') or 'root'}"
                           .replace("/", "_").replace(".", "_").replace("{", "")
                           .replace("}", "")}
    if op.parameters:
        out["parameters"] = list(op.parameters)
    if op.request is not None:
        schemas[op.request.name] = op.request.json_schema(ctx)
        content = {"application/json": {"schema": ref(op.request.name)}}
        if op.multipart:
            content = {"multipart/form-data": {"schema": ref(op.request.name)}}
        elif op.form:
            content["application/x-www-form-urlencoded"] = {"schema": ref(op.request.name)}
        out["requestBody"] = {"required": True, "content": content}
    body = {"schema": op.response} if op.response is not None else {}
    responses: dict[str, Any] = {str(op.status): {"description": "OK",
                                                  "content": {op.media: body}}}
    if op.streams:
        responses[str(op.status)]["content"][MEDIA_TYPE] = {
            "schema": {"type": "string", "description": _STREAM}}
    if op.status == 204:  # no body
        responses = {"204": {"description": "Done; no content."}}
    errors = op.errors
    if "401" in errors and "503" not in errors:  # a key is checked in the database
        errors = (*errors, "503")
    for status in sorted(errors):
        responses[status] = {"description": _ERRORS[status],
                             "content": {"application/json": {"schema": ref(op.error_schema)}}}
    responses["default"] = {"description": "Any other error (404, 405, 500).",
                            "content": {"application/json": {"schema": ref(op.error_schema)}}}
    out["responses"] = responses
    if route.public:
        out["security"] = []
    return out
