"""Every response a Flask test client gets in this suite is validated against the app's own
/openapi.json (jsonschema, Draft 2020-12): an undocumented route, status or body shape fails
the test that produced it.

:func:`check_documented` takes the document itself, so the fuzzer (tests/tools/fuzz.py)
validates a live server's answers against the /openapi.json that server serves.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from jsonschema import Draft202012Validator
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect
from werkzeug.test import TestResponse

from service.api.runtime import runtime_of
from service.contract.openapi import build_document
from service.contract.routes import is_deepl, is_libretranslate

_PARAM = re.compile(r"<(?:[a-z_]+:)?([a-z_]+)>")
_TEMPLATE_PARAM = re.compile(r"\\\{[a-z_]+\\\}")
_JSON = ("application/json",)
_ERROR = {"$ref": "#/components/schemas/Error"}
_DEEPL_ERROR = {"$ref": "#/components/schemas/DeepLError"}
_LT_ERROR = {"$ref": "#/components/schemas/LtError"}


class UndocumentedResponse(AssertionError):
    pass


def document(app: Flask) -> dict[str, Any]:
    rt = runtime_of(app)
    live = rt.ready and not rt.admission.draining  # draining: pipeline() answers 503
    strategies = list(rt.pipeline().strategies) if live else list(rt.settings.features.strategies)
    return build_document(rt.settings, strategies)


def match_template(doc: Mapping[str, Any], method: str, path: str) -> str | None:
    """The documented path template that ``method path`` is served by, or None (404/405),
    for a client that has the document but not the app's URL map. Parameters match one
    segment, as every documented one but the asset paths does."""
    for template, ops in doc["paths"].items():
        pattern = _TEMPLATE_PARAM.sub("[^/]+", re.escape(template))
        if re.fullmatch(pattern, path) and method.lower() in ops:
            return str(template)
    return None


def check_documented(doc: Mapping[str, Any], method: str, path: str, template: str | None,
                     status: int, mimetype: str, body: Any) -> None:
    """Raise :class:`UndocumentedResponse` unless ``doc`` lists this answer: ``template`` is
    the path template ``path`` was routed to (None: no route, so the generic error shape),
    ``body`` the parsed JSON (for a JSON answer)."""
    if template is None:  # 404 / 405: the generic error shape (each family's on its paths)
        schema = (_DEEPL_ERROR if is_deepl(path) else _LT_ERROR if is_libretranslate(path)
                  else _ERROR)
        _validate(doc, schema, body, status, f"{method} {path}")
        return
    op = doc["paths"].get(template, {}).get(method.lower())
    if op is None:
        raise UndocumentedResponse(f"{method} {template} is not in /openapi.json")
    spec = op["responses"].get(str(status)) or op["responses"].get("default")
    if spec is None:
        raise UndocumentedResponse(f"{method} {template} answered {status}, which "
                                   "/openapi.json does not list")
    content = spec.get("content", {})
    if status == 204 and not content:  # no body to check
        return
    if mimetype not in content and "*/*" not in content:
        raise UndocumentedResponse(f"{method} {template} {status} answered "
                                   f"{mimetype}; documented: {sorted(content)}")
    if mimetype in _JSON and "schema" in content[mimetype]:
        _validate(doc, content[mimetype]["schema"], body, status, f"{method} {template}")


def check_response(app: Flask, method: str, path: str, resp: TestResponse) -> None:
    if method in ("HEAD", "OPTIONS") or 300 <= resp.status_code < 400:
        return
    try:
        rule, _ = app.url_map.bind("localhost").match(path, method, return_rule=True)
    except (HTTPException, RequestRedirect):
        rule = None
    template = None if rule is None else _PARAM.sub(r"{\1}", rule.rule)
    body = resp.get_json() if rule is None or resp.mimetype in _JSON else None
    check_documented(document(app), method, path, template, resp.status_code, resp.mimetype, body)


def _validate(doc: Mapping[str, Any], schema: Mapping[str, Any], body: Any, status: int,
              where: str) -> None:
    root = {**schema, "components": doc["components"]}  # "#/components/..." resolves here
    errors = sorted(Draft202012Validator(root).iter_errors(body), key=lambda e: list(e.path))
    if errors:
        raise UndocumentedResponse(f"{where} {status}: the body breaks its "
                                   f"documented schema: {errors[0].message[:300]} at "
                                   f"{list(errors[0].absolute_path)}")


class ValidatingClient(FlaskClient):
    def open(self, *args: Any, **kwargs: Any) -> TestResponse:
        resp = super().open(*args, **kwargs)
        request = resp.request
        check_response(self.application, request.method, request.path, resp)
        return resp
