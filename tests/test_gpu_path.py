"""RINGKAS_DEVICE=cuda, checked on the CPU: the setting and its defaults, what reaches
CTranslate2, threads, provenance and the memory's key, and a clear error where there is no
GPU. (Figures on a GPU come from `ringkas bench` on one.)"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from service.config import Settings
from service.config.settings import GPU_BATCHES
from service.engine.convert import convert
from service.engine.ct2 import CT2Seq2SeqEngine
from service.engine.gpu import cuda_library_files, load_cuda_libraries
from service.engine.options import GPU_COMPUTE_TYPE, load_compute_type, parse_device
from service.engine.recall import model_fingerprint
from service.engine.threads import Threads, ct2_threads
from service.errors import ConfigError, EngineError
from service.models import LOCAL_REVISION, ModelSpec


@pytest.fixture(scope="module")
def converted(tiny_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return convert(ModelSpec("translate_id_en", str(tiny_dir / "translate_id_en"),
                             LOCAL_REVISION), tmp_path_factory.mktemp("gpu") / "m", "int8")


def test_device_values() -> None:
    assert parse_device("cpu") == ("cpu", 0)
    assert parse_device("cuda") == ("cuda", 0)
    assert parse_device(" CUDA:1 ") == ("cuda", 1)
    for bad in ("gpu", "cuda:x", "cpu:1", "cuda:", "cuda:-1"):
        with pytest.raises(ValueError):
            parse_device(bad)


def test_settings_choose_gpu_batches_unless_told() -> None:
    cpu = Settings.from_env({})
    assert cpu.engines.device == "cpu" and cpu.engines.translate_batch_size == 16
    gpu = Settings.from_env({"RINGKAS_DEVICE": "cuda"})
    assert gpu.engines.translate_batch_size == GPU_BATCHES["translate_batch_size"]
    assert gpu.engines.batch_max_tokens == GPU_BATCHES["batch_max_tokens"]
    told = Settings.from_env({"RINGKAS_DEVICE": "cuda:0", "RINGKAS_BATCH_SIZE": "8"})
    assert told.engines.translate_batch_size == 8
    with pytest.raises(ConfigError) as exc:
        Settings.from_env({"RINGKAS_DEVICE": "tpu"})
    assert exc.value.code == "invalid_device" and "RINGKAS_DEVICE" in exc.value.message


def test_a_gpu_loads_int8_conversions_as_int8_float16() -> None:
    assert load_compute_type(None, "cpu") == "default"  # the conversion's own (int8)
    assert load_compute_type(None, "cuda:1") == GPU_COMPUTE_TYPE == "int8_float16"
    assert load_compute_type("float16", "cuda") == "float16"


def test_a_gpu_gets_one_worker_unless_told() -> None:
    assert ct2_threads(device="cuda") == Threads(1, 1)
    assert ct2_threads(device="cuda", whole_texts=True) == Threads(1, 1)
    assert ct2_threads(2, 0, device="cuda") == Threads(2, 1)
    assert ct2_threads(0, 0, 2) == Threads(2, 1)  # the CPU's choice is unchanged


def test_without_a_gpu_the_error_says_what_to_do(converted: Path) -> None:
    with pytest.raises(EngineError) as exc:
        CT2Seq2SeqEngine.from_dir("translate_id_en", converted, device="cuda")
    assert exc.value.code == "device_unavailable"
    assert "ringkas[gpu]" in exc.value.message and "nvidia-smi" in exc.value.message


def test_the_device_reaches_ctranslate2_and_provenance(
        converted: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """What a GPU machine would be asked for, recorded from a stand-in ctranslate2 module
    (the real one is then used on the CPU to build the engine)."""
    import ctranslate2

    seen: dict[str, Any] = {}
    real = ctranslate2.Translator

    def translator(path: str, **kw: Any) -> Any:
        seen.update(kw)
        return real(path, device="cpu", compute_type="int8")

    monkeypatch.setattr(ctranslate2, "get_cuda_device_count", lambda: 2)
    monkeypatch.setattr(ctranslate2, "get_supported_compute_types",
                        lambda device, index=0: {"float16", "int8_float16", "int8"}
                        if device == "cuda" else {"int8", "float32"})
    monkeypatch.setattr(ctranslate2, "Translator", translator)
    engine = CT2Seq2SeqEngine.from_dir("translate_id_en", converted, device="cuda:1",
                                       compute_type=load_compute_type(None, "cuda:1"))
    assert seen == {"device": "cuda", "device_index": 1, "compute_type": "int8_float16",
                    "intra_threads": 1, "inter_threads": 1}
    assert engine.info.device == "cuda:1" and engine.info.compute_type == "int8_float16"
    assert engine.generate(["Pabrik itu besar."])  # still a working engine
    # The memory never answers a GPU's sentence with the CPU's (or the other way round).
    cpu = dataclasses.replace(engine.info, device="cpu", compute_type="int8")
    assert model_fingerprint(engine.info) != model_fingerprint(
        dataclasses.replace(cpu, compute_type="int8_float16"))
    with pytest.raises(EngineError) as exc:
        CT2Seq2SeqEngine.from_dir("translate_id_en", converted, device="cuda:2")
    assert "finds 2 CUDA device(s)" in exc.value.message


def test_cuda_libraries_from_pip_packages(tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    lib = tmp_path / "nvidia" / "cublas" / "lib"
    lib.mkdir(parents=True)
    (tmp_path / "nvidia" / "__init__.py").write_text("")
    (tmp_path / "nvidia" / "cublas" / "__init__.py").write_text("")
    (lib / "libcublas.so.12").write_bytes(b"not a library")
    (lib / "README").write_text("")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert [p.name for p in cuda_library_files(("nvidia.cublas", "nvidia.absent"))] == [
        "libcublas.so.12"]
    # One that will not load is left to CTranslate2's own error.
    assert load_cuda_libraries(("nvidia.cublas",)) == []
