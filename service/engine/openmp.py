"""ctranslate2, imported with its OpenMP threads told to sleep while they wait.

CTranslate2's CPU kernels run on libgomp, whose idle threads spin (300,000 rounds, then
sleep) after every parallel region unless OMP_WAIT_POLICY says otherwise. In a process with
several models and request threads those spins take the cores the working threads need
(docs/performance.md has the figures). libgomp reads the setting once, when the library
loads, so every import of ctranslate2 goes through here; a value in the environment is
kept. The setting is the process's: a torch loaded later in it (a role that fell back to
transformers) sleeps its idle threads too.
"""

from __future__ import annotations

import os
from types import ModuleType

WAIT_POLICY = "PASSIVE"


def import_ctranslate2() -> ModuleType:
    os.environ.setdefault("OMP_WAIT_POLICY", WAIT_POLICY)
    import ctranslate2

    return ctranslate2
