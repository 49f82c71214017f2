"""The services one instance runs on, built once over its runtime: what the web app's
blueprints share (``ringkas serve`` and gunicorn build it through create_app)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from service.auth.store import KeyStore
from service.auth.usage import Meter, ProcessMeter
from service.config import Settings
from service.db import Database
from service.runtime.assembly import Runtime
from service.runtime.documents import DocumentJobs
from service.runtime.jobs_backend import JobBackend, make_backend
from service.runtime.metrics import Metrics
from service.suggestions import SuggestionStore, store_path


@dataclass(frozen=True)
class Services:
    runtime: Runtime  # models, pipeline, admission queue, glossaries
    jobs: JobBackend
    documents: DocumentJobs
    keys: KeyStore | None  # None: API keys off
    # Characters translated (DeepL's /v2/usage): per key in the key store, or with keys
    # off for this process.
    usage: Meter
    metrics: Metrics
    _suggestions: list[SuggestionStore] = field(default_factory=list, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def build(cls, runtime: Runtime, metrics: Metrics) -> Services:
        """``metrics``: made before the runtime started (Metrics.watching), so that they
        count its engines' tokens."""
        settings = runtime.settings
        keys = None
        if settings.auth.require_api_keys:
            keys = KeyStore(Database.from_settings(settings))
            keys.try_open()  # a database down now is tried again on the first request
        usage: Meter = keys if keys is not None else ProcessMeter()
        return cls(runtime, make_backend(settings, runtime),
                   DocumentJobs(settings, runtime, meter=usage), keys, usage, metrics)

    @property
    def settings(self) -> Settings:
        return self.runtime.settings

    @property
    def suggestions(self) -> SuggestionStore:
        """Opened once, on the first suggestion (a server that takes none never creates the
        file)."""
        with self._lock:
            if not self._suggestions:
                settings = self.settings
                self._suggestions.append(SuggestionStore(
                    store_path(settings.data_dir), max_rows=settings.features.suggestions_max,
                    max_rows_per_key=settings.features.suggestions_max_per_key))
            return self._suggestions[0]
