"""How many tokens a summariser may write: a share of the range it was trained on.

A summariser asked for more than it learned to write pads, repeats or stops mid-sentence;
asked for less, it cuts its summary short. So each role's budget comes from its own model:
the effective decoding's min/max new tokens (the model's generation config, or its model
card's where the config has none; ``service/models.py``). "medium" (4 sentences) is the
model's own range; fewer sentences scale it down; more raise the minimum, never the maximum.

The README's table under "HTTP API" (``length``) gives the figures for the default models;
a test keeps it equal to what ``token_budget`` computes.
"""

from __future__ import annotations

import math

from service.engine import Engine

# The model's own range is what it writes for this many sentences.
_OWN_RANGE_SENTENCES = 4
# More sentences raise the minimum at most this far (x the model's own minimum).
_MAX_MIN_SCALE = 1.5
# For an engine that reports no decoding (a stub): distilbart-cnn's range.
DEFAULT_RANGE = (55, 141)


def trained_range(engine: Engine) -> tuple[int, int]:
    decoding = engine.info.decoding
    if decoding is None:
        return DEFAULT_RANGE
    return decoding.min_new_tokens, decoding.max_new_tokens


def token_budget(sentences: int, trained: tuple[int, int]) -> tuple[int, int]:
    """(min_new_tokens, max_new_tokens) for a summary of ``sentences`` sentences."""
    lo_own, hi_own = trained
    share = sentences / _OWN_RANGE_SENTENCES
    hi = max(1, math.ceil(hi_own * min(share, 1.0)))
    lo = min(math.floor(lo_own * min(share, _MAX_MIN_SCALE)), hi)
    return lo, hi
