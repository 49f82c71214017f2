"""What the fidelity check returns: the claims found in a summary and whether a source has them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

NUMERIC_KINDS = frozenset({"number", "amount", "percent", "year"})


@dataclass(frozen=True)
class Claim:
    kind: str  # "number" | "amount" | "percent" | "year" | "entity"
    text: str  # as written in the summary
    value: str  # normalised: "1.8e13 IDR", "18%", "2025", "agus gumiwang kartasasmita"
    supported: bool


@dataclass(frozen=True)
class FidelityReport:
    claims: tuple[Claim, ...]

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
            "unsupported": [
                {"kind": c.kind, "text": c.text, "value": c.value} for c in self.unsupported
            ],
            "unsupported_numeric_rate": self.unsupported_numeric_rate,
            "supported": not self.unsupported,
        }

    def warnings(self) -> list[str]:
        """One short sentence per unsupported claim."""
        out = []
        for c in self.unsupported:
            if c.kind == "entity":
                out.append(f"the summary names '{c.text}', which the article does not mention")
            else:
                out.append(f"the summary says '{c.text}', which the article does not support")
        return out
