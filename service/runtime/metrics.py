"""Prometheus metrics of one instance: request latency by route and status, errors by code,
queue depth, tokens generated per role, model load time. One registry per instance (no
process globals), so several in one process (tests, workers) never share counts; the web
layer times requests into it and serves it at /metrics."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from service.engine import Engine
from service.engine.base import EngineWrapper, GenerationParams
from service.runtime.assembly import Runtime

# Seconds: health checks take milliseconds, a long article on 2 cores tens of seconds.
_BUCKETS = (0.005, 0.025, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.latency = Histogram("ringkas_request_duration_seconds",
                                 "HTTP request latency by route template, method and status.",
                                 ["route", "method", "status"], buckets=_BUCKETS, registry=r)
        self.errors = Counter("ringkas_errors_total", "Error responses by ringkas error code.",
                              ["code"], registry=r)
        self.tokens = Counter("ringkas_generated_tokens_total",
                              "Output tokens generated, by model role.", ["role"], registry=r)
        self.engine_faults = Counter("ringkas_engine_faults_total",
                                     "Model calls that broke the engine contract (raised, "
                                     "wrong output count, non-text output), by role and "
                                     "kind.", ["role", "fault"], registry=r)
        self.queue = Gauge("ringkas_queue_depth",
                           "Requests waiting for an inference slot.", registry=r)
        self.inflight = Gauge("ringkas_inflight_requests",
                              "Requests holding an inference slot.", registry=r)
        self.load_seconds = Gauge("ringkas_model_load_seconds",
                                  "Seconds the models took to load (NaN until loaded).",
                                  registry=r)
        self.ready = Gauge("ringkas_ready", "1 when the models are loaded.", registry=r)
        self.memory_lookups = Counter("ringkas_translation_memory_lookups_total",
                                      "Model inputs looked up in the translation memory, "
                                      "by role and result (hit, miss).",
                                      ["role", "result"], registry=r)

    def count_lookups(self, role: str, hits: int, misses: int) -> None:
        if hits:
            self.memory_lookups.labels(role, "hit").inc(hits)
        if misses:
            self.memory_lookups.labels(role, "miss").inc(misses)

    def wrap(self, engines: Mapping[str, Engine]) -> dict[str, Engine]:
        return {role: TokenCounting(engine, self.tokens.labels(role))
                for role, engine in engines.items()}

    @classmethod
    def watching(cls, rt: Runtime) -> Metrics:
        """Metrics that count the tokens of the engines ``rt`` installs from now on (so:
        made before it starts) and read its state at scrape time."""
        metrics = cls()
        rt.engine_wrappers.append(metrics.wrap)
        rt.fault_listeners.append(
            lambda role, kind: metrics.engine_faults.labels(role, kind).inc())
        metrics.queue.set_function(lambda: rt.admission.depth[1])
        metrics.inflight.set_function(lambda: rt.admission.depth[0])
        metrics.load_seconds.set_function(
            lambda: float("nan") if rt.load_seconds is None else rt.load_seconds)
        metrics.ready.set_function(lambda: float(rt.ready))
        if rt.memory is not None:
            rt.memory.listeners.append(metrics.count_lookups)
        return metrics


class TokenCounting(EngineWrapper):
    """Counts the tokens of each output (as the model's tokenizer counts them)."""

    def __init__(self, inner: Engine, counter: Counter) -> None:
        super().__init__(inner)
        self.counter = counter

    def generate(self, texts: Sequence[str], params: GenerationParams | None = None) -> list[str]:
        out = self.inner.generate(texts, params)
        # count_tokens includes the end-of-sequence token each output was closed with.
        self.counter.inc(sum(self.inner.count_tokens(out)))
        return out

    def generate_hypotheses(self, texts: Sequence[str],
                            params: GenerationParams | None = None) -> list[list[str]]:
        out = self.inner.generate_hypotheses(texts, params)
        # Every hypothesis was generated: each one's tokens count.
        self.counter.inc(sum(self.inner.count_tokens([h for hyps in out for h in hyps])))
        return out
