"""Text that cannot be encoded: the checks the request boundary, the job items and the webhook
sender share."""

from __future__ import annotations

from typing import Any

from service.errors import MalformedRequest


def unpaired_surrogate(value: str) -> bool:
    """A lone surrogate escape ("\\ud800") is valid JSON, but no text: it cannot be stored,
    logged as UTF-8 or sent on."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def refuse_surrogates(value: Any) -> None:
    """Every string of a parsed JSON body, keys included, must be text: a lone surrogate
    escape ("\\ud800") is valid JSON but cannot be stored, logged or sent on, so it is
    refused here once, for every field of every route. The error names the top-level field
    only (a nested key may be article text)."""
    stack: list[tuple[str, Any]] = [("the body", value)]
    while stack:
        field, item = stack.pop()
        if isinstance(item, str):
            strings: list[str] = [item]
        elif isinstance(item, dict):
            strings = [str(key) for key in item]
            stack.extend((str(key) if item is value else field, inner)
                         for key, inner in item.items())
        elif isinstance(item, list):
            strings = []
            stack.extend((field, inner) for inner in item)
        else:
            continue
        if any(unpaired_surrogate(text) for text in strings):
            raise MalformedRequest(f"{field} contains an unpaired UTF-16 surrogate",
                                   code="invalid_encoding", details={"field": field})
