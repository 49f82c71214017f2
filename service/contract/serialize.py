"""What the API answers for a summary and a translation: the pipeline's results shaped as
the response schemas beside this module say (service/contract/responses.py). What the
request asked for decides which optional keys appear; the results carry no such flags."""

from __future__ import annotations

from typing import Any

from service.auth.usage import CharUsage
from service.engine.recall import Tally
from service.pipeline.human import HumanUse
from service.pipeline.pipeline import SummaryResult, TranslationResult
from service.pipeline.requests import SummarizeRequest


def summary_json(result: SummaryResult, req: SummarizeRequest) -> dict[str, Any]:
    """``translation`` only when asked (null then means no id->en model: an article-length
    string nobody else wants); ``attribution`` when asked and made."""
    return {
        "summary": result.summary,
        **({"translation": result.translation} if req.translation else {}),
        "strategy": result.strategy,
        "length": result.length,
        "models": [m.to_json() for m in result.models],
        "prompt": result.prompt.to_json() if result.prompt else None,
        "fidelity": result.fidelity.to_json(),
        **({"attribution": result.attribution.to_json()}
           if req.attribution and result.attribution is not None else {}),
        "timings_ms": result.timings_ms,
        "warnings": [w.to_json() for w in result.warnings],
        **_memory_json(result.translation_memory),
        **_human_json(result.human_translations),
        "reused": result.reused,
    }


def translation_json(result: TranslationResult) -> dict[str, Any]:
    return {"translation": result.translation, "models": [m.to_json() for m in result.models],
            "timings_ms": result.timings_ms, "warnings": [w.to_json() for w in result.warnings],
            **_memory_json(result.translation_memory),
            **_human_json(result.human_translations)}


def _memory_json(tally: Tally | None) -> dict[str, Any]:
    """Beside the models: how many of the answer's model inputs the translation memory
    answered (none of it when the server runs without one)."""
    return {"translation_memory": tally.to_json()} if tally is not None else {}


def _human_json(used: tuple[HumanUse, ...]) -> dict[str, Any]:
    """Which sentences a human translation gave: only when one did."""
    return {"human_translations": [u.to_json() for u in used]} if used else {}


# What DeepL reports as the character_limit of a key without a quota. DeepL always sends
# the field, and its clients read a missing one as "usage unknown".
DEEPL_UNLIMITED = 1_000_000_000_000


def deepl_usage_json(used: CharUsage) -> dict[str, int]:
    return {"character_count": used.characters,
            "character_limit": DEEPL_UNLIMITED if used.limit is None else used.limit}
