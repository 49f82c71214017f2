"""What the pipeline is asked to do: plain frozen dataclasses, free of HTTP and JSON Schema.

The contract (service/contract/) parses request bodies into these; the CLI, the evaluation
and the tests build them directly.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from service.config import Limits
from service.errors import InvalidField
from service.glossary.terms import GlossaryPolicy

DEFAULT_STRATEGY = "translate-summarise"
DEFAULT_LENGTH = "medium"


@dataclass(frozen=True)
class Length:
    """How long a summary should be: a preset or an explicit sentence count."""

    sentences: int
    preset: str | None = None

    # Sentences per preset; each summariser's token budget for them is its own
    # (service/pipeline/budget.py).
    PRESETS: ClassVar[dict[str, int]] = {"short": 2, "medium": 4, "long": 6}

    @classmethod
    def parse(cls, value: Any, limit: int = Limits.max_summary_sentences) -> Length:
        if isinstance(value, str) and value in cls.PRESETS:
            return cls(cls.PRESETS[value], value)
        if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= limit:
            return cls(value)
        error = InvalidField("length", "length must be 'short', 'medium', 'long' or a sentence "
                             f"count from 1 to {limit} (max_summary_sentences)",
                             code="invalid_length")
        error.details["limit"] = limit
        raise error

    def to_json(self) -> str | int:
        return self.preset or self.sentences


@dataclass(frozen=True)
class SummarizeRequest:
    text: str
    title: str | None = None
    html: bool = False
    length: Length = Length(Length.PRESETS[DEFAULT_LENGTH], DEFAULT_LENGTH)
    languages: tuple[str, ...] = ("en",)
    strategy: str = DEFAULT_STRATEGY
    prompt: str | None = None  # a prompt template, NAME or NAME@vVERSION (strategy instruct)
    translation: bool = False  # also return the whole article in English
    attribution: bool = False  # also return each summary sentence's supporting sentences
    glossary: GlossaryPolicy | None = None  # enforced in every translation step


@dataclass(frozen=True)
class TranslateRequest:
    texts: tuple[str, ...]
    source: str
    target: str
    single: bool  # the client sent one string and gets one string back
    # Other translations wanted per text, from the same beam search (LibreTranslate's
    # alternatives); 0: none.
    alternatives: int = 0
    glossary: GlossaryPolicy | None = None
