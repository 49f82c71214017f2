"""The CUDA libraries CTranslate2 loads on a GPU, from the gpu extra's pip packages.

``pip install 'ringkas[gpu]'`` puts cuBLAS and cuDNN under site-packages/nvidia/*/lib,
where the dynamic loader does not look; loading them here first (globally, as a system
install would be) lets CTranslate2 find them without LD_LIBRARY_PATH. A system-wide CUDA
install is used as it is when the packages are absent.
"""

from __future__ import annotations

import ctypes
import importlib.util
from pathlib import Path

# Loaded in this order: cuDNN's libraries need cuBLAS's.
PACKAGES = ("nvidia.cublas", "nvidia.cuda_runtime", "nvidia.cudnn")


def cuda_library_files(packages: tuple[str, ...] = PACKAGES) -> list[Path]:
    """The shared libraries of those of ``packages`` that are installed, in order."""
    found: list[Path] = []
    for name in packages:
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            continue
        for root in (spec.submodule_search_locations or []) if spec else []:
            found += sorted(p for p in (Path(root) / "lib").glob("lib*.so*") if p.is_file())
    return found


def load_cuda_libraries(packages: tuple[str, ...] = PACKAGES) -> list[str]:
    """Load them; the names of those that loaded (a library that will not load is left to
    CTranslate2's own error, which names it)."""
    loaded = []
    for path in cuda_library_files(packages):
        try:
            ctypes.CDLL(str(path), mode=ctypes.RTLD_GLOBAL)
        except OSError:
            continue
        loaded.append(path.name)
    return loaded
