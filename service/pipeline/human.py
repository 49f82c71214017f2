"""Human translations: sentences a person translated (approved suggestions, TMX files),
used as written instead of the model's translation wherever a sentence to translate is the
same sentence.

A sentence matches when its key is the entry's: the text normalised as the pipeline
normalises what it translates (Unicode NFC, invisible and control characters out), every
run of whitespace one space, no space at either end. The match is exact otherwise: case,
punctuation and quotes count. Each direction (source, target) has entries of its own.

The pipeline only reads a :class:`HumanTranslations`, a frozen snapshot; where entries come
from and when the snapshot is renewed is the runtime's business (service/runtime/human.py).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from service.text.clean import normalise_text

ORIGINS = ("suggestion", "tmx")
# Which output of an answer a human sentence is in: a translation's (/v1/translate), the
# article's English (a summary's full translation, or the English it summarised), the English
# summary's, the Indonesian summary's (its back-translation).
PARTS = ("translation", "article", "summary_en", "summary_id")
Key = tuple[str, str, str]  # (source language, target language, match key)


def match_key(text: str) -> str:
    """What a sentence is matched on: normalised as translated text is, whitespace runs one
    space, stripped."""
    return " ".join(normalise_text(text).split())


@dataclass(frozen=True)
class HumanTranslation:
    text: str  # the translation, as the person wrote it (without surrounding whitespace)
    origin: str  # "suggestion" or "tmx"
    reference: str  # the suggestion's id, or the TMX file's name


@dataclass(frozen=True)
class HumanTranslations:
    """The entries by (source, target, match key), read-only. ``digest`` changes whenever
    an entry does: part of the key of a reused answer."""

    entries: Mapping[Key, HumanTranslation] = field(
        default_factory=lambda: MappingProxyType({}))
    digest: str = ""

    @classmethod
    def of(cls, items: Iterable[tuple[str, str, str, HumanTranslation]],
           base: HumanTranslations | None = None) -> HumanTranslations:
        """From (source, target, source text, translation), a later item replacing an
        earlier one of the same key, and all of them replacing ``base``'s entries of the
        same keys (``base`` itself is left as it is); empty texts and translations are left
        out."""
        added: dict[Key, HumanTranslation] = {}
        for source, target, text, human in items:
            key = match_key(text)
            if key and human.text.strip():
                added[(source, target, key)] = HumanTranslation(
                    human.text.strip(), human.origin, human.reference)
        if base is None or not base.entries:
            entries = added
        else:
            entries = dict(base.entries)
            entries.update(added)
        blob = json.dumps([base.digest if base is not None else "",
                           sorted([*k, v.text, v.origin, v.reference]
                                  for k, v in added.items())],
                          ensure_ascii=False, separators=(",", ":"))
        digest = hashlib.sha256(blob.encode("utf-8", "surrogatepass")).hexdigest() \
            if entries else ""
        return cls(MappingProxyType(entries), digest)

    def __len__(self) -> int:
        return len(self.entries)

    def find(self, pair: tuple[str, str], sentences: Sequence[str],
             ) -> dict[int, HumanTranslation]:
        """The human translation of each of ``sentences`` that has one, by index."""
        if not self.entries:
            return {}
        source, target = pair
        found = {}
        for i, sentence in enumerate(sentences):
            human = self.entries.get((source, target, match_key(sentence)))
            if human is not None:
                found[i] = human
        return found


# What the pipeline calls once per request for the entries of that moment.
HumanLookup = Callable[[], HumanTranslations]
NO_HUMAN = HumanTranslations()


@dataclass(frozen=True)
class HumanUse:
    """One sentence of an answer that a human translation gave: where it is (``part``, and
    the details a warning about it would give: ``sentence``, and ``text`` for one of
    several texts) and where it came from."""

    part: str
    details: Mapping[str, Any]
    origin: str
    reference: str

    def to_json(self) -> dict[str, Any]:
        return {"part": self.part, **self.details, "origin": self.origin,
                "reference": self.reference}
