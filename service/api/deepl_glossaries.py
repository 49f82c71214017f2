"""DeepL-compatible glossaries (API v2): create, list, read, read the entries of, and delete
a glossary, and the language pairs glossaries serve, on ringkas's glossary store
(service/glossary/store.py). A key sees its own glossaries and the server-wide ones; another
key's is 404; a server-wide one cannot be deleted (400, ``glossary_read_only``). Managing
glossaries is not charged to the key's character quota."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from service.api.caller import owner
from service.api.deepl import deepl_body
from service.api.routing import route
from service.api.runtime import runtime
from service.contract import routes
from service.contract.deepl_glossaries import deepl_glossary, parse_deepl_glossary

bp = Blueprint("deepl_glossaries", __name__)
TSV = "text/tab-separated-values"


@route(bp, routes.DEEPL_GLOSSARIES, "post")
def create() -> tuple[Response, int]:
    rt = runtime()
    req = parse_deepl_glossary(deepl_body(), rt.settings.limits)
    made = rt.glossaries.create(req.name, req.source_lang, req.target_lang, req.entries,
                                entries_format=req.entries_format, owner=owner())
    return jsonify(deepl_glossary(made)), 201


@route(bp, routes.DEEPL_GLOSSARIES, "get")
def listing() -> Response:
    found = runtime().glossaries.list(owner())
    return jsonify({"glossaries": [deepl_glossary(g) for g in found]})


@route(bp, routes.DEEPL_GLOSSARY, "get")
def info(glossary_id: str) -> Response:
    return jsonify(deepl_glossary(runtime().glossaries.get(glossary_id, owner())))


@route(bp, routes.DEEPL_GLOSSARY, "delete")
def delete(glossary_id: str) -> Response:
    runtime().glossaries.delete(glossary_id, owner())
    return Response(status=204)


@route(bp, routes.DEEPL_GLOSSARY_ENTRIES)
def entries(glossary_id: str) -> Response:
    # DeepL's v2 answers TSV only (its clients ask for it in Accept).
    found = runtime().glossaries.get(glossary_id, owner())
    return Response(found.tsv(), mimetype=TSV)


@route(bp, routes.DEEPL_GLOSSARY_LANGUAGES)
def language_pairs() -> Response:
    pairs = runtime().glossaries.language_pairs()
    return jsonify({"supported_languages": [{"source_lang": s, "target_lang": t}
                                            for s, t in pairs]})
