"""DeepL-compatible document API (``/v2/document``, its status and its result), on the same
document core as LibreTranslate's ``/translate_file`` (service/documents/): a document is
checked at upload, translated in the background, and its translation served once, to the
key that uploaded it, then deleted. Its characters count against the key's monthly quota
from the upload (456 when they would pass it), and are given back when its translation
fails. A ``glossary_id`` is followed; a term it could not apply is named in the status's
and the result's X-Ringkas-Warnings header. Errors take DeepL's shape and statuses
(service/api/errors.py)."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from service.api.caller import owner, usage_key
from service.api.deepl import deepl_body, with_warnings
from service.api.documents import documents, file_part, file_response
from service.api.routing import route
from service.api.runtime import runtime
from service.contract import routes
from service.contract.deepl_documents import parse_deepl_document, parse_document_key
from service.documents.store import DONE, ERROR, DocumentRecord

bp = Blueprint("deepl_documents", __name__)


@route(bp, routes.DEEPL_DOCUMENT)
def upload() -> Response:
    rt = runtime()
    rt.pipeline()  # 503 before reading the body when models are not ready
    file = file_part()
    parsed = parse_deepl_document(request.values.to_dict(), file, rt.settings.limits)
    req = parsed.resolve(rt.glossaries, owner())
    # Charged to the key once checked (456 when the quota would be passed); given back if
    # its translation fails.
    done = documents().submit(owner(), req.filename, req.data, req.source, req.target,
                              usage_key(), req.glossary)
    return jsonify({"document_id": done.record.id, "document_key": done.key})


@route(bp, routes.DEEPL_DOCUMENT_STATUS)
def status(document_id: str) -> Response:
    key = parse_document_key(deepl_body(), runtime().settings.limits)
    record = documents().status(document_id, key, owner())
    return with_warnings(jsonify(_status(record)), record.warnings)


@route(bp, routes.DEEPL_DOCUMENT_RESULT)
def result(document_id: str) -> Response:
    key = parse_document_key(deepl_body(), runtime().settings.limits)
    taken = documents().download(document_id, key, owner())
    return with_warnings(file_response(taken), taken.record.warnings)


def _status(record: DocumentRecord) -> dict[str, object]:
    body: dict[str, object] = {"document_id": record.id, "status": record.status}
    if record.status == DONE:
        body["billed_characters"] = record.characters
    elif record.status == ERROR:
        error = record.error or {}
        body["error_message"] = str(error.get("message") or error.get("code") or "failed")
    return body
