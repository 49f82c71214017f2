"""Fewer malloc arenas for a serving process.

glibc gives a thread that finds the main heap busy an arena of its own, up to 8 per core,
and keeps freed memory in each. With the HTTP server's threads, the batcher's and the
models' own, a service then holds hundreds of MB it no longer uses: the seed article's
summary on the default CTranslate2 models peaked at 971 MB RSS with the default arenas and
765 MB with two, at the same speed (`ringkas bench` reports the peak).
"""

from __future__ import annotations

import ctypes
import os
import sys

M_ARENA_MAX = -8  # glibc's malloc.h
ARENAS = 2


def limit_malloc_arenas(arenas: int = ARENAS) -> bool:
    """Cap glibc's arenas for the threads that allocate from now on; True if it took. A
    MALLOC_ARENA_MAX in the environment (glibc reads it at start) is left as it is."""
    if not sys.platform.startswith("linux") or "MALLOC_ARENA_MAX" in os.environ:
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):  # not glibc (musl has no mallopt)
        return False
    return bool(mallopt(M_ARENA_MAX, arenas))
