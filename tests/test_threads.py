"""CTranslate2's workers and cores: chosen for the machine, and one batch split between the
workers (service/engine/threads.py, CT2Seq2SeqEngine.sub_batch_size)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from service.config import ConfigError, Settings
from service.engine import GenerationParams
from service.engine.convert import convert
from service.engine.ct2 import CT2Seq2SeqEngine
from service.engine.threads import Threads, ct2_threads
from service.models import LOCAL_REVISION, ModelSpec
from service.runtime.assembly import loader_for

ROOT = Path(__file__).resolve().parents[1]
INPUTS = [
    "Kementerian Perindustrian memperkuat upaya pemulihan sentra IKM alas kaki.",
    "Nilai investasi mencapai lebih dari Rp18 triliun.",
    "Sebanyak 14 perajin terlibat langsung dalam program tersebut.",
    "Program itu berjalan sejak Januari.",
    "Pemerintah juga menyiapkan pelatihan bagi pelaku usaha di daerah tersebut.",
]


@pytest.fixture(scope="module")
def marian(arch_dirs: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    return convert(ModelSpec("test", str(arch_dirs["marian"]), LOCAL_REVISION),
                   tmp_path_factory.mktemp("ct2-threads") / "marian", "float32")


@pytest.mark.parametrize(("inter", "intra", "cores", "want"), [
    (0, 0, 1, Threads(1, 1)),
    (0, 0, 2, Threads(2, 1)),   # a single-core worker per core
    (0, 0, 16, Threads(4, 4)),  # at most 4 workers; the cores shared out between them
    (0, 0, 6, Threads(3, 2)),   # evenly: no core left idle
    (0, 0, 10, Threads(2, 5)),
    (0, 0, 7, Threads(4, 1)),   # a prime count cannot be shared out evenly
    (1, 0, 2, Threads(1, 2)),   # one worker asked for: it gets every core
    (0, 2, 8, Threads(4, 2)),
    (3, 1, 2, Threads(3, 1)),   # what is asked for is kept
])
def test_threads_are_chosen_for_the_machine(inter: int, intra: int, cores: int,
                                            want: Threads) -> None:
    assert ct2_threads(inter, intra, cores) == want


def test_a_summariser_gets_one_worker_on_every_core() -> None:
    # One whole article per request cannot be split between workers.
    assert ct2_threads(0, 0, 2, whole_texts=True) == Threads(1, 2)
    assert ct2_threads(0, 0, 8, whole_texts=True) == Threads(1, 8)
    # What is asked for wins.
    assert ct2_threads(2, 1, 2, whole_texts=True) == Threads(2, 1)
    assert ct2_threads(0, 1, 2, whole_texts=True) == Threads(2, 1)


def test_settings_choose_by_default_and_refuse_negative_counts() -> None:
    settings = Settings.from_env(env={})
    assert (settings.engines.inter_threads, settings.engines.intra_threads) == (0, 0)
    for var in ("RINGKAS_INTER_THREADS", "RINGKAS_INTRA_THREADS"):
        with pytest.raises(ConfigError, match=var):
            Settings.from_env(env={var: "-1"})


class Recorder:
    """The translator, recording what each translate_batch call was asked."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.calls: list[dict[str, Any]] = []

    def translate_batch(self, source: list[list[str]], **kwargs: Any) -> Any:
        self.calls.append({"n": len(source), **kwargs})
        return self.inner.translate_batch(source, **kwargs)


def test_a_batch_is_split_between_the_workers_and_keeps_its_order(marian: Path) -> None:
    one = CT2Seq2SeqEngine.from_dir("test", marian, inter_threads=1, intra_threads=1)
    two = CT2Seq2SeqEngine.from_dir("test", marian, inter_threads=2, intra_threads=1)
    assert two.translator.num_translators == 2
    recorder = Recorder(two.translator)
    two.translator = recorder
    params = GenerationParams(max_new_tokens=10)
    # The split (CTranslate2 sorts by length, then cuts) must hand back every text's own
    # translation in the caller's order.
    want = one.generate(INPUTS, params)
    assert len(set(want)) == len(INPUTS)  # a reordering would show
    assert two.generate(INPUTS, params) == want
    assert recorder.calls[-1]["max_batch_size"] == 3  # 5 texts: 3 + 2
    two.generate(INPUTS[:1], params)
    assert recorder.calls[-1]["max_batch_size"] == 0  # one text: nothing to split
    # n-best lists come back per text in order too.
    assert (two.generate_hypotheses(INPUTS, GenerationParams(max_new_tokens=8,
                                                             num_hypotheses=2))
            == one.generate_hypotheses(INPUTS, GenerationParams(max_new_tokens=8,
                                                                num_hypotheses=2)))
    assert [one.sub_batch_size(n) for n in (0, 1, 2, 5)] == [0, 0, 0, 0]
    assert [two.sub_batch_size(n) for n in (0, 1, 2, 3, 15)] == [0, 0, 1, 2, 8]


def test_the_default_on_two_cores_is_two_single_core_workers(
        marian: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("service.engine.threads.usable_cores", lambda: 2)
    engine = CT2Seq2SeqEngine.from_dir("test", marian)
    assert engine.workers == 2
    assert engine.translator.num_translators == 2


def test_the_settings_threads_reach_the_engine(marian: Path, tmp_path: Path) -> None:
    settings = Settings.from_env(env={"RINGKAS_INTER_THREADS": "3", "RINGKAS_INTRA_THREADS": "1",
                                      "RINGKAS_BACKEND": "ctranslate2",
                                      "RINGKAS_CT2_CACHE": str(tmp_path)})
    engine = loader_for(settings)(ModelSpec("translate_id_en", str(marian), LOCAL_REVISION), True)
    assert isinstance(engine, CT2Seq2SeqEngine)
    assert engine.workers == 3
    assert engine.translator.num_translators == 3


def test_the_roles_get_their_own_threads(tiny_dir: Path, ct2_cache: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """Through the service's loader, on 2 cores: the translators split their sentences
    between two single-core workers, the summariser runs its article on both cores."""
    monkeypatch.setattr("service.engine.threads.usable_cores", lambda: 2)
    settings = Settings.from_env(env={"RINGKAS_CT2_CACHE": str(ct2_cache)},
                                 models_dir=str(tiny_dir))
    load = loader_for(settings)
    got = {}
    for role in ("translate_id_en", "summarize"):
        engine = load(settings.models[role], True)
        assert isinstance(engine, CT2Seq2SeqEngine)
        got[role] = (engine.workers, engine.translator.num_translators)
    assert got == {"translate_id_en": (2, 2), "summarize": (1, 1)}


def _spincount(marian: Path, **env: str) -> str:
    """libgomp's spin count in a fresh process that loads a model the service's way (it
    prints its settings when it loads, with OMP_DISPLAY_ENV=VERBOSE)."""
    code = ("import sys; from service.engine.ct2 import CT2Seq2SeqEngine; "
            "CT2Seq2SeqEngine.from_dir('test', sys.argv[1])")
    base = {k: v for k, v in os.environ.items()
            if k not in ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT")}
    done = subprocess.run([sys.executable, "-c", code, str(marian)], capture_output=True,
                          text=True, timeout=120, cwd=ROOT,
                          env={**base, "OMP_DISPLAY_ENV": "VERBOSE", **env})
    assert done.returncode == 0, done.stderr
    # Printed once per OpenMP initialisation; every one must agree.
    (value,) = {x.split("=", 1)[1].strip().strip("'")
                for x in done.stderr.splitlines() if "GOMP_SPINCOUNT" in x}
    return value


def test_openmp_threads_sleep_rather_than_spin(marian: Path) -> None:
    assert _spincount(marian) == "0"  # OMP_WAIT_POLICY=PASSIVE
    # A policy the user set is theirs.
    assert int(_spincount(marian, OMP_WAIT_POLICY="ACTIVE")) > 300_000
