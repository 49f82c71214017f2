"""DeepL-compatible ``/v2/translate``, ``/v2/languages`` and ``/v2/usage`` (API v2) for
id<->en, so DeepL's client libraries work given ``server_url``. Translation takes the same
path as LibreTranslate's (service/pipeline/markup.py); errors take DeepL's shape and
statuses (service/api/errors.py). The characters of each translated request count against
the key's monthly quota (service/auth/usage.py)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

from flask import Blueprint, Response, jsonify, request

from service.api.body import json_body, read_body
from service.api.caller import owner, usage_key
from service.api.routing import route
from service.api.runtime import runtime, services
from service.auth.usage import Meter
from service.contract import routes
from service.contract.deepl import (
    DEEPL_CODES,
    DeepLTranslateRequest,
    form_to_body,
    parse_deepl_translate,
    parse_languages_type,
)
from service.contract.serialize import deepl_usage_json
from service.overload import Deadline
from service.pipeline import Pipeline
from service.pipeline.markup import SKIP_TAGS, detect, translate_all
from service.pipeline.report import RunWarning

bp = Blueprint("deepl", __name__)
WARNINGS_HEADER = "X-Ringkas-Warnings"
HEADER_WARNINGS = frozenset({"glossary_not_applied"})

SOURCE_LANGUAGES = [{"language": "EN", "name": "English"},
                    {"language": "ID", "name": "Indonesian"}]
TARGET_LANGUAGES = [{"language": code, "name": name, "supports_formality": False}
                    for code, name in (("EN-GB", "English (British)"),
                                       ("EN-US", "English (American)"), ("ID", "Indonesian"))]


def deepl_body() -> Any:
    """JSON, or else the query string and a form-encoded body together, as DeepL reads
    them."""
    if request.mimetype == "application/json":
        return json_body()
    read_body()  # the limit applies before the form parser reads it
    return form_to_body(request.values.to_dict(flat=False))


def meter() -> Meter:
    """The app's character meter (per key with keys on, the process's with keys off)."""
    found: Meter = services().usage
    return found


@route(bp, routes.DEEPL_TRANSLATE)
def translate() -> Response:
    rt = runtime()
    rt.pipeline()  # 503 before reading the body when models are not ready
    req = parse_deepl_translate(deepl_body(), rt.settings.limits).resolve(rt.glossaries,
                                                                          owner())
    sources = [req.source or detect(t, req.markup)[0] for t in req.texts]
    billed = [len(t) if t.strip() else 0 for t in req.texts]  # a blank text is not translated
    charged, key = meter(), usage_key()
    period = charged.charge(key, sum(billed))  # 456 when the quota would be passed
    warnings: list[RunWarning] = []
    try:
        out = rt.run(lambda pipeline, deadline: _translate(pipeline, deadline, req, sources,
                                                           warnings))
    except BaseException:
        charged.refund(key, sum(billed), period)  # only translated characters count
        raise
    response = jsonify({"translations": [
        {"detected_source_language": DEEPL_CODES[source], "text": text,
         "billed_characters": n} for source, text, n in zip(sources, out, billed, strict=True)]})
    return with_warnings(response, warnings)


def with_warnings(response: Response, warnings: Iterable[RunWarning | str]) -> Response:
    """DeepL's answers have no warnings: a glossary term the translation could not follow
    is said in a header (DeepL's clients read the body only). ``warnings``: the pipeline's,
    or their codes."""
    codes = dict.fromkeys(c for c in (w if isinstance(w, str) else w.code for w in warnings)
                          if c in HEADER_WARNINGS)
    if codes:
        response.headers[WARNINGS_HEADER] = ", ".join(codes)
    return response


@route(bp, routes.DEEPL_LANGUAGES)
def languages() -> Response:
    # DeepL's clients send type in the body of a GET, which request.values leaves out.
    read_body()
    kind = parse_languages_type(request.args.get("type") or request.form.get("type"))
    return jsonify(TARGET_LANGUAGES if kind == "target" else SOURCE_LANGUAGES)


@route(bp, routes.DEEPL_USAGE)
def usage() -> Response:
    return jsonify(deepl_usage_json(meter().usage(usage_key())))

# A newline between two lines of text (not a blank line, which ends a paragraph).
_SINGLE_NEWLINE = re.compile(r"(?<=\S)[^\S\n]*\n[^\S\n]*(?=\S)")


def _translate(pipeline: Pipeline, deadline: Deadline, req: DeepLTranslateRequest,
               sources: list[str], warnings: list[RunWarning]) -> list[str]:
    """Each text in the pieces split_sentences asks for (its lines, or the whole text), all
    translated in one go, then put back in the text's layout."""
    layouts = [_pieces(text, req) for text in req.texts]
    flat = [piece for layout in layouts for piece in layout[1::2]]
    flat_sources = [s for layout, s in zip(layouts, sources, strict=True) for _ in layout[1::2]]
    # HTML's code and scripts stay as they are, and the elements asked for.
    skip = req.ignore_tags | (SKIP_TAGS if req.markup == "html" else frozenset())
    done = iter(translate_all(pipeline, deadline, flat, flat_sources, req.target, req.markup,
                              skip, glossary=req.glossary, warnings=warnings))
    return [_join(layout, done, req) for layout in layouts]


def _pieces(text: str, req: DeepLTranslateRequest) -> list[str]:
    """``[space, piece, space, piece, ..., space]``: the pieces to translate and what lies
    around them (whitespace, and with split_sentences=1 the newlines)."""
    if req.markup is not None:
        return ["", text, ""] if text.strip() else [text]
    text = text.replace("\r\n", "\n")
    # "1" splits at newlines too; "0" and "nonewlines" read a single newline as a space.
    units = text.split("\n") if req.split_sentences == "1" else [_SINGLE_NEWLINE.sub(" ", text)]
    layout = [""]
    for i, unit in enumerate(units):
        gap = "\n" if i else ""
        if not unit.strip():
            layout[-1] += gap + unit
            continue
        stripped = unit.strip()
        lead = unit[: len(unit) - len(unit.lstrip())]
        layout[-1] += gap + lead
        layout += [stripped, unit[len(unit.rstrip()):]]
    return layout


def _join(layout: list[str], done: Iterator[str], req: DeepLTranslateRequest) -> str:
    parts = list(layout)
    for i in range(1, len(parts), 2):
        parts[i] = next(done)
    joined = "".join(parts)
    if req.preserve_formatting or req.markup is not None:
        return joined
    # Without preserve_formatting only the newlines between lines are kept.
    return "\n".join(line.strip() for line in joined.split("\n")).strip()
