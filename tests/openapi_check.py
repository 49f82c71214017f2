"""Every response a Flask test client gets in this suite is validated against the app's own
/openapi.json (jsonschema, Draft 2020-12): an undocumented route, status or body shape fails
the test that produced it."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from jsonschema import Draft202012Validator
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect
from werkzeug.test import TestResponse

from service.api.openapi import build_document
from service.api.runtime import runtime_of

_PARAM = re.compile(r"<(?:[a-z_]+:)?([a-z_]+)>")
_JSON = ("application/json",)


class UndocumentedResponse(AssertionError):
    pass


def document(app: Flask) -> dict[str, Any]:
    rt = runtime_of(app)
    live = rt.ready and not rt.admission.draining  # draining: pipeline() answers 503
    strategies = list(rt.pipeline().strategies) if live else list(rt.settings.strategies)
    return build_document(app, rt.settings, strategies)


def check_response(app: Flask, method: str, path: str, resp: TestResponse) -> None:
    if method in ("HEAD", "OPTIONS") or 300 <= resp.status_code < 400:
        return
    doc = document(app)
    try:
        rule, _ = app.url_map.bind("localhost").match(path, method, return_rule=True)
    except (HTTPException, RequestRedirect):
        rule = None
    if rule is None:  # 404 / 405: the generic error shape
        schema: dict[str, Any] = {"$ref": "#/components/schemas/Error"}
        _validate(doc, schema, resp, f"{method} {path}")
        return
    template = _PARAM.sub(r"{\1}", rule.rule)
    op = doc["paths"].get(template, {}).get(method.lower())
    if op is None:
        raise UndocumentedResponse(f"{method} {template} is not in /openapi.json")
    spec = op["responses"].get(str(resp.status_code)) or op["responses"].get("default")
    if spec is None:
        raise UndocumentedResponse(f"{method} {template} answered {resp.status_code}, which "
                                   "/openapi.json does not list")
    content = spec.get("content", {})
    if resp.mimetype not in content and "*/*" not in content:
        raise UndocumentedResponse(f"{method} {template} {resp.status_code} answered "
                                   f"{resp.mimetype}; documented: {sorted(content)}")
    if resp.mimetype in _JSON and "schema" in content[resp.mimetype]:
        _validate(doc, content[resp.mimetype]["schema"], resp, f"{method} {template}")


def _validate(doc: dict[str, Any], schema: dict[str, Any], resp: TestResponse,
              where: str) -> None:
    root = {**schema, "components": doc["components"]}  # "#/components/..." resolves here
    errors = sorted(Draft202012Validator(root).iter_errors(resp.get_json()),
                    key=lambda e: list(e.path))
    if errors:
        raise UndocumentedResponse(f"{where} {resp.status_code}: the body breaks its "
                                   f"documented schema: {errors[0].message[:300]} at "
                                   f"{list(errors[0].absolute_path)}")


class ValidatingClient(FlaskClient):
    def open(self, *args: Any, **kwargs: Any) -> TestResponse:
        resp = super().open(*args, **kwargs)
        request = resp.request
        check_response(self.application, request.method, request.path, resp)
        return resp
