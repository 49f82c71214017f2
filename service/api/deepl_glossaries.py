"""DeepL-compatible glossaries on ringkas's glossary store (service/glossary/store.py): API
v2 (create, list, read, read the entries of, and delete a glossary of one language pair, and
the pairs glossaries serve) and API v3 (a glossary of a dictionary per pair: create, list,
read, rename and merge entries, replace or delete one dictionary, delete). A key sees its
own glossaries and the server-wide ones; another key's is 404; a server-wide one cannot be
changed (400, ``glossary_read_only``). Managing glossaries is not charged to the key's
character quota."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from service.api.caller import owner
from service.api.deepl import deepl_body
from service.api.routing import route
from service.api.runtime import runtime
from service.contract import routes
from service.contract.deepl_glossaries import (
    deepl_dictionary,
    deepl_dictionary_entries,
    deepl_glossary,
    deepl_glossary_v3,
    parse_deepl_dictionary,
    parse_deepl_glossary,
    parse_deepl_glossary_patch,
    parse_deepl_glossary_v3,
    parse_dictionary_pair,
)
from service.glossary import GlossaryNotFound
from service.glossary.store import check_pair

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
    # v2 knows glossaries of one language pair; /v3/glossaries lists the others.
    found = [g.dictionaries[0] for g in runtime().glossaries.groups(owner())
             if len(g.dictionaries) == 1]
    return jsonify({"glossaries": [deepl_glossary(g) for g in found]})


@route(bp, routes.DEEPL_GLOSSARY, "get")
def info(glossary_id: str) -> Response:
    return jsonify(deepl_glossary(runtime().glossaries.get(glossary_id, owner())))


@route(bp, routes.DEEPL_GLOSSARY, "delete")
def delete(glossary_id: str) -> Response:
    # v2 knows glossaries of one pair: it neither reads nor deletes the others
    runtime().glossaries.get(glossary_id, owner())
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


# --- API v3 ---------------------------------------------------------------------------------

@route(bp, routes.DEEPL_V3_GLOSSARIES, "post")
def create_v3() -> tuple[Response, int]:
    rt = runtime()
    req = parse_deepl_glossary_v3(deepl_body(), rt.settings.limits)
    made = rt.glossaries.create_group(req.name or "", [d.as_input() for d in req.dictionaries],
                                      owner=owner())
    return jsonify(deepl_glossary_v3(made)), 201


@route(bp, routes.DEEPL_V3_GLOSSARIES, "get")
def listing_v3() -> Response:
    found = runtime().glossaries.groups(owner())
    return jsonify({"glossaries": [deepl_glossary_v3(g) for g in found]})


@route(bp, routes.DEEPL_V3_GLOSSARY, "get")
def info_v3(glossary_id: str) -> Response:
    return jsonify(deepl_glossary_v3(runtime().glossaries.group(glossary_id, owner())))


@route(bp, routes.DEEPL_V3_GLOSSARY, "patch")
def edit_v3(glossary_id: str) -> Response:
    rt = runtime()
    rt.glossaries.group(glossary_id, owner())  # 404 before the body is judged
    req = parse_deepl_glossary_patch(deepl_body(), rt.settings.limits)
    edited = rt.glossaries.edit(glossary_id, [d.as_input() for d in req.dictionaries],
                                name=req.name, owner=owner(), merge=True)
    return jsonify(deepl_glossary_v3(edited))


@route(bp, routes.DEEPL_V3_GLOSSARY, "delete")
def delete_v3(glossary_id: str) -> Response:
    runtime().glossaries.delete(glossary_id, owner())
    return Response(status=204)


@route(bp, routes.DEEPL_V3_GLOSSARY_ENTRIES)
def entries_v3(glossary_id: str) -> Response:
    source, target = check_pair(*parse_dictionary_pair(request.args))
    found = runtime().glossaries.group(glossary_id, owner()).dictionary(source, target)
    if found is None:
        raise GlossaryNotFound(f"glossary {glossary_id!r} has no {source}->{target} "
                               "dictionary", details={"glossary_id": glossary_id})
    return jsonify(deepl_dictionary_entries(found))


@route(bp, routes.DEEPL_V3_GLOSSARY_DICTIONARIES, "put")
def replace_dictionary(glossary_id: str) -> Response:
    rt = runtime()
    rt.glossaries.group(glossary_id, owner())  # 404 before the body is judged
    d = parse_deepl_dictionary(deepl_body(), rt.settings.limits)
    made = rt.glossaries.put_dictionary(glossary_id, d.as_input(), owner=owner())
    return jsonify(deepl_dictionary(made))


@route(bp, routes.DEEPL_V3_GLOSSARY_DICTIONARIES, "delete")
def delete_dictionary(glossary_id: str) -> Response:
    source, target = parse_dictionary_pair(request.args)
    runtime().glossaries.delete_dictionary(glossary_id, source, target, owner())
    return Response(status=204)
