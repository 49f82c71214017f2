"""LibreTranslate's request shapes (``/translate``, ``/detect``, ``/suggest``), parsed once
into frozen dataclasses, so that tools written for LibreTranslate work unchanged for id<->en."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from service.config import Limits
from service.contract.requests import LANGUAGES, check_text, check_texts
from service.contract.spec import Field, ObjectSpec, SpecContext
from service.errors import InvalidField

_Q = Field({"oneOf": [{"type": "string", "minLength": 1},
                      {"type": "array", "minItems": 1,
                       "items": {"type": "string", "minLength": 1}}]},
           "Text to translate: a string, or a list (translatedText is then a list).",
           required=True, message="q must be a string or a non-empty list of strings")
_API_KEY = Field({"type": "string"}, "API key (also accepted as Authorization: Bearer or "
                 "X-API-Key).", message="api_key must be a string")
# LibreTranslate's npm client sends the key under this name.
_API_KEY_ALIAS = Field({"type": "string"}, "The API key, as api_key.",
                       message="apiKey must be a string")
# LibreTranslate reads the fields it knows and ignores the rest (a client's "secret", its own
# options): so do these routes, while the fields they know are checked as ever.
_OPEN = "Fields other than these are ignored, as LibreTranslate ignores them."

LT_TRANSLATE = ObjectSpec("LtTranslateRequest", f"LibreTranslate's /translate request. {_OPEN}", {
    "q": _Q,
    "source": Field({"type": "string", "enum": ["auto", *LANGUAGES], "default": "auto"},
                    "Source language, or auto to detect it.",
                    code="unsupported_language_pair", message="source must be auto, id or en"),
    "target": Field({"type": "string", "enum": list(LANGUAGES)}, "Target language.",
                    required=True, code="unsupported_language_pair",
                    message="target must be id or en"),
    "format": Field({"type": "string", "enum": ["text", "html"], "default": "text"},
                    "html: translate the text of the markup and keep the markup.",
                    code="invalid_format", message="format must be text or html"),
    "alternatives": Field({"type": "integer", "minimum": 0, "maximum": 3, "default": 0},
                          "How many other translations to return: the next best "
                          "hypotheses of the model's beam search, distinct from the "
                          "translation and each other (fewer when the beam has fewer; none "
                          "for html).",
                          code="invalid_alternatives", message="alternatives must be 0 to 3"),
    "api_key": _API_KEY,
    "apiKey": _API_KEY_ALIAS,
}, open=True)

LT_DETECT = ObjectSpec("LtDetectRequest", f"LibreTranslate's /detect request. {_OPEN}", {
    "q": _Q, "api_key": _API_KEY, "apiKey": _API_KEY_ALIAS}, open=True)

_TEXT = {"type": "string", "minLength": 1}
LT_SUGGEST = ObjectSpec("LtSuggestRequest", "LibreTranslate's /suggest request: an editor's "
                        f"better translation of a text, kept for review. {_OPEN}", {
    "q": Field(_TEXT, "The original text.", required=True, message="q must be a string"),
    "s": Field(_TEXT, "The suggested translation of q.", required=True,
               message="s must be a string"),
    "source": Field({"type": "string", "enum": list(LANGUAGES)}, "Language of q.",
                    required=True, code="unsupported_language_pair",
                    message="source must be id or en"),
    "target": Field({"type": "string", "enum": list(LANGUAGES)}, "Language of s.",
                    required=True, code="unsupported_language_pair",
                    message="target must be id or en"),
    "api_key": _API_KEY,
    "apiKey": _API_KEY_ALIAS,
}, open=True)


@dataclass(frozen=True)
class LtTranslateRequest:
    texts: tuple[str, ...]
    source: str  # "auto", "id" or "en"
    target: str
    html: bool
    single: bool
    alternatives: int = 0


@dataclass(frozen=True)
class LtDetectRequest:
    texts: tuple[str, ...]


@dataclass(frozen=True)
class LtSuggestRequest:
    q: str
    s: str
    source: str
    target: str


def form_to_body(form: Mapping[str, list[str]]) -> dict[str, Any]:
    """A form-encoded request as the JSON one: repeated ``q`` is a list, and the one numeric
    field a number (as LibreTranslate's own server reads them)."""
    body: dict[str, Any] = {}
    for key, values in form.items():
        body[key] = values if key == "q" and len(values) > 1 else values[-1]
    alternatives = body.get("alternatives")
    if isinstance(alternatives, str) and alternatives.strip().isdigit():
        body["alternatives"] = int(alternatives)
    return body


def _texts(q: str | list[str], limits: Limits) -> tuple[tuple[str, ...], bool]:
    if isinstance(q, str):
        return (check_text(q, "q", limits),), True
    return check_texts(q, "q", limits), False


def parse_lt_translate(body: Any, limits: Limits) -> LtTranslateRequest:
    body = LT_TRANSLATE.validate(body, SpecContext(limits))
    texts, single = _texts(body["q"], limits)
    source, target = body["source"], body["target"]
    if source == target:
        raise InvalidField("target", f"source and target are both {target!r}",
                           code="unsupported_language_pair")
    return LtTranslateRequest(texts=texts, source=source, target=target,
                              html=body["format"] == "html", single=single,
                              alternatives=body["alternatives"])


def parse_lt_detect(body: Any, limits: Limits) -> LtDetectRequest:
    body = LT_DETECT.validate(body, SpecContext(limits))
    return LtDetectRequest(_texts(body["q"], limits)[0])


def parse_lt_suggest(body: Any, limits: Limits) -> LtSuggestRequest:
    body = LT_SUGGEST.validate(body, SpecContext(limits))
    source, target = body["source"], body["target"]
    if source == target:
        raise InvalidField("target", f"source and target are both {target!r}",
                           code="unsupported_language_pair")
    return LtSuggestRequest(q=check_text(body["q"], "q", limits),
                            s=check_text(body["s"], "s", limits), source=source, target=target)
