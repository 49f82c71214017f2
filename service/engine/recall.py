"""The translation memory: what a translation model produced for a sentence, kept so that
the same sentence asked again of the same model, decoded the same way, is answered without
a model call.

An entry's key is the exact input the model is given (the pipeline's normalised sentence
or sentence piece), the model's identity as loaded (role, id, revision and resolved
commit, backend, compute type, what it was converted from, its decoding defaults), the
call's decoding options that change output (all of ``GenerationParams`` but the time
limit, which only discards late output) and how many hypotheses the call returns. The
value is the model's raw output: what the pipeline does with it afterwards (the glossary,
numbers, warnings) is done again on every request, so a glossary or a check that changed
never meets an old result.

A store is in process (``LocalStore``, an LRU bounded in bytes) or shared between
processes (``RedisStore``, entries expiring after a TTL); ``Recalling`` is the engine
wrapper that reads and fills it, one per request, counting that request's hits and misses.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from service.engine.base import (
    EngineWrapper,
    GenerationParams,
    ModelInfo,
    hypotheses_wanted,
)

log = logging.getLogger(__name__)

Value = tuple[str, ...]  # the hypotheses a call returned for one input, best first
# Told of each lookup: (role, hits, misses).
LookupListener = Callable[[str, int, int], None]
# What an entry costs beyond its text: the key, the containers, the LRU's links.
_ENTRY_OVERHEAD = 200


def model_fingerprint(info: ModelInfo) -> str:
    """Everything about a loaded model that changes what it outputs, as one string."""
    return json.dumps([info.role, info.id, info.revision, info.commit, info.backend,
                       info.compute_type, info.converted_from, info.random_weights,
                       info.device,
                       info.decoding.to_json() if info.decoding else None],
                      sort_keys=True, separators=(",", ":"))


def entry_key(fingerprint: str, params: GenerationParams | None, returns: int,
              text: str) -> str:
    """The memory key of one input: a digest, so that a shared store holds no source text
    in its keys and every key has the same size."""
    options = {k: v for k, v in (params or GenerationParams()).overrides().items()
               if k != "max_time"}
    blob = json.dumps([fingerprint, options, returns, text], sort_keys=True,
                      ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8", "surrogatepass")).hexdigest()


class Store(Protocol):
    def get_many(self, keys: Sequence[str]) -> list[Value | None]: ...

    def put_many(self, entries: dict[str, Value]) -> None: ...


def _size(key: str, value: Value) -> int:
    return len(key) + sum(len(v.encode("utf-8", "surrogatepass")) for v in value) \
        + _ENTRY_OVERHEAD


class LocalStore:
    """In process, least recently used first out once the entries take ``max_bytes``."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max(0, max_bytes)
        self._entries: OrderedDict[str, Value] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    @property
    def bytes_held(self) -> int:
        return self._bytes

    def __len__(self) -> int:
        return len(self._entries)

    def get_many(self, keys: Sequence[str]) -> list[Value | None]:
        with self._lock:
            found = []
            for key in keys:
                value = self._entries.get(key)
                if value is not None:
                    self._entries.move_to_end(key)
                found.append(value)
            return found

    def put_many(self, entries: dict[str, Value]) -> None:
        with self._lock:
            for key, value in entries.items():
                size = _size(key, value)
                if size > self.max_bytes:
                    continue
                old = self._entries.pop(key, None)
                if old is not None:
                    self._bytes -= _size(key, old)
                self._entries[key] = value
                self._bytes += size
            while self._bytes > self.max_bytes and self._entries:
                key, value = self._entries.popitem(last=False)
                self._bytes -= _size(key, value)


class RedisStore:
    """Shared through Redis: every process with the same URL and prefix reads what any of
    them translated. Entries expire ``ttl_s`` after they were written. Redis down or slow
    is a miss (and a write not made), never a failed request."""

    def __init__(self, client: Any, ttl_s: int, prefix: str = "ringkas:tm:") -> None:
        self.client = client
        self.ttl_s = max(1, ttl_s)
        self.prefix = prefix

    @classmethod
    def from_url(cls, url: str, ttl_s: int, prefix: str = "ringkas:tm:") -> RedisStore:
        import redis

        return cls(redis.Redis.from_url(url, socket_timeout=1.0,
                                        socket_connect_timeout=1.0), ttl_s, prefix)

    def get_many(self, keys: Sequence[str]) -> list[Value | None]:
        if not keys:
            return []
        try:
            raw = self.client.mget([self.prefix + k for k in keys])
        except Exception as exc:  # the memory is an optimisation: carry on without it
            log.warning("translation memory: Redis read failed (%s)", type(exc).__name__)
            return [None] * len(keys)
        return [_decode(item) for item in raw]

    def put_many(self, entries: dict[str, Value]) -> None:
        if not entries:
            return
        try:
            with self.client.pipeline(transaction=False) as pipe:
                for key, value in entries.items():
                    pipe.set(self.prefix + key, json.dumps(list(value), ensure_ascii=False),
                             ex=self.ttl_s)
                pipe.execute()
        except Exception as exc:
            log.warning("translation memory: Redis write failed (%s)", type(exc).__name__)


def _decode(item: bytes | None) -> Value | None:
    if item is None:
        return None
    try:
        value = json.loads(item)
    except ValueError:
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        return None
    return tuple(value)


@dataclass
class Tally:
    """One request's lookups, across every model call it made; and ``human``, its
    sentences that a human translation gave (they never reach a model, nor this memory)."""

    hits: int = 0
    misses: int = 0
    human: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def add(self, hits: int, misses: int) -> None:
        with self._lock:
            self.hits += hits
            self.misses += misses

    def add_human(self, count: int) -> None:
        with self._lock:
            self.human += count

    def to_json(self) -> dict[str, int]:
        return {"hits": self.hits, "misses": self.misses, "human": self.human}


class TranslationMemory:
    """A store, and who is told of its lookups (``/metrics``)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.listeners: list[LookupListener] = []

    def recalling(self, engine: Any, tally: Tally | None = None,
                  fingerprint: str | None = None) -> Recalling:
        """``engine`` behind the memory; ``fingerprint``: its model_fingerprint, when the
        caller keeps it (else made from ``engine.info``)."""
        return Recalling(engine, self, tally, fingerprint)

    def told(self, role: str, hits: int, misses: int) -> None:
        for listener in self.listeners:
            listener(role, hits, misses)


class Recalling(EngineWrapper):
    """Answers each input from the memory when it can; the misses, each once, go to the
    model in one call with the caller's parameters, and are remembered."""

    def __init__(self, inner: Any, memory: TranslationMemory, tally: Tally | None,
                 fingerprint: str | None = None) -> None:
        super().__init__(inner)
        self.memory = memory
        self.tally = tally
        self._fingerprint = fingerprint or model_fingerprint(inner.info)

    def generate(self, texts: Sequence[str], params: GenerationParams | None = None) -> list[str]:
        found = self._recall(texts, params, 1,
                             lambda todo: [(out,) for out in self.inner.generate(todo, params)])
        return [value[0] for value in found]

    def generate_hypotheses(self, texts: Sequence[str],
                            params: GenerationParams | None = None) -> list[list[str]]:
        found = self._recall(texts, params, hypotheses_wanted(params),
                             lambda todo: [tuple(hyps) for hyps in
                                           self.inner.generate_hypotheses(todo, params)])
        return [list(value) for value in found]

    def _recall(self, texts: Sequence[str], params: GenerationParams | None, returns: int,
                compute: Callable[[list[str]], list[Value]]) -> list[Value]:
        keys = [entry_key(self._fingerprint, params, returns, text) for text in texts]
        unique = list(dict.fromkeys(keys))
        values = {k: v for k, v in zip(unique, self.memory.store.get_many(unique),
                                       strict=True) if v is not None}
        # Each missing input once, in the caller's order.
        todo = {k: text for k, text in zip(keys, texts, strict=True) if k not in values}
        hits = len(texts) - sum(1 for k in keys if k in todo)
        if todo:
            computed = dict(zip(todo, compute(list(todo.values())), strict=True))
            self.memory.store.put_many(computed)
            values.update(computed)
        if self.tally is not None:
            self.tally.add(hits, len(texts) - hits)
        self.memory.told(self.info.role, hits, len(texts) - hits)
        return [values[k] for k in keys]
