"""What the app holds in ``app.extensions``: settings, and the pipeline once models load."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TypeVar

from flask import Flask, current_app

from service.config import Settings
from service.engine import Engine
from service.errors import ModelsUnavailable, NotReady, Overloaded, RingkasError
from service.overload import Admission, Deadline
from service.pipeline import Pipeline
from service.prompts import PromptRegistry

log = logging.getLogger(__name__)
EXTENSION = "ringkas"
EngineLoader = Callable[[], Mapping[str, Engine]]
T = TypeVar("T")


class Runtime:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._pipeline: Pipeline | None = None
        self._error: RingkasError | None = None
        self.load_seconds: float | None = None
        self.admission = Admission(settings.inflight_limit, settings.max_queue)
        # Applied in order to the engines at install (metrics, batching...).
        self.engine_wrappers: list[Callable[[Mapping[str, Engine]], Mapping[str, Engine]]] = []

    def install(self, engines: Mapping[str, Engine]) -> None:
        for wrap in self.engine_wrappers:
            engines = wrap(engines)
        prompts_dir = self.settings.prompts_dir
        if self.settings.batching:
            engines = batched(engines, self.settings)
        self._pipeline = Pipeline(engines, batch_size=self.settings.translate_batch_size,
                                  prompts=PromptRegistry.from_dir(
                                      Path(prompts_dir) if prompts_dir else None),
                                  limits=self.settings.limits)

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
        deadline = self.admission.deadline(self.settings.request_timeout_s)
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



def batched(engines: Mapping[str, Engine], settings: Settings) -> dict[str, Engine]:
    """Each engine behind its own cross-request batcher."""
    from service.engine.batcher import Batcher

    return {role: Batcher(engine, max_batch_tokens=settings.batch_max_tokens,
                          max_wait_ms=settings.batch_wait_ms)
            for role, engine in engines.items()}


def runtime() -> Runtime:
    return runtime_of(current_app)


def runtime_of(app: Flask) -> Runtime:
    rt: Runtime = app.extensions[EXTENSION]
    return rt
