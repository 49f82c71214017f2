"""LibreTranslate-compatible ``/translate``, ``/languages``, ``/detect``, ``/suggest`` and
``/frontend/settings`` for id<->en: the same request and response shapes (JSON or
form-encoded), so LibreTranslate clients work unchanged. Errors keep LibreTranslate's shape
too: ``{"error": "<message>"}`` (plus ringkas's ``code``), with its statuses (400 for any bad
request, 403 for a refused key or disabled suggestions)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, request

from service.api.body import json_body, read_body
from service.api.caller import key_id
from service.api.routing import route
from service.api.runtime import runtime, services
from service.contract import routes
from service.contract.libretranslate import (
    form_to_body,
    parse_lt_detect,
    parse_lt_suggest,
    parse_lt_translate,
)
from service.errors import Forbidden
from service.languages import LANGUAGES, PAIR_ROLE, Markup
from service.pipeline.markup import detect as detect_language
from service.pipeline.markup import translate_each

bp = Blueprint("libretranslate", __name__)

NAMES = {"id": "Indonesian", "en": "English"}


def lt_body() -> Any:
    """JSON, or else parameters from the query string and a form-encoded / multipart body
    together, as LibreTranslate reads them (Flask's ``request.values``): libretranslatepy
    sends a form, other clients put everything in the query string of a POST."""
    if request.mimetype == "application/json":
        return json_body()
    read_body()  # the limit applies before the form parser reads it
    return form_to_body(request.values.to_dict(flat=False))




@route(bp, routes.LT_LANGUAGES)
def languages() -> Response:
    return jsonify([{"code": c, "name": NAMES[c], "targets": [t for t in LANGUAGES if t != c]}
                    for c in LANGUAGES])


@route(bp, routes.LT_DETECT)
def detect() -> Response:
    rt = runtime()
    req = parse_lt_detect(lt_body(), rt.settings.limits)
    best = [_detection(text) for text in req.texts]
    return jsonify(best[0:1] if len(best) == 1 else best)


@route(bp, routes.LT_TRANSLATE)
def translate() -> Response:
    rt = runtime()
    rt.pipeline()  # 503 before reading the body when models are not ready
    req = parse_lt_translate(lt_body(), rt.settings.limits)
    detected = [_detection(t) for t in req.texts] if req.source == "auto" else None
    sources = [d["language"] for d in detected] if detected else [req.source] * len(req.texts)
    markup: Markup | None = "html" if req.html else None
    out, alternatives = rt.run(lambda pipeline, deadline: translate_each(
        pipeline, deadline, req.texts, sources, req.target, markup,
        alternatives=req.alternatives))
    body: dict[str, Any] = {"translatedText": out[0] if req.single else out}
    if detected is not None:
        body["detectedLanguage"] = detected[0] if req.single else detected
    if req.alternatives:  # as LibreTranslate: present only when asked for
        body["alternatives"] = alternatives[0] if req.single else alternatives
    return jsonify(body)


@route(bp, routes.LT_SUGGEST)
def suggest() -> Response:
    rt = runtime()
    if not rt.settings.features.suggestions:  # LibreTranslate's answer, before reading the body
        raise Forbidden("suggestions are disabled on this server", code="suggestions_disabled")
    req = parse_lt_suggest(lt_body(), rt.settings.limits)
    services().suggestions.add(req.q, req.s, req.source, req.target,
                                       key_id())
    return jsonify({"success": True})


@route(bp, routes.LT_FRONTEND_SETTINGS)
def frontend_settings() -> Response:
    settings = runtime().settings
    served = set(runtime().served_roles)
    targets = [t for (_, t), role in PAIR_ROLE.items() if role in served]
    target = "en" if "en" in targets else (targets or ["en"])[0]
    files = list(services().documents.formats)
    return jsonify({
        "charLimit": settings.limits.max_text_chars,
        "frontendTimeout": settings.server.frontend_timeout_ms,
        "apiKeys": settings.auth.require_api_keys,
        "keyRequired": settings.auth.require_api_keys,
        "suggestions": settings.features.suggestions,
        "filesTranslation": bool(files),
        "supportedFilesFormat": files,
        "language": {"source": {"code": "auto", "name": "Auto Detect"},
                     "target": {"code": target, "name": NAMES[target]}},
    })


def _detection(text: str) -> dict[str, Any]:
    lang, p = detect_language(text, "html")
    return {"confidence": round(100 * p, 1), "language": lang}
