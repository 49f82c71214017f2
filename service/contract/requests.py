"""ringkas's own request bodies (/v1/summarize, /v1/translate): their specs, and their parsing,
once, at the boundary, into the pipeline's frozen dataclasses (service/pipeline/requests.py)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from service.config import Limits
from service.contract.glossary_asks import NamedGlossary, Parsed
from service.contract.spec import Field, ObjectSpec, SpecContext
from service.errors import InvalidField, MalformedRequest, PayloadTooLarge
from service.glossary import MAX_INLINE_ENTRIES
from service.languages import LANGUAGES as SERVED
from service.languages import PAIRS, PAIRS_TEXT, SUMMARY_PAIR
from service.pipeline.requests import (
    DEFAULT_LENGTH,
    DEFAULT_STRATEGY,
    Length,
    SummarizeRequest,
    TranslateRequest,
)
from service.text.clean import split_paragraphs
from service.text.encoding import unpaired_surrogate

# As the schemas list them (alphabetical); which languages there are is service.languages'.
LANGUAGES = tuple(sorted(SERVED))
_PROMPT_REF = re.compile(r"^[a-z0-9][a-z0-9_-]*(@v[0-9]+)?$")
_TEXT = {"type": "string", "minLength": 1}


_GLOSSARY = Field({"type": "string", "minLength": 1, "maxLength": 200},
                  "A glossary (GET /v1/glossaries): a server-wide glossary's name, or the name "
                  "or glossary_id of one of the caller's own. Each of its terms either "
                  "appears in the translation as it says, or a glossary_not_applied warning "
                  "names the term.", code="invalid_glossary", type_code="invalid_glossary",
                  message="glossary must be a glossary's name or id")
_GLOSSARY_ENTRIES = Field({"type": "object", "maxProperties": MAX_INLINE_ENTRIES,
                           "additionalProperties": {"type": "string", "minLength": 1}},
                          "Glossary entries of this request alone, source term -> target "
                          f"term (at most {MAX_INLINE_ENTRIES}), added over the glossary's.",
                          code="invalid_glossary_entries",
                          type_code="invalid_glossary_entries",
                          message="glossary_entries must be an object of source term -> "
                          f"target term strings, at most {MAX_INLINE_ENTRIES}")


def _max_sentences(ctx: SpecContext) -> dict[str, Any]:
    return {"limit": ctx.limits.max_summary_sentences}


SUMMARIZE = ObjectSpec("SummarizeRequest", "An Indonesian article to summarise.", {
    "text": Field(_TEXT, "The article: plain text, or HTML with html=true. At most "
                  "max_text_chars characters.", required=True, message="text must be a string"),
    "title": Field({"type": ["string", "null"]}, "The headline, if not the first line.",
                   message="title must be a string"),
    "html": Field({"type": "boolean", "default": False}, "The text is HTML: markup, scripts "
                  "and page furniture are removed first.", message="html must be true or false"),
    "length": Field(lambda ctx: {"oneOf": [
        {"type": "string", "enum": list(Length.PRESETS)},
        {"type": "integer", "minimum": 1, "maximum": ctx.limits.max_summary_sentences}],
        "default": DEFAULT_LENGTH},
        "A preset, or a number of sentences up to max_summary_sentences.",
        code="invalid_length", type_code="invalid_length", details=_max_sentences,
        message="length must be 'short', 'medium', 'long' or a sentence count (at most "
                "max_summary_sentences)"),
    "languages": Field({"type": "array", "minItems": 1, "default": ["en"],
                        "items": {"type": "string", "enum": list(LANGUAGES)}},
                       "Summary languages: en, and id for an Indonesian summary too.",
                       code="unsupported_language",
                       message='languages must be a non-empty list of "en" and "id"'),
    "strategy": Field(lambda ctx: {"type": "string", "enum": list(ctx.strategies),
                                   "default": DEFAULT_STRATEGY},
                      "How the summary is made (the strategies this server enables).",
                      code="unknown_strategy", type_code="unknown_strategy",
                      message=lambda ctx: "unknown strategy; available: "
                      + ", ".join(ctx.strategies)),
    "prompt": Field({"type": ["string", "null"], "pattern": _PROMPT_REF.pattern},
                    "A prompt template, NAME or NAME@vVERSION (strategy instruct).",
                    code="invalid_prompt", type_code="invalid_prompt",
                    message="prompt must be a name such as 'summarize-en' or "
                    "'summarize-en@v1'"),
    "translation": Field({"type": "boolean", "default": False},
                         "Also return the whole article in English (the strategy's own "
                         "translation when it made one).",
                         message="translation must be true or false"),
    "attribution": Field({"type": "boolean", "default": False},
                         "Also return, for each English summary sentence, the article "
                         "sentences that support it, with scores and a supported verdict.",
                         message="attribution must be true or false"),
    "glossary": _GLOSSARY,
    "stream": Field({"type": "boolean", "default": False}, "Answer as Server-Sent Events "
                    "(as Accept: text/event-stream does): progress as it happens, then the "
                    "answer itself as the last event.", message="stream must be true or false"),
    "glossary_entries": Field(_GLOSSARY_ENTRIES.schema, _GLOSSARY_ENTRIES.description +
                              " For a summary: Indonesian -> English, applied in every "
                              "id->en translation step.", code=_GLOSSARY_ENTRIES.code,
                              type_code=_GLOSSARY_ENTRIES.type_code,
                              message=_GLOSSARY_ENTRIES.message),
})

TRANSLATE = ObjectSpec("TranslateRequest", "Text to translate, id->en or en->id.", {
    "text": Field({"oneOf": [_TEXT, {"type": "array", "minItems": 1, "items": _TEXT}]},
                  "One text (one string back) or a list (a list back, in order). At most "
                  "max_texts items and max_text_chars characters in all.", required=True,
                  message="text must be a string or a non-empty list of strings"),
    "source": Field({"type": "string", "enum": list(LANGUAGES), "default": "id"},
                    "Source language.", code="unsupported_language_pair",
                    message="source must be 'id' or 'en'"),
    "target": Field({"type": "string", "enum": list(LANGUAGES), "default": "en"},
                    "Target language.", code="unsupported_language_pair",
                    message="target must be 'id' or 'en'"),
    "glossary": _GLOSSARY,
    "glossary_entries": _GLOSSARY_ENTRIES,
    "stream": Field({"type": "boolean", "default": False}, "Answer as Server-Sent Events "
                    "(as Accept: text/event-stream does): each chunk of sentences as it is "
                    "translated, then the answer itself as the last event.",
                    message="stream must be true or false"),
})


def check_text(value: str, field: str, limits: Limits) -> str:
    """What a schema cannot say of article text, with the codes clients rely on."""
    if unpaired_surrogate(value):
        raise MalformedRequest(f"{field} contains an unpaired UTF-16 surrogate",
                               code="invalid_encoding", details={"field": field})
    if not split_paragraphs(value):  # whitespace, zero-width and control characters only
        raise InvalidField(field, f"{field} is empty", code="empty_text")
    if len(value) > limits.max_text_chars:
        raise PayloadTooLarge(f"{field} has {len(value)} characters; the limit is "
                              f"{limits.max_text_chars}", code="text_too_long",
                              details={"field": field, "limit": limits.max_text_chars})
    return value


def check_texts(raw: list[str], field: str, limits: Limits, *,
                blank_ok: bool = False) -> tuple[str, ...]:
    """A list of texts within the limits; ``blank_ok``: a blank text is allowed (it comes back
    as it was, as DeepL answers one)."""
    if len(raw) > limits.max_texts:
        raise PayloadTooLarge(f"{field} has {len(raw)} items; the limit is {limits.max_texts}",
                              code="too_many_texts",
                              details={"field": field, "limit": limits.max_texts})
    texts = tuple(t if blank_ok and not split_paragraphs(t) else
                  check_text(t, f"{field}[{i}]", limits) for i, t in enumerate(raw))
    total = sum(map(len, texts))
    if total > limits.max_text_chars:
        raise PayloadTooLarge(f"{field} has {total} characters in all; the limit is "
                              f"{limits.max_text_chars}", code="text_too_long",
                              details={"field": field, "limit": limits.max_text_chars})
    return texts


def _empty_as_empty_text(body: Any, field: str) -> None:
    # "" breaks minLength, but the code clients know for it is empty_text.
    if isinstance(body, Mapping) and body.get(field) == "":
        raise InvalidField(field, f"{field} is empty", code="empty_text")


def parse_summarize(body: Any, limits: Limits,
                    strategies: Mapping[str, object]) -> Parsed[SummarizeRequest]:
    """The request, its glossary still to be looked up (Parsed.resolve)."""
    _empty_as_empty_text(body, "text")
    body = SUMMARIZE.validate(body, SpecContext(limits, tuple(strategies)))
    text = check_text(body["text"], "text", limits)
    title = body.get("title")
    languages = body["languages"]
    req = SummarizeRequest(text=text, title=title.strip() or None if title else None,
                           html=body["html"],
                           length=Length.parse(body["length"],
                                               limits.max_summary_sentences),
                           languages=tuple(dict.fromkeys(languages)),
                           strategy=body["strategy"],
                           prompt=body.get("prompt"),
                           translation=body["translation"],
                           attribution=body["attribution"])
    return Parsed(req, NamedGlossary.parse(body, SUMMARY_PAIR))


def parse_translate(body: Any, limits: Limits) -> Parsed[TranslateRequest]:
    """The request, its glossary still to be looked up (Parsed.resolve)."""
    _empty_as_empty_text(body, "text")
    if isinstance(body, Mapping) and isinstance(body.get("text"), list):
        # Count and size limits answer 413 before each item's schema is looked at.
        for i, item in enumerate(body["text"]):
            if item == "":
                raise InvalidField(f"text[{i}]", f"text[{i}] is empty", code="empty_text")
    body = TRANSLATE.validate(body, SpecContext(limits))
    raw = body["text"]
    single = isinstance(raw, str)
    texts = (check_text(raw, "text", limits),) if single else check_texts(raw, "text", limits)
    source, target = body["source"], body["target"]
    if (source, target) not in PAIRS:
        raise InvalidField("source", f"unsupported language pair {source!r} -> {target!r}; "
                           f"supported: {PAIRS_TEXT}", code="unsupported_language_pair")
    return Parsed(TranslateRequest(texts=texts, source=source, target=target, single=single),
                  NamedGlossary.parse(body, (source, target)))
