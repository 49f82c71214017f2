"""Find every configured model before loading any, so a missing one fails fast and all at once."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from service.engine.base import Engine
from service.engine.hf import HFSeq2SeqEngine
from service.engine.options import EngineOptions, load_compute_type
from service.errors import MissingModel, ModelsUnavailable
from service.models import ROLES, ModelSpec

if TYPE_CHECKING:
    from service.engine.ct2_cache import Converted

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Availability:
    spec: ModelSpec
    where: str  # "directory", "cache", "hub" or "missing"
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.where != "missing"


def is_cached(spec: ModelSpec) -> bool:
    from huggingface_hub import try_to_load_from_cache

    found = try_to_load_from_cache(spec.model, "config.json", revision=spec.revision)
    return isinstance(found, str)


def _valid_hub_id(model: str) -> bool:
    from huggingface_hub.utils import HFValidationError, validate_repo_id

    try:
        validate_repo_id(model)
    except HFValidationError:
        return False
    return True


def _hub_problem(spec: ModelSpec, timeout: float) -> str | None:
    """None when the hub serves this id at this revision, else why not (one quick call)."""
    from huggingface_hub import constants, model_info

    if constants.HF_HUB_OFFLINE:
        return "not in the local Hugging Face cache, and HF_HUB_OFFLINE is set"
    try:
        model_info(spec.model, revision=spec.revision, timeout=timeout)
    except Exception as exc:  # the hub client raises many types; each is one diagnosis
        name = type(exc).__name__
        if "RepositoryNotFound" in name:
            return "no such model on the Hugging Face hub (check the id)"
        if "RevisionNotFound" in name:
            return f"the hub has no revision {spec.revision!r} of this model"
        return f"not in the local cache and the hub is unreachable ({name})"
    return None


def check(spec: ModelSpec, *, probe_hub: bool = True, hub_timeout: float = 5.0) -> Availability:
    """Where the model would load from, without loading it (``probe_hub``: ask the hub)."""
    path = Path(spec.model)
    if spec.is_local:
        if (path / "config.json").is_file():
            return Availability(spec, "directory")
        problem = "has no config.json" if path.is_dir() else "does not exist"
        return Availability(spec, "missing", f"directory {path} {problem}")
    if spec.model.startswith(("/", "./", "../", "~")) or not _valid_hub_id(spec.model):
        return Availability(spec, "missing", f"directory {path} does not exist (and it is not "
                            "a Hugging Face model id)")
    if is_cached(spec):
        return Availability(spec, "cache")
    if not probe_hub:
        return Availability(spec, "missing", "not in the local Hugging Face cache")
    hub_problem = _hub_problem(spec, hub_timeout)
    if hub_problem is not None:
        return Availability(spec, "missing", hub_problem)
    return Availability(spec, "hub")


Loader = Callable[[ModelSpec, bool], Engine]


def transformers_loader(spec: ModelSpec, local_only: bool) -> Engine:
    """Every role on transformers with the model's own decoding (entry points pass the
    runtime's ``loader_for(settings)`` instead)."""
    return configured_loader({spec.role: EngineOptions(backend="transformers")})(spec,
                                                                                local_only)


def set_torch_threads(threads: int, options: Iterable[EngineOptions]) -> None:
    """torch's intra-op threads, when a role runs on transformers: a process whose roles
    all run on CTranslate2 never imports torch."""
    if threads > 0 and any(o.backend == "transformers" for o in options):
        import torch

        torch.set_num_threads(threads)


def configured_loader(options: Mapping[str, EngineOptions], *, intra_threads: int = 0,
                      inter_threads: int = 0, ct2_cache: str | None = None,
                      torch_threads: int = 0, device: str = "cpu") -> Loader:
    """A loader that builds each role on its configured backend, with its decoding. With
    ``ct2_cache``, a role on CTranslate2 whose model is not yet converted is converted there
    (``ct2_cache.ensure_converted``); without, it must name a converted directory. A role
    whose conversion cannot be had, or fails its check, runs on transformers, with a note."""
    from service.engine.convert import is_ct2_dir

    def load(spec: ModelSpec, local_only: bool) -> Engine:
        opts = options.get(spec.role, EngineOptions())
        if opts.backend == "ctranslate2":
            from service.engine.ct2 import CT2Seq2SeqEngine
            from service.engine.ct2_cache import ConversionUnavailable

            path, configured = spec.model, None
            if ct2_cache and not is_ct2_dir(spec.model):
                try:
                    converted = _converted(spec, opts, ct2_cache, local_only)
                except ConversionUnavailable as exc:
                    return _fallback(spec, opts, str(exc), torch_threads)
                if not converted.ok:
                    return _fallback(spec, opts, converted.why_not, torch_threads)
                path, configured = str(converted.path), spec
            return CT2Seq2SeqEngine.from_dir(spec.role, path, device=device,
                                             compute_type=load_compute_type(
                                                 opts.compute_type, device),
                                             intra_threads=intra_threads,
                                             inter_threads=inter_threads,
                                             decoding=opts.decoding, configured=configured,
                                             whole_texts=_whole_texts(spec.role))
        if is_ct2_dir(spec.model):
            raise ValueError(f"{spec.model} is a CTranslate2 model: set backend ctranslate2 "
                             f"for role {spec.role} (RINGKAS_BACKEND_{spec.role.upper()})")
        return HFSeq2SeqEngine.from_pretrained(spec.role, spec.model, spec.revision,
                                               local_files_only=local_only,
                                               decoding=opts.decoding)

    return load


def _whole_texts(role: str) -> bool:
    return role in ROLES and ROLES[role].whole_texts


def _fallback(spec: ModelSpec, opts: EngineOptions, why: str, torch_threads: int) -> Engine:
    """The role on transformers, saying why (the log and /v1/models)."""
    log.warning("role=%s runs on transformers: %s", spec.role, why)
    if torch_threads > 0:  # set_torch_threads saw only CTranslate2 roles configured
        import torch

        torch.set_num_threads(torch_threads)
    engine = HFSeq2SeqEngine.from_pretrained(spec.role, spec.model, spec.revision,
                                             local_files_only=True, decoding=opts.decoding)
    engine.info = replace(engine.info, note=f"runs on transformers: {why}")
    return engine


def _converted(spec: ModelSpec, opts: EngineOptions, cache: str,
               local_only: bool) -> Converted:
    from service.engine.ct2_cache import ensure_converted

    if not local_only:  # on the hub, not in the cache yet: fetch it first
        from service.hub import pull

        pull(spec)
    return ensure_converted(spec, opts.effective_compute_type, cache)


def load_engines(specs: Mapping[str, ModelSpec],
                 loader: Loader = transformers_loader) -> dict[str, Engine]:
    """Load every role, or raise ModelsUnavailable naming every role that failed."""
    found = {role: check(spec) for role, spec in specs.items()}
    missing = [MissingModel(r, a.spec.model, a.spec.revision, a.reason)
               for r, a in found.items() if not a.ok]
    if missing:
        raise ModelsUnavailable(missing)
    engines: dict[str, Engine] = {}
    for role, avail in found.items():
        started = time.perf_counter()
        try:
            # A cached model must not wait on network retries when the hub is unreachable.
            engines[role] = loader(avail.spec, avail.where != "hub")
        except Exception as exc:  # report every broken role, not just the first
            missing.append(MissingModel(role, avail.spec.model, avail.spec.revision,
                                        f"failed to load: {type(exc).__name__}: {exc}"))
            continue
        decoding = engines[role].info.decoding
        log.info("loaded model role=%s source=%s backend=%s in %.1fs; decoding: %s", role,
                 avail.where, engines[role].info.backend, time.perf_counter() - started,
                 decoding.describe() if decoding else "the model's own")
    if missing:
        raise ModelsUnavailable(missing)
    return engines
