"""How many CTranslate2 workers a model gets, and how many cores each.

Measured on 2 cores with the default models' shapes (int8, random weights), on the engine
alone: for opus-mt, one worker on both cores kept only about one core busy and was slower
than two single-core workers with the batch split between them, for one sentence (1.39 s
against 0.51 s) and for eight (3.46 s against 1.18 s): its threads synchronise at every
small layer of every decoding step. distilbart's larger layers on one long article still
gain from a second core. So by default a translator gets a worker per core (up to four; a
bigger machine gives each worker more cores) and an engine splits a batch between its
workers (``CT2Seq2SeqEngine.sub_batch_size``); a summariser, given one whole article at a
time, gets one worker on every core."""

from __future__ import annotations

import os
from dataclasses import dataclass

# Past four workers a batch of one request's sentences is cut too thin: more cores per
# worker then, for the one long summary that cannot be split.
MAX_AUTO_WORKERS = 4


def usable_cores() -> int:
    """The cores this process may run on (a container's or taskset's limit included)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # not Linux
        return max(1, os.cpu_count() or 1)


@dataclass(frozen=True)
class Threads:
    workers: int  # CTranslate2's inter_threads: batches run at once per model
    cores_each: int  # its intra_threads: cores per batch

    def describe(self) -> str:
        return f"{self.workers} worker(s) x {self.cores_each} core(s) per model"


def ct2_threads(inter: int = 0, intra: int = 0, cores: int | None = None, *,
                whole_texts: bool = False, device: str = "cpu") -> Threads:
    """RINGKAS_INTER_THREADS / RINGKAS_INTRA_THREADS, 0 meaning "choose": a worker per core
    (at most MAX_AUTO_WORKERS), and the cores shared out between the workers; for a model
    given whole texts one at a time (a summariser), one worker on every core, since its
    one text cannot be split. On a GPU, one worker (a batch at a time on the device: a
    whole batch keeps it busier than two halves) on one core, which only feeds it."""
    if device != "cpu":
        return Threads(inter if inter > 0 else 1, intra if intra > 0 else 1)
    cores = cores or usable_cores()
    if whole_texts and inter <= 0 and intra <= 0:
        return Threads(1, cores)
    if inter <= 0:
        inter = max(1, cores // intra) if intra > 0 else _workers(cores)
    if intra <= 0:
        intra = max(1, cores // inter)
    return Threads(inter, intra)


def _workers(cores: int) -> int:
    """A worker per core up to MAX_AUTO_WORKERS; past that, the largest count up to it that
    shares the cores out evenly (6 cores: 3 workers of 2), so that none is left idle."""
    if cores <= MAX_AUTO_WORKERS:
        return cores
    for n in range(MAX_AUTO_WORKERS, 1, -1):
        if cores % n == 0:
            return n
    return MAX_AUTO_WORKERS  # a prime count: a core or more left over
