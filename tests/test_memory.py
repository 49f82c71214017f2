"""The serving process caps glibc's malloc arenas (service/engine/memory.py)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

# Eight threads allocate at once; glibc's malloc_info then lists one <heap> per arena.
_PROBE = textwrap.dedent("""
    import ctypes, os, sys, tempfile, threading
    from service.engine.memory import limit_malloc_arenas
    took = limit_malloc_arenas() if sys.argv[1] == "limit" else None
    barrier = threading.Barrier(8)
    def work():
        barrier.wait()
        for _ in range(200):
            blocks = [bytearray(4096) for _ in range(50)]
            del blocks
    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads: t.start()
    for t in threads: t.join()
    libc = ctypes.CDLL(None)
    libc.fdopen.restype = ctypes.c_void_p
    with tempfile.TemporaryFile() as tmp:
        fp = libc.fdopen(os.dup(tmp.fileno()), b"w")
        libc.malloc_info(0, ctypes.c_void_p(fp))
        libc.fclose(ctypes.c_void_p(fp))
        tmp.seek(0)
        print(took, tmp.read().decode().count("<heap nr="))
""")


def _arenas(mode: str, env: dict[str, str]) -> tuple[str, int]:
    out = subprocess.run([sys.executable, "-c", _PROBE, mode], capture_output=True, text=True,
                         env=env, timeout=120, check=True).stdout.split()
    return out[0], int(out[1])


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc only")
def test_the_arena_cap_takes_and_an_explicit_setting_wins() -> None:
    env = {k: v for k, v in os.environ.items() if k != "MALLOC_ARENA_MAX"}
    took, capped = _arenas("limit", env)
    _, default = _arenas("none", env)
    assert took == "True" and capped <= 2 < default
    took, _ = _arenas("limit", {**env, "MALLOC_ARENA_MAX": "4"})
    assert took == "False"  # the user's own MALLOC_ARENA_MAX is glibc's to apply


def test_loading_models_caps_the_arenas(monkeypatch: pytest.MonkeyPatch) -> None:
    from service.config import Settings
    from service.engine import memory
    from service.runtime import assembly as runtime

    calls: list[int] = []
    monkeypatch.setattr(memory, "limit_malloc_arenas", lambda arenas=2: calls.append(arenas))
    import service.engine.loading as loading

    monkeypatch.setattr(loading, "load_engines", lambda wanted, loader: {})
    runtime.load_models(Settings(), [])
    assert calls == [2]
