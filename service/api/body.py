"""Reading a JSON request body, with every failure mapped to one error code."""

from __future__ import annotations

import json
from typing import Any

from flask import request

from service.errors import MalformedRequest, UnsupportedMediaType


def json_body() -> Any:
    if request.mimetype != "application/json":
        raise UnsupportedMediaType(
            f"send the request as application/json (got {request.mimetype or 'no content type'})")
    raw = request.get_data(cache=False)  # over MAX_CONTENT_LENGTH raises 413 here
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise MalformedRequest("the request body is not valid UTF-8",
                               code="invalid_encoding") from None
    try:
        return json.loads(text)
    except RecursionError:  # "[[[[..." nested deeper than the parser's stack
        raise MalformedRequest("the request body nests JSON too deeply") from None
    except ValueError as exc:
        # Position only: the message must not echo article text back into logs.
        raise MalformedRequest(f"the request body is not valid JSON (line {exc.lineno}, "
                               f"column {exc.colno})" if isinstance(exc, json.JSONDecodeError)
                               else "the request body is not valid JSON") from None
