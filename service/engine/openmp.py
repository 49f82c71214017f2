"""ctranslate2, imported with its OpenMP threads told to sleep while they wait.

CTranslate2's CPU kernels run on libgomp, whose idle threads spin (300,000 rounds, then
sleep) after every parallel region unless OMP_WAIT_POLICY says otherwise. In a process with
several models and request threads those spins take the cores the working threads need.
Measured with `ringkas bench --quick` on 2 cores, passive against libgomp's spinning
(GOMP_SPINCOUNT=300000), in two pairs of runs: 8 one-sentence clients 6.74 and 5.90
requests/s against 5.54 and 5.61, one client's CPU seconds per request 0.40 and 0.36 against
0.48 and 0.43; the seed's translation 2.29 and 2.61 s against 2.61 and 1.98 (mixed). libgomp
reads the setting once, when the library loads, so every import of ctranslate2 goes through
here; a value in the environment is kept. The setting is the process's: a torch loaded
later in it (a role that fell back to transformers) sleeps its idle threads too.
"""

from __future__ import annotations

import os
from types import ModuleType

WAIT_POLICY = "PASSIVE"


def import_ctranslate2() -> ModuleType:
    os.environ.setdefault("OMP_WAIT_POLICY", WAIT_POLICY)
    import ctranslate2

    return ctranslate2
