"""Reading a request body, with every failure mapped to one error code."""

from __future__ import annotations

import json
from typing import Any

from flask import current_app, request
from werkzeug.exceptions import RequestEntityTooLarge

from service.drain import drop_rest
from service.errors import MalformedRequest, UnsupportedMediaType
from service.text.encoding import refuse_surrogates


def read_body() -> bytes:
    """The whole body (cached for the form parser and the key check), or 413 when it is
    over MAX_CONTENT_LENGTH, with or without a Content-Length."""
    raw = request.get_data(cache=True)  # a Content-Length over the limit raises 413 here
    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    # A streamed (chunked) body is read only up to the limit; one byte more in the server's
    # stream means the body was over it, and must not be judged cut short.
    if (limit is not None and len(raw) >= limit and request.content_length is None
            and request.environ["wsgi.input"].read(1)):
        raise RequestEntityTooLarge()
    return raw


def body_limit_message() -> str:
    return (f"the request body exceeds the limit of "
            f"{current_app.config.get('MAX_CONTENT_LENGTH')} bytes")


def discard_unread_body() -> None:
    """Read and drop what is left of the body before a 413 goes out: a server that closes
    the connection with it unread resets it, and a client still writing (Python's urllib)
    never sees the answer. Bounded; past the bounds the upload is simply cut."""
    stream = request.environ.get("wsgi.input")
    if stream is not None:
        drop_rest(stream.read)


def json_body(*, whole: bool = True) -> Any:
    """The parsed JSON body. ``whole``: every string in it must be text (a lone surrogate
    is 400 ``invalid_encoding``); a route whose items fail one by one (jobs) checks them
    itself."""
    if request.mimetype != "application/json":
        raise UnsupportedMediaType(
            f"send the request as application/json (got {request.mimetype or 'no content type'})")
    raw = read_body()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise MalformedRequest("the request body is not valid UTF-8",
                               code="invalid_encoding") from None
    try:
        value = json.loads(text)
    except RecursionError:  # "[[[[..." nested deeper than the parser's stack
        raise MalformedRequest("the request body nests JSON too deeply") from None
    except ValueError as exc:
        # Position only: the message must not echo article text back into logs.
        raise MalformedRequest(f"the request body is not valid JSON (line {exc.lineno}, "
                               f"column {exc.colno})" if isinstance(exc, json.JSONDecodeError)
                               else "the request body is not valid JSON") from None
    if whole:
        refuse_surrogates(value)
    return value
