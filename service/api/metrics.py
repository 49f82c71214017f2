"""Prometheus ``/metrics``: every request timed into the instance's metrics
(service/runtime/metrics.py), which this route serves."""

from __future__ import annotations

import time

from flask import Blueprint, Flask, Response, g, request
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from service.api.routing import route
from service.api.runtime import services
from service.contract import routes
from service.runtime.metrics import Metrics

# A label is a time series: only the methods HTTP defines get one of their own, so that a
# client inventing methods cannot grow /metrics without bound.
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE",
                      "CONNECT"})

bp = Blueprint("metrics", __name__)


def time_requests(app: Flask, metrics: Metrics) -> None:
    """Every request's latency by route, method and status, and its error code."""

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


@route(bp, routes.METRICS)
def scrape() -> Response:
    return Response(generate_latest(services().metrics.registry),
                    content_type=CONTENT_TYPE_LATEST)
