"""Text that cannot be encoded: a check the contract and the webhook sender share."""

from __future__ import annotations


def unpaired_surrogate(value: str) -> bool:
    """A lone surrogate escape ("\\ud800") is valid JSON, but no text: it cannot be stored,
    logged as UTF-8 or sent on."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False
