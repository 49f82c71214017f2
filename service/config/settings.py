"""Service settings: one frozen object, built from defaults, environment and CLI flags."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from service.config.engines import resolve_engine_options
from service.engine.options import EngineOptions
from service.errors import ConfigError
from service.models import ROLES, ModelSpec, preset_decoding, resolve_specs


@dataclass(frozen=True)
class Limits:
    """Request limits; every one is answered with a JSON 413 that names it."""

    max_request_bytes: int = 2_000_000
    max_text_chars: int = 100_000
    max_texts: int = 64
    max_sentences: int = 2_000  # per article or translate request, after segmentation
    max_summary_sentences: int = 20  # the longest summary a request may ask for
    max_job_items: int = 1_000  # items in one POST /v1/jobs
    # Documents (/translate_file): the file's bytes, and what it may hold to translate.
    max_document_bytes: int = 1_500_000
    max_document_paragraphs: int = 5_000
    max_document_chars: int = 100_000


@dataclass(frozen=True)
class Settings:
    models: Mapping[str, ModelSpec] = field(default_factory=resolve_specs)
    host: str = "127.0.0.1"
    port: int = 8000
    server_threads: int = 4
    torch_threads: int = 0  # 0: leave torch's own choice (one per core)
    translate_batch_size: int = 16
    background_load: bool = False
    # Which summarisation strategies to serve; their models are the ones loaded.
    strategies: tuple[str, ...] = ("translate-summarise", "extractive")
    prompts_dir: str | None = None  # default: the shipped templates (prompts/)
    # Server-wide, read-only glossaries: NAME.SRC-TGT.tsv|csv files (service/glossary/).
    glossary_dir: str | None = None
    # API-created glossaries one key (or, with keys off, everyone) may keep: how many, and
    # how many entries in all of them (each glossary holds at most 10,000).
    max_glossaries_per_key: int = 100
    max_glossary_entries_per_key: int = 100_000
    # Overload control: requests running inference, waiting for it, and how long one may take.
    max_inflight: int = 0  # 0: 8 with batching (requests share batches), else 1
    max_queue: int = 16
    request_timeout_s: int = 120
    drain_timeout_s: int = 30  # graceful shutdown: how long in-flight work may finish
    # `ringkas serve`'s connections: how many at once, and how long a request (headers and
    # body) may take to arrive from its first byte before its connection is cut.
    connection_limit: int = 500
    request_read_timeout_s: int = 30
    # API keys (off by default: local use needs none) and per-key (or per-address) rate limits.
    require_api_keys: bool = False
    keys_db: str = "~/.local/share/ringkas/keys.sqlite3"
    # A flask-limiter string per API key (per client address with keys off); "" or "off":
    # none. Off by default: a local user or a batch job should not be throttled.
    rate_limit: str = ""
    rate_limit_storage: str = "memory://"  # a limits storage URI, e.g. redis://host:6379
    # Async jobs (service/jobs/): SQLite in data_dir with worker threads in the service, or,
    # with redis_url set, RQ on Redis and `ringkas worker` processes.
    data_dir: str = "~/.local/share/ringkas"
    job_workers: int = 1  # threads running job items in the service (SQLite mode)
    job_retention_s: int = 7 * 24 * 3600  # a finished job is deleted this long after
    job_item_timeout_s: int = 600  # one item's deadline (a job has no proxy to outlive)
    # A translated document is deleted once downloaded, or this long after it was made.
    document_retention_s: int = 3600
    webhook_hosts: tuple[str, ...] = ()  # allow-list of webhook hosts; empty: no webhooks
    webhook_secret: str = ""  # signs webhook bodies (HMAC-SHA256) when set
    # Webhooks are sent by this many threads (SQLite mode), at most one per receiver at a
    # time, so a slow receiver holds up only its own; each delivery, retries included, is
    # given up after webhook_timeout_s.
    webhook_workers: int = 4
    webhook_timeout_s: int = 30
    redis_url: str = ""
    queue_name: str = "ringkas"
    # A worker renews its item's lease every heartbeat; an item whose lease lapsed by grace
    # (its worker died) is re-run, found by the next maintenance pass of any worker.
    worker_heartbeat_s: int = 10
    worker_grace_s: int = 20
    worker_maintenance_s: int = 30
    # Reverse proxies in front that set X-Forwarded-For/-Proto: 0 (default) trusts none, so a
    # client cannot pick the address its rate limit is counted under.
    trusted_proxies: int = 0
    limits: Limits = field(default_factory=Limits)
    # Per role: backend (transformers | ctranslate2), compute type, decoding defaults.
    engines: Mapping[str, EngineOptions] = field(
        default_factory=lambda: resolve_engine_options(ROLES))
    # Cross-request batching (service/engine/batcher.py): sentences of concurrent requests
    # share model calls; a batch holds at most batch_max_tokens (padded) input tokens and
    # waits at most batch_wait_ms for company once work is queued.
    batching: bool = True
    batch_max_tokens: int = 4096
    batch_wait_ms: int = 10
    # CTranslate2 threads, 0 meaning "choose" (service/engine/threads.py): on 2 cores, two
    # single-core workers per translator, each batch split between them; a summariser one
    # worker on both cores.
    intra_threads: int = 0
    inter_threads: int = 0
    # Where models configured for CTranslate2 are converted on first load ("": the user's
    # cache, $XDG_CACHE_HOME/ringkas/ct2).
    ct2_cache_dir: str = ""
    # LibreTranslate's /suggest: off by default (403, as LibreTranslate's --suggestions);
    # on, editors' suggested translations are kept in data_dir, at most suggestions_max
    # (0: no cap). frontend_timeout_ms is what /frontend/settings tells LibreTranslate's
    # web page to wait after typing before it translates.
    suggestions: bool = False
    suggestions_max: int = 100_000
    # One key's share of them (0: no share of its own), so one key cannot fill the store
    # for every other.
    suggestions_max_per_key: int = 10_000
    frontend_timeout_ms: int = 500

    @property
    def inflight_limit(self) -> int:
        """RINGKAS_MAX_INFLIGHT, or by default: with batching, several requests run at once
        so their sentences can share batches (the batcher runs one batch at a time per
        model); without it, one (two cores are busy with one request)."""
        if self.max_inflight > 0:
            return self.max_inflight
        return 8 if self.batching else 1

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, *, models_dir: str | None = None,
                 model_overrides: Mapping[str, str] | None = None,
                 config_file: str | os.PathLike[str] | None = None,
                 **overrides: Any) -> Settings:
        """Defaults < config file (TOML) < RINGKAS_* environment < keyword overrides (flags)."""
        env = os.environ if env is None else env
        config_file = config_file or env.get("RINGKAS_CONFIG") or None
        values, configured = read_config_file(config_file) if config_file else ({}, {})
        for name, var, kind in _ENV:
            if var in env and env[var] != "":
                values[name] = _parse(var, env[var], kind)
        limits = Limits(**{k: values.pop(k) for k in list(values) if k in _LIMIT_FIELDS})
        specs = resolve_specs(models_dir, model_overrides, env, configured)
        engines = resolve_engine_options(ROLES, values.pop("engines", None), env,
                                         str(config_file or "config"),
                                         presets=preset_decoding(env, specs))
        values.update({k: v for k, v in overrides.items() if v is not None})
        if values.get("batch_max_tokens", 1) < 1:
            raise ConfigError("RINGKAS_BATCH_MAX_TOKENS must be at least 1")
        for name, var in (("inter_threads", "RINGKAS_INTER_THREADS"),
                          ("intra_threads", "RINGKAS_INTRA_THREADS")):
            if values.get(name, 0) < 0:
                raise ConfigError(f"{var} must be 0 (choose) or more")
        if values.get("webhook_workers", 1) < 1:
            raise ConfigError("RINGKAS_WEBHOOK_WORKERS must be at least 1")
        if values.get("webhook_timeout_s", 1) < 1:
            raise ConfigError("RINGKAS_WEBHOOK_TIMEOUT must be at least 1")
        return cls(models=specs, limits=limits, engines=engines, **values)


_LIMIT_FIELDS = {f.name for f in fields(Limits)}
_ENV: list[tuple[str, str, type]] = [
    ("host", "RINGKAS_HOST", str),
    ("port", "RINGKAS_PORT", int),
    ("server_threads", "RINGKAS_THREADS", int),
    ("torch_threads", "RINGKAS_TORCH_THREADS", int),
    ("translate_batch_size", "RINGKAS_BATCH_SIZE", int),
    ("background_load", "RINGKAS_BACKGROUND_LOAD", bool),
    ("strategies", "RINGKAS_STRATEGIES", tuple),
    ("prompts_dir", "RINGKAS_PROMPTS_DIR", str),
    ("glossary_dir", "RINGKAS_GLOSSARY_DIR", str),
    ("max_glossaries_per_key", "RINGKAS_MAX_GLOSSARIES_PER_KEY", int),
    ("max_glossary_entries_per_key", "RINGKAS_MAX_GLOSSARY_ENTRIES_PER_KEY", int),
    ("max_request_bytes", "RINGKAS_MAX_REQUEST_BYTES", int),
    ("max_text_chars", "RINGKAS_MAX_TEXT_CHARS", int),
    ("max_texts", "RINGKAS_MAX_TEXTS", int),
    ("require_api_keys", "RINGKAS_REQUIRE_API_KEYS", bool),
    ("keys_db", "RINGKAS_KEYS_DB", str),
    ("rate_limit", "RINGKAS_RATE_LIMIT", str),
    ("rate_limit_storage", "RINGKAS_RATE_LIMIT_STORAGE", str),
    ("trusted_proxies", "RINGKAS_TRUSTED_PROXIES", int),
    ("max_sentences", "RINGKAS_MAX_SENTENCES", int),
    ("max_summary_sentences", "RINGKAS_MAX_SUMMARY_SENTENCES", int),
    ("max_inflight", "RINGKAS_MAX_INFLIGHT", int),
    ("max_queue", "RINGKAS_MAX_QUEUE", int),
    ("request_timeout_s", "RINGKAS_REQUEST_TIMEOUT", int),
    ("drain_timeout_s", "RINGKAS_DRAIN_TIMEOUT", int),
    ("connection_limit", "RINGKAS_CONNECTION_LIMIT", int),
    ("request_read_timeout_s", "RINGKAS_READ_TIMEOUT", int),
    ("max_job_items", "RINGKAS_MAX_JOB_ITEMS", int),
    ("max_document_bytes", "RINGKAS_MAX_DOCUMENT_BYTES", int),
    ("max_document_paragraphs", "RINGKAS_MAX_DOCUMENT_PARAGRAPHS", int),
    ("max_document_chars", "RINGKAS_MAX_DOCUMENT_CHARS", int),
    ("document_retention_s", "RINGKAS_DOCUMENT_RETENTION", int),
    ("data_dir", "RINGKAS_DATA_DIR", str),
    ("job_workers", "RINGKAS_JOB_WORKERS", int),
    ("job_retention_s", "RINGKAS_JOB_RETENTION", int),
    ("job_item_timeout_s", "RINGKAS_JOB_ITEM_TIMEOUT", int),
    ("webhook_hosts", "RINGKAS_WEBHOOK_HOSTS", tuple),
    ("webhook_secret", "RINGKAS_WEBHOOK_SECRET", str),
    ("webhook_workers", "RINGKAS_WEBHOOK_WORKERS", int),
    ("webhook_timeout_s", "RINGKAS_WEBHOOK_TIMEOUT", int),
    ("redis_url", "RINGKAS_REDIS_URL", str),
    ("queue_name", "RINGKAS_QUEUE", str),
    ("worker_heartbeat_s", "RINGKAS_WORKER_HEARTBEAT", int),
    ("worker_grace_s", "RINGKAS_WORKER_GRACE", int),
    ("worker_maintenance_s", "RINGKAS_WORKER_MAINTENANCE", int),
    ("batching", "RINGKAS_BATCHING", bool),
    ("batch_max_tokens", "RINGKAS_BATCH_MAX_TOKENS", int),
    ("batch_wait_ms", "RINGKAS_BATCH_WAIT_MS", int),
    ("intra_threads", "RINGKAS_INTRA_THREADS", int),
    ("inter_threads", "RINGKAS_INTER_THREADS", int),
    ("ct2_cache_dir", "RINGKAS_CT2_CACHE", str),
    ("suggestions", "RINGKAS_SUGGESTIONS", bool),
    ("suggestions_max", "RINGKAS_SUGGESTIONS_MAX", int),
    ("suggestions_max_per_key", "RINGKAS_SUGGESTIONS_MAX_PER_KEY", int),
    ("frontend_timeout_ms", "RINGKAS_FRONTEND_TIMEOUT", int),
]


def read_config_file(path: str | os.PathLike[str]) -> tuple[dict[str, Any], dict[str, str]]:
    """A TOML file: settings named like the fields (limits in [limits]) and a [models] table
    of role = "id-or-dir[@revision]" or role = {id = ..., revision = ...}."""
    import tomllib

    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read config file {path}: {exc}") from None
    models = data.pop("models", {})
    engines = data.pop("engines", {})  # validated with the environment, in from_env
    if not isinstance(engines, dict):
        raise ConfigError(f"{path}: [engines] must be a table")
    data.update(data.pop("limits", {}))
    kinds = {name: kind for name, _, kind in _ENV}
    values: dict[str, Any] = {}
    for key, value in data.items():
        if key not in kinds:
            raise ConfigError(f"{path}: unknown setting {key!r}; known: {', '.join(kinds)}")
        if kinds[key] is tuple and isinstance(value, list):
            value = tuple(str(v) for v in value)
        if not isinstance(value, kinds[key]):
            raise ConfigError(f"{path}: {key} must be of type {kinds[key].__name__}")
        values[key] = value
    configured: dict[str, str] = {}
    for role, ref in models.items():
        if isinstance(ref, dict) and isinstance(ref.get("id"), str):
            ref = ref["id"] + (f"@{ref['revision']}" if ref.get("revision") else "")
        if not isinstance(ref, str):
            raise ConfigError(f"{path}: models.{role} must be a string or {{id, revision}}")
        configured[role] = ref
    if engines:
        values["engines"] = engines
    return values, configured


def _parse(var: str, raw: str, kind: type) -> Any:
    if kind is bool:
        if raw.lower() in {"1", "true", "yes", "on"}:
            return True
        if raw.lower() in {"0", "false", "no", "off"}:
            return False
        raise ConfigError(f"{var} must be true or false, got {raw!r}")
    if kind is tuple:
        return tuple(x.strip() for x in raw.split(",") if x.strip())
    if kind is int:
        try:
            value = int(raw)
        except ValueError:
            raise ConfigError(f"{var} must be an integer, got {raw!r}") from None
        if value < 0:
            raise ConfigError(f"{var} must not be negative, got {value}")
        return value
    return raw
