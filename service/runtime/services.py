"""The services one instance runs on, built once from its settings over its runtime: what
the web app's blueprints, and the commands that serve or run work, share."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from service.auth.store import KeyStore
from service.auth.usage import Meter, ProcessMeter
from service.config import Settings
from service.runtime.assembly import Runtime
from service.runtime.documents import DocumentJobs
from service.runtime.jobs_backend import JobBackend, make_backend
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

    @classmethod
    def build(cls, runtime: Runtime) -> Services:
        settings = runtime.settings
        keys = KeyStore(settings.keys_db) if settings.require_api_keys else None
        return cls(runtime, make_backend(settings, runtime), DocumentJobs(settings, runtime),
                   keys, keys if keys is not None else ProcessMeter())

    @property
    def settings(self) -> Settings:
        return self.runtime.settings

    @functools.cached_property
    def suggestions(self) -> SuggestionStore:
        """Opened on the first suggestion (a server that takes none never creates the file)."""
        settings = self.settings
        return SuggestionStore(store_path(settings.data_dir), max_rows=settings.suggestions_max,
                               max_rows_per_key=settings.suggestions_max_per_key)
