"""Prometheus ``/metrics``: request latency by route and status, errors by code, queue depth,
tokens generated per role, model load time. One registry per app (no process globals), so
several apps in one process (tests, workers) never share counts."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence

from flask import Blueprint, Flask, Response, current_app, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

from service.api.routing import route
from service.contract import routes
from service.engine import Engine
from service.engine.base import EngineWrapper, GenerationParams
from service.runtime.assembly import Runtime

EXTENSION = "ringkas.metrics"
# Seconds: health checks take milliseconds, a long article on 2 cores tens of seconds.
_BUCKETS = (0.005, 0.025, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300)

# A label is a time series: only the methods HTTP defines get one of their own, so that a
# client inventing methods cannot grow /metrics without bound.
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE",
                      "CONNECT"})

bp = Blueprint("metrics", __name__)


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

    def wrap(self, engines: Mapping[str, Engine]) -> dict[str, Engine]:
        return {role: TokenCounting(engine, self.tokens.labels(role))
                for role, engine in engines.items()}


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


def init_metrics(app: Flask, rt: Runtime) -> Metrics:
    """Create the app's metrics, count the tokens of the engines ``rt`` installs from now on,
    and time every request. Gauges read the runtime's state at scrape time."""
    metrics = Metrics()
    app.extensions[EXTENSION] = metrics
    rt.engine_wrappers.append(metrics.wrap)
    rt.fault_listeners.append(lambda role, kind: metrics.engine_faults.labels(role, kind).inc())
    metrics.queue.set_function(lambda: rt.admission.depth[1])
    metrics.inflight.set_function(lambda: rt.admission.depth[0])
    metrics.load_seconds.set_function(
        lambda: float("nan") if rt.load_seconds is None else rt.load_seconds)
    metrics.ready.set_function(lambda: float(rt.ready))

    @app.after_request
    def observe(response: Response) -> Response:
        started = g.get("started")
        if started is not None:
            route = request.url_rule.rule if request.url_rule is not None else "unmatched"
            method = request.method if request.method in _METHODS else "other"
            metrics.latency.labels(route, method, str(response.status_code)).observe(
                time.perf_counter() - started)
        if g.get("error_code"):
            metrics.errors.labels(g.error_code).inc()
        return response

    return metrics


@route(bp, routes.METRICS)
def scrape() -> Response:
    metrics: Metrics = current_app.extensions[EXTENSION]
    return Response(generate_latest(metrics.registry), content_type=CONTENT_TYPE_LATEST)
