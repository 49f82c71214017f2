"""What the fidelity check returns: the claims found in a summary, whether the article
supports each, and for each that it does not, why, what the article says instead and where."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

NUMERIC_KINDS = frozenset({"number", "amount", "percent", "year"})

# Why a claim is not supported; "not_in_source" is what the check always reported.
ISSUES = (
    "not_in_source", "value_changed", "scale_changed", "currency_changed",
    "qualifier_dropped", "qualifier_added", "qualifier_changed", "date_changed",
    "weekday_changed", "title_changed", "polarity_mismatch", "direction_mismatch",
    "speaker_mismatch", "participant_elsewhere", "period_changed",
)  # fmt: skip
_SAYS = {
    "value_changed": "a different figure", "scale_changed": "a different scale",
    "currency_changed": "a different currency", "qualifier_dropped": "a qualifier it drops",
    "qualifier_added": "no such qualifier", "qualifier_changed": "a different qualifier",
    "date_changed": "a different date", "weekday_changed": "a different day",
    "title_changed": "a different title", "polarity_mismatch": "the opposite polarity",
    "direction_mismatch": "the opposite direction", "speaker_mismatch": "another speaker",
    "participant_elsewhere": "other participants", "period_changed": "a different period",
}  # fmt: skip


@dataclass(frozen=True)
class Claim:
    # "number" | "amount" | "percent" | "year" | "date" | "period" | "entity" | "predicate"
    # | "speaker"
    kind: str
    text: str  # as written in the summary
    value: str  # normalised: "1.8e13 IDR", "18%", "2025", "monday", "agus gumiwang kartasasmita"
    supported: bool
    issue: str | None = None  # one of ISSUES when not supported
    expected: str | None = None  # what the article says instead, as it writes it
    sentence: int | None = None  # the summary sentence making the claim (0-based)
    source: int | None = None  # the article sentence it was checked against (0-based)
    source_text: str | None = None  # that sentence
    quote: str | None = None  # speaker_mismatch: the words the summary reports

    def to_json(self) -> dict[str, Any]:
        out = {"kind": self.kind, "text": self.text, "value": self.value,
               "issue": self.issue or "not_in_source", "expected": self.expected,
               "sentence": self.sentence,
               "source": None if self.source is None else {"index": self.source,
                                                           "text": self.source_text}}
        if self.quote is not None:
            out["quote"] = self.quote
        return out

    def warning(self) -> str:
        issue = self.issue or "not_in_source"
        if issue == "not_in_source":
            if self.kind == "entity":
                return f"the summary names '{self.text}', which the article does not mention"
            return f"the summary says '{self.text}', which the article does not support"
        where = (f"article sentence {self.source}" if self.source is not None
                 else "the article")
        if issue == "participant_elsewhere":
            return (f"the summary names '{self.text}' in a claim {where} makes without it; "
                    "the article names it only about something else")
        if issue == "speaker_mismatch":
            return (f"the summary gives '{self.quote}' to '{self.text}', where {where} has "
                    f"it from '{self.expected}'")
        instead = f": '{self.expected}'" if self.expected else ""
        return (f"the summary says '{self.text}' where {where} has {_SAYS[issue]}{instead}")


@dataclass(frozen=True)
class UnsupportedSentence:
    """A summary sentence no article sentence supports (attribution's verdict)."""

    sentence: int
    text: str

    def to_json(self) -> dict[str, Any]:
        return {"sentence": self.sentence, "text": self.text}

    def warning(self) -> str:
        return f"no sentence of the article supports the summary sentence '{self.text}'"


@dataclass(frozen=True)
class FidelityReport:
    claims: tuple[Claim, ...]
    # An empty summary states nothing, so nothing in it is supported either.
    empty: bool = False
    sentences: tuple[UnsupportedSentence, ...] = ()

    @property
    def unsupported(self) -> tuple[Claim, ...]:
        return tuple(c for c in self.claims if not c.supported)

    @property
    def numeric_claims(self) -> int:
        return sum(c.kind in NUMERIC_KINDS for c in self.claims)

    @property
    def unsupported_numeric_rate(self) -> float:
        """Share of numeric claims the sources do not support; 0.0 when there are none."""
        total = self.numeric_claims
        if not total:
            return 0.0
        return sum(c.kind in NUMERIC_KINDS for c in self.unsupported) / total

    def to_json(self) -> dict[str, Any]:
        return {
            "checked": len(self.claims),
            "unsupported": [c.to_json() for c in self.unsupported],
            "unsupported_sentences": [u.to_json() for u in self.sentences],
            "unsupported_numeric_rate": self.unsupported_numeric_rate,
            "supported": not self.unsupported and not self.sentences and not self.empty,
        }

    def warnings(self) -> list[str]:
        """One short sentence per unsupported claim."""
        return [c.warning() for c in self.unsupported]
