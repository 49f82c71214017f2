"""Requests parsed and validated once, at the boundary, into frozen dataclasses."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from service.config import Limits
from service.errors import InvalidField, MalformedRequest, PayloadTooLarge
from service.text.clean import split_paragraphs

LANGUAGES = ("en", "id")
PAIRS = {("id", "en"), ("en", "id")}
DEFAULT_STRATEGY = "translate-summarise"
MAX_SENTENCES = 20
_PROMPT_REF = re.compile(r"^[a-z0-9][a-z0-9_-]*(@v[0-9]+)?$")


@dataclass(frozen=True)
class Length:
    """How long a summary should be: a preset or an explicit sentence count."""

    sentences: int
    preset: str | None = None

    # (sentences, min_new_tokens, max_new_tokens); medium is distilbart-cnn's own setting.
    PRESETS: ClassVar[dict[str, tuple[int, int, int]]] = {
        "short": (2, 20, 60), "medium": (4, 56, 142), "long": (6, 100, 230)}

    @classmethod
    def parse(cls, value: Any, limit: int = MAX_SENTENCES) -> Length:
        if isinstance(value, str) and value in cls.PRESETS:
            return cls(cls.PRESETS[value][0], value)
        if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= limit:
            return cls(value)
        error = InvalidField("length", "length must be 'short', 'medium', 'long' or a sentence "
                             f"count from 1 to {limit} (max_summary_sentences)",
                             code="invalid_length")
        error.details["limit"] = limit
        raise error

    @property
    def token_budget(self) -> tuple[int, int]:
        """(min_new_tokens, max_new_tokens) for an abstractive model."""
        if self.preset:
            _, lo, hi = self.PRESETS[self.preset]
            return lo, hi
        return 12 * self.sentences, 40 * self.sentences

    def to_json(self) -> str | int:
        return self.preset or self.sentences


@dataclass(frozen=True)
class SummarizeRequest:
    text: str
    title: str | None = None
    html: bool = False
    length: Length = Length(4, "medium")
    languages: tuple[str, ...] = ("en",)
    strategy: str = DEFAULT_STRATEGY
    prompt: str | None = None  # NAME or NAME@vVERSION from prompts/ (strategy instruct)
    translation: bool = False  # also return the whole article in English


@dataclass(frozen=True)
class TranslateRequest:
    texts: tuple[str, ...]
    source: str
    target: str
    single: bool  # the client sent one string and gets one string back


def _check_keys(body: Mapping[str, Any], allowed: set[str]) -> None:
    unknown = sorted(set(body) - allowed)
    if unknown:
        # Strict on purpose: a typo like "lenght" must not silently use the default.
        raise InvalidField(unknown[0], f"unknown field {unknown[0]!r}; allowed: "
                           f"{', '.join(sorted(allowed))}", code="unknown_field")


def _text(value: Any, field: str, limits: Limits) -> str:
    if not isinstance(value, str):
        raise InvalidField(field, f"{field} must be a string", code="invalid_type")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate escape ("\ud800") is valid JSON, not text
        raise MalformedRequest(f"{field} contains an unpaired UTF-16 surrogate",
                               code="invalid_encoding", details={"field": field}) from None
    if not split_paragraphs(value):  # whitespace, zero-width and control characters only
        raise InvalidField(field, f"{field} is empty", code="empty_text")
    if len(value) > limits.max_text_chars:
        raise PayloadTooLarge(f"{field} has {len(value)} characters; the limit is "
                              f"{limits.max_text_chars}", code="text_too_long",
                              details={"field": field, "limit": limits.max_text_chars})
    return value


def _object(body: Any) -> Mapping[str, Any]:
    if not isinstance(body, Mapping):
        raise MalformedRequest("the request body must be a JSON object", code="not_an_object")
    return body


def parse_summarize(body: Any, limits: Limits,
                    strategies: Mapping[str, object]) -> SummarizeRequest:
    body = _object(body)
    _check_keys(body, {"text", "title", "html", "length", "languages", "strategy", "prompt",
                       "translation"})
    if "text" not in body:
        raise InvalidField("text", "text is required", code="missing_field")
    text = _text(body["text"], "text", limits)
    title = body.get("title")
    if title is not None and not isinstance(title, str):
        raise InvalidField("title", "title must be a string", code="invalid_type")
    html = body.get("html", False)
    if not isinstance(html, bool):
        raise InvalidField("html", "html must be true or false", code="invalid_type")
    length = Length.parse(body.get("length", "medium"), limits.max_summary_sentences)
    languages = body.get("languages", ["en"])
    if (not isinstance(languages, list) or not languages
            or not all(isinstance(x, str) for x in languages)):
        raise InvalidField("languages", "languages must be a non-empty list such as "
                           '["en", "id"]', code="invalid_type")
    bad = [x for x in languages if x not in LANGUAGES]
    if bad:
        raise InvalidField("languages", f"unsupported summary language {bad[0]!r}; "
                           f"supported: {', '.join(LANGUAGES)}", code="unsupported_language")
    strategy = body.get("strategy", DEFAULT_STRATEGY)
    if not isinstance(strategy, str) or strategy not in strategies:
        raise InvalidField("strategy", f"unknown strategy {strategy!r}; available: "
                           f"{', '.join(strategies)}", code="unknown_strategy")
    prompt = body.get("prompt")
    if prompt is not None and (not isinstance(prompt, str) or not _PROMPT_REF.match(prompt)):
        raise InvalidField("prompt", "prompt must be a name such as 'summarize-en' or "
                           "'summarize-en@v1'", code="invalid_prompt")
    translation = body.get("translation", False)
    if not isinstance(translation, bool):
        raise InvalidField("translation", "translation must be true or false",
                           code="invalid_type")
    return SummarizeRequest(text=text, title=title.strip() or None if title else None,
                            html=html, length=length,
                            languages=tuple(dict.fromkeys(languages)), strategy=strategy,
                            prompt=prompt, translation=translation)


def parse_translate(body: Any, limits: Limits) -> TranslateRequest:
    body = _object(body)
    _check_keys(body, {"text", "source", "target"})
    if "text" not in body:
        raise InvalidField("text", "text is required", code="missing_field")
    raw = body["text"]
    single = isinstance(raw, str)
    texts: tuple[str, ...]
    if single:
        texts = (_text(raw, "text", limits),)
    elif isinstance(raw, list) and raw:
        if len(raw) > limits.max_texts:
            raise PayloadTooLarge(f"text has {len(raw)} items; the limit is {limits.max_texts}",
                                  code="too_many_texts",
                                  details={"field": "text", "limit": limits.max_texts})
        texts = tuple(_text(t, f"text[{i}]", limits) for i, t in enumerate(raw))
        total = sum(map(len, texts))
        if total > limits.max_text_chars:
            raise PayloadTooLarge(f"text has {total} characters in all; the limit is "
                                  f"{limits.max_text_chars}", code="text_too_long",
                                  details={"field": "text", "limit": limits.max_text_chars})
    else:
        raise InvalidField("text", "text must be a string or a non-empty list of strings",
                           code="invalid_type")
    source, target = body.get("source", "id"), body.get("target", "en")
    for name, value in (("source", source), ("target", target)):
        if not isinstance(value, str):
            raise InvalidField(name, f"{name} must be a language code string",
                               code="invalid_type")
    if (source, target) not in PAIRS:
        raise InvalidField("source", f"unsupported language pair {source!r} -> {target!r}; "
                           "supported: id -> en, en -> id", code="unsupported_language_pair")
    return TranslateRequest(texts=texts, source=source, target=target, single=single)
