"""LibreTranslate-compatible ``/translate_file`` and ``/download_file``: a document is
translated in the request (as LibreTranslate does), through the same document core a
background document job uses (service/documents/), and its translation is served once, to
the key that uploaded it, then deleted. Errors have LibreTranslate's shape and statuses."""

from __future__ import annotations

from urllib.parse import quote

from flask import Blueprint, Response, jsonify, request, url_for

from service.api.body import read_body
from service.api.caller import owner
from service.api.routing import route
from service.api.runtime import runtime, services
from service.contract import routes
from service.contract.documents import parse_lt_translate_file
from service.documents.store import DocumentNotFound, DocumentRecord, Download, KeyHolder
from service.errors import UnsupportedMediaType
from service.runtime.documents import DocumentJobs

bp = Blueprint("documents", __name__)


def documents() -> DocumentJobs:
    return services().documents


def file_part() -> tuple[str, bytes] | None:
    """The ``file`` part of a multipart/form-data upload as (its name, its bytes), or None
    when there is none; any other body is refused."""
    if request.mimetype != "multipart/form-data":
        raise UnsupportedMediaType("send the file as multipart/form-data (got "
                                   f"{request.mimetype or 'no content type'})")
    read_body()  # the limit applies before the form parser reads it
    upload = request.files.get("file")
    return (upload.filename or "", upload.read()) if upload is not None else None


@route(bp, routes.LT_TRANSLATE_FILE)
def translate_file() -> Response:
    rt = runtime()
    rt.pipeline()  # 503 before reading the body when models are not ready
    file = file_part()
    req = parse_lt_translate_file(request.values.to_dict(flat=False), file,
                                  rt.settings.limits)
    done = documents().translate_now(owner(), req.filename, req.data,
                                     req.source, req.target)
    # One path segment: id, key, then the name the file is served under.
    name = f"{done.record.id}.{done.key}.{done.record.filename}"
    return jsonify({"translatedFileUrl": url_for("documents.download_file", filename=name,
                                                 _external=True)})


@route(bp, routes.LT_DOWNLOAD_FILE)
def download_file(filename: str) -> Response:
    doc_id, _, rest = filename.partition(".")
    key, _, _ = rest.partition(".")
    if not key:
        raise DocumentNotFound("no such file")
    # The URL is the capability: its key admits whoever holds it, as LibreTranslate's does.
    if request.method == "HEAD":  # a link preview or a download manager's look: not a take
        record = documents().ready(doc_id, key, KeyHolder.ANYONE)
        return _file_headers(Response(content_type=record.media_type), record)
    return file_response(documents().download(doc_id, key, KeyHolder.ANYONE))


def file_response(taken: Download) -> Response:
    """A translated file, under its own name; as is: text keeps its own encoding (a
    byte-order mark, or UTF-8)."""
    return _file_headers(Response(taken.data, content_type=taken.record.media_type),
                         taken.record)


def _file_headers(response: Response, record: DocumentRecord) -> Response:
    response.headers["Content-Disposition"] = (
        f"attachment; filename*=UTF-8''{quote(record.filename)}")
    response.headers["Cache-Control"] = "no-store"
    return response
