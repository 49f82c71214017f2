"""Reading and dropping the rest of a request body that will not be used (after a 413):
closing a connection with unread data resets it, and a client still writing the body
(Python's urllib) never sees the answer. Both servers' paths use this one bounded loop."""

from __future__ import annotations

import time
from collections.abc import Callable

MAX_BYTES = 64 * 1024 * 1024  # past these bounds the upload is simply cut
MAX_S = 30.0


def drop_rest(read: Callable[[int], bytes]) -> None:
    """Call ``read`` until it returns nothing or a bound is reached; errors end it."""
    end, total = time.monotonic() + MAX_S, 0
    try:
        while total < MAX_BYTES and time.monotonic() < end:
            chunk = read(256 * 1024)
            if not chunk:
                return
            total += len(chunk)
    except (OSError, ValueError):
        return
