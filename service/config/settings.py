"""Service settings: one frozen object, built from defaults, environment and CLI flags."""

from __future__ import annotations

import dataclasses
import functools
import os
from collections.abc import Mapping
from dataclasses import MISSING, dataclass, field, fields
from types import UnionType
from typing import Any, Union, get_args, get_origin, get_type_hints

from service.config.engines import resolve_engine_options
from service.engine.options import EngineOptions, parse_device
from service.errors import ConfigError
from service.models import ROLES, ModelSpec, preset_decoding, resolve_specs

ENV = "env"  # a field's metadata key: the RINGKAS_* variable (and config key) that sets it


def setting(var: str, default: Any = MISSING) -> Any:
    """A field set by the environment variable ``var`` (and by its name in a config file)."""
    return field(default=default, metadata={ENV: var})


@dataclass(frozen=True)
class Limits:
    """Request limits; every one is answered with a JSON 413 that names it."""

    max_request_bytes: int = setting("RINGKAS_MAX_REQUEST_BYTES", 2_000_000)
    max_text_chars: int = setting("RINGKAS_MAX_TEXT_CHARS", 100_000)
    max_texts: int = setting("RINGKAS_MAX_TEXTS", 64)
    # per article or translate request, after segmentation
    max_sentences: int = setting("RINGKAS_MAX_SENTENCES", 2_000)
    # the longest summary a request may ask for
    max_summary_sentences: int = setting("RINGKAS_MAX_SUMMARY_SENTENCES", 20)
    max_job_items: int = setting("RINGKAS_MAX_JOB_ITEMS", 1_000)  # items in one POST /v1/jobs
    # Documents (/translate_file): the file's bytes, and what it may hold to translate.
    max_document_bytes: int = setting("RINGKAS_MAX_DOCUMENT_BYTES", 1_500_000)
    max_document_paragraphs: int = setting("RINGKAS_MAX_DOCUMENT_PARAGRAPHS", 5_000)
    max_document_chars: int = setting("RINGKAS_MAX_DOCUMENT_CHARS", 100_000)
    # Elements (tags) of a document's markup: of an HTML file, or of all a DOCX's XML parts
    # together. Counted in the bytes before any parser builds a tree: a parsed HTML element
    # costs some 600 bytes, so this bounds what one document can take in memory (some
    # 60 MB; a DOCX's, some 20).
    max_document_elements: int = setting("RINGKAS_MAX_DOCUMENT_ELEMENTS", 100_000)


@dataclass(frozen=True)
class ServerSettings:
    """How the HTTP server listens, admits work and shuts down."""

    host: str = setting("RINGKAS_HOST", "127.0.0.1")
    port: int = setting("RINGKAS_PORT", 8000)
    server_threads: int = setting("RINGKAS_THREADS", 4)
    background_load: bool = setting("RINGKAS_BACKGROUND_LOAD", False)
    # Overload control: requests running inference, waiting for it, and how long one may take.
    # 0: 8 with batching (requests share batches), else 1 (Settings.inflight_limit)
    max_inflight: int = setting("RINGKAS_MAX_INFLIGHT", 0)
    max_queue: int = setting("RINGKAS_MAX_QUEUE", 16)
    request_timeout_s: int = setting("RINGKAS_REQUEST_TIMEOUT", 120)
    # graceful shutdown: how long in-flight work may finish
    drain_timeout_s: int = setting("RINGKAS_DRAIN_TIMEOUT", 30)
    # `ringkas serve`'s connections: how many at once, and how long a request (headers and
    # body) may take to arrive from its first byte before its connection is cut.
    connection_limit: int = setting("RINGKAS_CONNECTION_LIMIT", 500)
    request_read_timeout_s: int = setting("RINGKAS_READ_TIMEOUT", 30)
    # Reverse proxies in front that set X-Forwarded-For/-Proto: 0 (default) trusts none, so a
    # client cannot pick the address its rate limit is counted under.
    trusted_proxies: int = setting("RINGKAS_TRUSTED_PROXIES", 0)
    # what /frontend/settings tells LibreTranslate's web page to wait after typing
    frontend_timeout_ms: int = setting("RINGKAS_FRONTEND_TIMEOUT", 500)


@dataclass(frozen=True)
class AuthSettings:
    """API keys (off by default: local use needs none) and per-key (or per-address) rate
    limits."""

    require_api_keys: bool = setting("RINGKAS_REQUIRE_API_KEYS", False)
    keys_db: str = setting("RINGKAS_KEYS_DB", "~/.local/share/ringkas/keys.sqlite3")
    # A flask-limiter string per API key (per client address with keys off); "" or "off":
    # none. Off by default: a local user or a batch job should not be throttled.
    rate_limit: str = setting("RINGKAS_RATE_LIMIT", "")
    # a limits storage URI, e.g. redis://host:6379
    rate_limit_storage: str = setting("RINGKAS_RATE_LIMIT_STORAGE", "memory://")


@dataclass(frozen=True)
class JobSettings:
    """Async jobs (service/jobs/, run by service/runtime/): SQLite in data_dir with worker
    threads in the service, or, with redis_url set, RQ on Redis and `ringkas worker`
    processes; translated documents; webhooks."""

    # threads running job items in the service (SQLite mode)
    job_workers: int = setting("RINGKAS_JOB_WORKERS", 1)
    # a finished job is deleted this long after
    job_retention_s: int = setting("RINGKAS_JOB_RETENTION", 7 * 24 * 3600)
    # one item's deadline (a job has no proxy to outlive)
    job_item_timeout_s: int = setting("RINGKAS_JOB_ITEM_TIMEOUT", 600)
    # A translated document is deleted once downloaded, or this long after its translation
    # ended (done or failed).
    document_retention_s: int = setting("RINGKAS_DOCUMENT_RETENTION", 3600)
    # The process translating a document renews its lease on it every third of this; a
    # document whose lease lapsed (its process was killed) is reported failed, and its
    # characters given back, by the next process that looks.
    document_lease_s: int = setting("RINGKAS_DOCUMENT_LEASE", 30)
    # One key's share of the documents waiting for the background thread (0: none of its
    # own), so one key's uploads cannot take every place in that queue from the others.
    max_queued_documents_per_key: int = setting("RINGKAS_MAX_QUEUED_DOCUMENTS_PER_KEY", 4)
    # allow-list of webhook hosts; empty: no webhooks
    webhook_hosts: tuple[str, ...] = setting("RINGKAS_WEBHOOK_HOSTS", ())
    # signs webhook bodies (HMAC-SHA256) when set
    webhook_secret: str = setting("RINGKAS_WEBHOOK_SECRET", "")
    # Webhooks are sent by this many threads (SQLite mode), at most one per receiver at a
    # time, so a slow receiver holds up only its own; each delivery, retries included, is
    # given up after webhook_timeout_s.
    webhook_workers: int = setting("RINGKAS_WEBHOOK_WORKERS", 4)
    webhook_timeout_s: int = setting("RINGKAS_WEBHOOK_TIMEOUT", 30)
    redis_url: str = setting("RINGKAS_REDIS_URL", "")
    queue_name: str = setting("RINGKAS_QUEUE", "ringkas")
    # A worker renews its item's lease every heartbeat; an item whose lease lapsed by grace
    # (its worker died) is re-run, found by the next maintenance pass of any worker.
    worker_heartbeat_s: int = setting("RINGKAS_WORKER_HEARTBEAT", 10)
    worker_grace_s: int = setting("RINGKAS_WORKER_GRACE", 20)
    worker_maintenance_s: int = setting("RINGKAS_WORKER_MAINTENANCE", 30)


@dataclass(frozen=True)
class EngineSettings:
    """How models run: per role a backend, compute type and decoding defaults
    (service/engine/options.py), and the threads and batching they share."""

    roles: Mapping[str, EngineOptions] = field(
        default_factory=lambda: resolve_engine_options(ROLES))
    # 0: leave torch's own choice (one per core)
    torch_threads: int = setting("RINGKAS_TORCH_THREADS", 0)
    translate_batch_size: int = setting("RINGKAS_BATCH_SIZE", 16)
    # Cross-request batching (service/engine/batcher.py): sentences of concurrent requests
    # share model calls; a batch holds at most batch_max_tokens (padded) input tokens and
    # waits at most batch_wait_ms for company once work is queued.
    batching: bool = setting("RINGKAS_BATCHING", True)
    batch_max_tokens: int = setting("RINGKAS_BATCH_MAX_TOKENS", 4096)
    batch_wait_ms: int = setting("RINGKAS_BATCH_WAIT_MS", 10)
    # CTranslate2 threads, 0 meaning "choose" (service/engine/threads.py): on 2 cores, two
    # single-core workers per translator, each batch split between them; a summariser one
    # worker on both cores.
    intra_threads: int = setting("RINGKAS_INTRA_THREADS", 0)
    inter_threads: int = setting("RINGKAS_INTER_THREADS", 0)
    # Where models configured for CTranslate2 are converted on first load ("": the user's
    # cache, $XDG_CACHE_HOME/ringkas/ct2).
    ct2_cache_dir: str = setting("RINGKAS_CT2_CACHE", "")
    # Where CTranslate2 models run: cpu, cuda or cuda:N (the gpu extra installs CUDA's
    # libraries). On a GPU the batch size and batch tokens default larger (GPU_BATCHES).
    device: str = setting("RINGKAS_DEVICE", "cpu")
    # The translation memory (service/engine/recall.py): what the translators produced
    # for each sentence, answered again without a model call. In process, at most
    # tm_max_mb (0: off); or, with tm_redis_url, shared through Redis by every process
    # that names it, each entry kept tm_ttl_s. Either way it holds article text.
    tm_max_mb: int = setting("RINGKAS_TM_MAX_MB", 64)
    tm_redis_url: str = setting("RINGKAS_TM_REDIS_URL", "")
    tm_ttl_s: int = setting("RINGKAS_TM_TTL", 24 * 3600)
    # Summaries kept whole (service/pipeline/reuse.py): an identical request is answered
    # with the one made before, and identical requests at once are computed once. How
    # many are kept, in process (0: none kept; concurrent ones are still computed once).
    result_cache_size: int = setting("RINGKAS_RESULT_CACHE", 256)


@dataclass(frozen=True)
class FeatureSettings:
    """What the service offers beyond translation: summarisation strategies and their
    prompts, glossaries, LibreTranslate's suggestions."""

    # Which summarisation strategies to serve; their models are the ones loaded.
    strategies: tuple[str, ...] = setting("RINGKAS_STRATEGIES",
                                          ("translate-summarise", "extractive"))
    # default: the shipped templates (prompts/)
    prompts_dir: str | None = setting("RINGKAS_PROMPTS_DIR", None)
    # Server-wide, read-only glossaries: NAME.SRC-TGT.tsv|csv files (service/glossary/).
    glossary_dir: str | None = setting("RINGKAS_GLOSSARY_DIR", None)
    # Human translations from translation memories (*.tmx, read once at start,
    # service/runtime/human.py): a sentence found there is given its translation as written,
    # as is one of an approved suggestion.
    tmx_dir: str | None = setting("RINGKAS_TMX_DIR", None)
    # API-created glossaries one key (or, with keys off, everyone) may keep: how many, and
    # how many entries in all of them (each glossary holds at most 10,000).
    max_glossaries_per_key: int = setting("RINGKAS_MAX_GLOSSARIES_PER_KEY", 100)
    max_glossary_entries_per_key: int = setting("RINGKAS_MAX_GLOSSARY_ENTRIES_PER_KEY", 100_000)
    # LibreTranslate's /suggest: off by default (403, as LibreTranslate's --suggestions);
    # on, editors' suggested translations are kept in data_dir, at most suggestions_max
    # (0: no cap).
    suggestions: bool = setting("RINGKAS_SUGGESTIONS", False)
    suggestions_max: int = setting("RINGKAS_SUGGESTIONS_MAX", 100_000)
    # One key's share of them (0: no share of its own), so one key cannot fill the store
    # for every other.
    suggestions_max_per_key: int = setting("RINGKAS_SUGGESTIONS_MAX_PER_KEY", 10_000)


# The groups of Settings, by field name; a setting's name is unique across all of them, so
# the environment, the config file and the command line name it without its group.
GROUPS: dict[str, type] = {"server": ServerSettings, "auth": AuthSettings,
                           "jobs": JobSettings, "engines": EngineSettings,
                           "features": FeatureSettings, "limits": Limits}


@dataclass(frozen=True)
class Settings:
    """Every setting, by group; built once (from_env) and handed down as values."""

    models: Mapping[str, ModelSpec] = field(default_factory=resolve_specs)
    # where the service keeps its state: jobs, documents, glossaries, suggestions
    data_dir: str = setting("RINGKAS_DATA_DIR", "~/.local/share/ringkas")
    # The SQL database every process of a deployment shares (service/db/): API keys and
    # their quotas. sqlite:///PATH or postgresql://USER:PASSWORD@HOST:PORT/DB; "" (default):
    # SQLite in the file auth.keys_db names.
    database_url: str = setting("RINGKAS_DATABASE_URL", "")
    server: ServerSettings = field(default_factory=ServerSettings)
    auth: AuthSettings = field(default_factory=AuthSettings)
    jobs: JobSettings = field(default_factory=JobSettings)
    engines: EngineSettings = field(default_factory=EngineSettings)
    features: FeatureSettings = field(default_factory=FeatureSettings)
    limits: Limits = field(default_factory=Limits)

    @property
    def inflight_limit(self) -> int:
        """RINGKAS_MAX_INFLIGHT, or by default: with batching, several requests run at once
        so their sentences can share batches (the batcher runs one batch at a time per
        model); without it, one (two cores are busy with one request)."""
        if self.server.max_inflight > 0:
            return self.server.max_inflight
        return 8 if self.engines.batching else 1

    def changed(self, **values: Any) -> Settings:
        """A copy with settings changed, each named without its group (``port=…``,
        ``max_text_chars=…``); a group or ``models`` may be given whole."""
        top: dict[str, Any] = {}
        grouped: dict[str, dict[str, Any]] = {}
        for name, value in values.items():
            if name in _TOP_FIELDS:
                top[name] = value
            elif name in _GROUP_OF:
                grouped.setdefault(_GROUP_OF[name], {})[name] = value
            else:
                raise TypeError(f"no setting named {name!r}")
        for group, changes in grouped.items():
            top[group] = dataclasses.replace(top.get(group, getattr(self, group)), **changes)
        return dataclasses.replace(self, **top)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, *, models_dir: str | None = None,
                 model_overrides: Mapping[str, str] | None = None,
                 config_file: str | os.PathLike[str] | None = None,
                 **overrides: Any) -> Settings:
        """Defaults < config file (TOML) < RINGKAS_* environment < keyword overrides (flags)."""
        env = os.environ if env is None else env
        config_file = config_file or env.get("RINGKAS_CONFIG") or None
        values, configured = read_config_file(config_file) if config_file else ({}, {})
        for name, var, kind in env_table():
            if var in env and env[var] != "":
                values[name] = _parse(var, env[var], kind)
        specs = resolve_specs(models_dir, model_overrides, env, configured)
        roles = resolve_engine_options(ROLES, values.pop("engine_roles", None), env,
                                       str(config_file or "config"),
                                       presets=preset_decoding(env, specs))
        values.update({k: v for k, v in overrides.items() if v is not None})
        _device_defaults(values)
        _check(values)
        return cls(models=specs).changed(roles=roles, **values)


# A GPU decodes a batch of 64 sentences in about the time of a few: what it is given
# unless RINGKAS_BATCH_SIZE / RINGKAS_BATCH_MAX_TOKENS say otherwise.
GPU_BATCHES = {"translate_batch_size": 64, "batch_max_tokens": 16384}


def _device_defaults(values: dict[str, Any]) -> None:
    try:
        kind, _ = parse_device(values.get("device", "cpu"))
    except ValueError as exc:
        raise ConfigError(f"RINGKAS_DEVICE: {exc}", code="invalid_device") from None
    if kind != "cpu":
        for name, value in GPU_BATCHES.items():
            values.setdefault(name, value)


def _check(values: Mapping[str, Any]) -> None:
    """Bounds beyond "not negative" (which every integer setting has)."""
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


_TOP_FIELDS = {f.name for f in fields(Settings)}
_GROUP_OF = {f.name: group for group, cls in GROUPS.items() for f in fields(cls)}


@functools.cache
def env_table() -> tuple[tuple[str, str, type], ...]:
    """(field, RINGKAS_* variable, kind) of every setting read from the environment and the
    config file, from the fields' own metadata."""
    rows = []
    for cls in (Settings, *GROUPS.values()):
        hints = get_type_hints(cls)
        rows += [(f.name, f.metadata[ENV], _kind(hints[f.name])) for f in fields(cls)
                 if ENV in f.metadata]
    return tuple(rows)


def _kind(hint: Any) -> type:
    """int, str, bool or tuple: how a variable's text is read."""
    if hint in (int, str, bool):
        return hint
    if get_origin(hint) is tuple:
        return tuple
    if get_origin(hint) in (Union, UnionType):
        [inner] = [a for a in get_args(hint) if a is not type(None)]
        return _kind(inner)
    raise TypeError(f"no environment reading for {hint!r}")


def read_config_file(path: str | os.PathLike[str]) -> tuple[dict[str, Any], dict[str, str]]:
    """A TOML file: settings named like the fields, at the top or in their group's table
    ([server], [auth], [jobs], [features], [limits]); [engines] (service/config/engines.py);
    and a [models] table of role = "id-or-dir[@revision]" or role = {id = ..., revision =
    ...}."""
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
    kinds = {name: kind for name, _, kind in env_table()}
    for group in ("server", "auth", "jobs", "features", "limits"):
        table = data.pop(group, {})
        if not isinstance(table, dict):
            raise ConfigError(f"{path}: [{group}] must be a table")
        for key in table:
            if _GROUP_OF.get(key) != group:
                known = [f.name for f in fields(GROUPS[group])]
                raise ConfigError(f"{path}: [{group}] has no setting {key!r}; known: "
                                  f"{', '.join(known)}")
        data.update(table)
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
        values["engine_roles"] = engines
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
