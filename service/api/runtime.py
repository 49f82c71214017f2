"""What the app holds in ``app.extensions``: settings, and the pipeline once models load."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path

from flask import current_app

from service.config import Settings
from service.engine import Engine
from service.errors import ModelsUnavailable, NotReady, RingkasError
from service.pipeline import Pipeline
from service.prompts import PromptRegistry

log = logging.getLogger(__name__)
EXTENSION = "ringkas"
EngineLoader = Callable[[], Mapping[str, Engine]]


class Runtime:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._pipeline: Pipeline | None = None
        self._error: RingkasError | None = None
        self.load_seconds: float | None = None

    def install(self, engines: Mapping[str, Engine]) -> None:
        prompts_dir = self.settings.prompts_dir
        self._pipeline = Pipeline(engines, batch_size=self.settings.translate_batch_size,
                                  prompts=PromptRegistry.from_dir(
                                      Path(prompts_dir) if prompts_dir else None))

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

    def pipeline(self) -> Pipeline:
        if self._pipeline is not None:
            return self._pipeline
        if isinstance(self._error, ModelsUnavailable):
            raise self._error
        if self._error is not None:
            raise NotReady(self._error.message, code="load_failed")
        raise NotReady("models are still loading; retry shortly")


def runtime() -> Runtime:
    rt: Runtime = current_app.extensions[EXTENSION]
    return rt
