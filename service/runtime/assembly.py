"""The one assembly: models loaded on their configured backends, wrapped, and made into a
pipeline behind the admission queue. The web app, the CLI, ``ringkas batch``,
``ringkas worker``, eval and the benchmark all build it here."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from service.config import Settings
from service.engine import Engine
from service.engine.guard import FaultListener, OutputGuard
from service.engine.recall import LocalStore, RedisStore, TranslationMemory
from service.errors import (
    ConfigError,
    InvalidField,
    ModelsUnavailable,
    NotReady,
    Overloaded,
    RingkasError,
)
from service.glossary.store import GlossaryStore
from service.overload import Admission, Deadline
from service.pipeline import Pipeline
from service.pipeline.reuse import ResultCache
from service.prompts import PromptRegistry
from service.runtime.human import HumanSource

if TYPE_CHECKING:
    from service.engine.loading import Loader

log = logging.getLogger(__name__)
EngineLoader = Callable[[], Mapping[str, Engine]]
T = TypeVar("T")


def ct2_cache_dir(settings: Settings) -> str:
    """Where conversions to CTranslate2 are cached: RINGKAS_CT2_CACHE, or the user's cache."""
    from service.engine.ct2_cache import default_cache_dir

    return settings.engines.ct2_cache_dir or default_cache_dir()


def loader_for(settings: Settings) -> Loader:
    """The loader every entry point uses: each role on its configured backend, threads and
    decoding, converting to CTranslate2 on demand into the settings' cache."""
    from service.engine.loading import configured_loader

    return configured_loader(settings.engines.roles, intra_threads=settings.engines.intra_threads,
                             inter_threads=settings.engines.inter_threads,
                             ct2_cache=ct2_cache_dir(settings),
                             torch_threads=torch_threads(settings),
                             device=settings.engines.device)


def torch_threads(settings: Settings) -> int:
    return settings.engines.torch_threads or settings.engines.intra_threads


def load_models(settings: Settings, roles: Iterable[str]) -> dict[str, Engine]:
    """The models ``roles`` need, on their configured backends (CTranslate2 conversions from
    the cache, or transformers), with the thread settings applied first."""
    from service.engine.loading import load_engines, set_torch_threads
    from service.engine.memory import limit_malloc_arenas

    wanted = {role: settings.models[role] for role in dict.fromkeys(roles)}
    set_torch_threads(torch_threads(settings), (settings.engines.roles[r] for r in wanted))
    limit_malloc_arenas()
    return dict(load_engines(wanted, loader_for(settings)))


def build_pipeline(settings: Settings, roles: Iterable[str], *,
                   human_translations: bool = True) -> Pipeline:
    """The pipeline with just the models ``roles`` need (a command runs one job, not a
    server), assembled as the service assembles its own; ``human_translations`` False
    leaves out the human translations (what measures the models, eval)."""
    return Runtime.build(settings, roles, human_translations=human_translations).pipeline()


class Runtime:
    """The one assembly of models, their wrappers (the output guard, metrics, then the
    cross-request batcher; each request adds its deadline), prompts and the admission
    queue. The server, the CLI, ``ringkas batch``, ``ringkas worker``, eval and the
    benchmark all build it the same way:
    ``Runtime.build(settings, roles)``, or ``start`` after adding wrappers."""

    def __init__(self, settings: Settings, *, human_translations: bool = True) -> None:
        self.settings = settings
        # The models a server of the settings' strategies loads; checked here, where every
        # entry point starts, so an unknown strategy fails before anything is loaded.
        self.served_roles = served_roles(settings)
        self._pipeline: Pipeline | None = None
        self._error: RingkasError | None = None
        self.load_seconds: float | None = None
        self.admission = Admission(settings.inflight_limit, settings.server.max_queue)
        # Applied in order to the engines at install (metrics, batching...).
        self.engine_wrappers: list[Callable[[Mapping[str, Engine]], Mapping[str, Engine]]] = []
        # Told of each engine fault (role, kind), e.g. by /metrics.
        self.fault_listeners: list[FaultListener] = []
        self.glossaries = GlossaryStore.from_settings(settings)
        self.memory = translation_memory(settings)
        # Read now: a TMX file that cannot be used stops the start, naming the file.
        self.human = (HumanSource.from_settings(settings) if human_translations
                      else HumanSource([], None))

    @classmethod
    def build(cls, settings: Settings, roles: Iterable[str], *,
              engines: Mapping[str, Engine] | None = None,
              human_translations: bool = True) -> Runtime:
        """Models for ``roles`` loaded now (or ``engines`` injected), ready to run."""
        rt = cls(settings, human_translations=human_translations)
        rt.start(roles, engines=engines)
        return rt

    def start(self, roles: Iterable[str], *, engines: Mapping[str, Engine] | None = None,
              loader: EngineLoader | None = None, background: bool = False) -> None:
        """Install ``engines``, or load the models ``roles`` need (``loader`` overrides how),
        now or in a thread."""
        if engines is not None:
            self.install(engines)
            return
        wanted = list(roles)
        self.load(loader or partial(load_models, self.settings, wanted), background=background)

    def install(self, engines: Mapping[str, Engine]) -> None:
        # The guard sits on the backend itself: every wrapper above sees well-formed
        # outputs or an EngineFault for that call alone.
        engines = {role: OutputGuard(engine, self.fault_listeners)
                   for role, engine in engines.items()}
        for wrap in self.engine_wrappers:
            engines = wrap(engines)
        prompts_dir = self.settings.features.prompts_dir
        if self.settings.engines.batching:
            engines = batched(engines, self.settings)
        self._pipeline = Pipeline(engines, batch_size=self.settings.engines.translate_batch_size,
                                  prompts=PromptRegistry.from_dir(
                                      Path(prompts_dir) if prompts_dir else None),
                                  limits=self.settings.limits, memory=self.memory,
                                  results=ResultCache(self.settings.engines.result_cache_size),
                                  human=self.human.current)

    def load(self, loader: EngineLoader, *, background: bool) -> None:
        """Load now (errors propagate: fail fast) or in a thread (health answers meanwhile)."""
        if not background:
            self._load(loader)
            return
        threading.Thread(target=self._load_reporting, args=(loader,), name="model-loader",
                         daemon=True).start()

    def _load(self, loader: EngineLoader) -> None:
        started = time.perf_counter()
        self.install(loader())
        self.load_seconds = round(time.perf_counter() - started, 2)

    def _load_reporting(self, loader: EngineLoader) -> None:
        try:
            self._load(loader)
        except RingkasError as exc:
            self._error = exc
            log.error("model loading failed:\n%s", exc.message)
        except Exception as exc:  # keep serving health/ready with the reason
            self._error = RingkasError(f"model loading failed: {type(exc).__name__}")
            log.exception("model loading failed")

    @property
    def ready(self) -> bool:
        return self._pipeline is not None

    @property
    def error(self) -> RingkasError | None:
        return self._error

    def run(self, work: Callable[[Pipeline, Deadline], T]) -> T:
        """Run inference work through the admission queue, under the request deadline."""
        pipeline = self.pipeline()
        deadline = self.admission.deadline(self.settings.server.request_timeout_s)
        with self.admission.slot(deadline):
            return work(pipeline, deadline)

    def pipeline(self) -> Pipeline:
        if self._pipeline is not None and not self.admission.draining:
            return self._pipeline
        if self.admission.draining:
            raise Overloaded("the server is shutting down", self.admission.retry_after_s(),
                             code="shutting_down")
        if isinstance(self._error, ModelsUnavailable):
            raise self._error
        if self._error is not None:
            raise NotReady(self._error.message, code="load_failed")
        raise NotReady("models are still loading; retry shortly")


def served_roles(settings: Settings) -> list[str]:
    from service.pipeline.strategies import roles_for

    try:
        return roles_for(settings.features.strategies)
    except InvalidField as exc:
        raise ConfigError(f"RINGKAS_STRATEGIES: {exc.message}", code="unknown_strategy") from None


def translation_memory(settings: Settings) -> TranslationMemory | None:
    """The settings' translation memory: shared through Redis when RINGKAS_TM_REDIS_URL is
    set, else in this process (none with RINGKAS_TM_MAX_MB=0)."""
    engines = settings.engines
    if engines.tm_redis_url:
        return TranslationMemory(RedisStore.from_url(engines.tm_redis_url, engines.tm_ttl_s))
    if engines.tm_max_mb <= 0:
        return None
    return TranslationMemory(LocalStore(engines.tm_max_mb * 1024 * 1024))


def batched(engines: Mapping[str, Engine], settings: Settings) -> dict[str, Engine]:
    """Each engine behind its own cross-request batcher."""
    from service.engine.batcher import Batcher

    return {role: Batcher(engine, max_batch_tokens=settings.engines.batch_max_tokens,
                          max_wait_ms=settings.engines.batch_wait_ms)
            for role, engine in engines.items()}
