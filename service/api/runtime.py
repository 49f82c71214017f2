"""The runtime a Flask app was built over (``app.extensions``)."""

from __future__ import annotations

from flask import Flask, current_app

from service.runtime.assembly import Runtime

EXTENSION = "ringkas"


def runtime() -> Runtime:
    return runtime_of(current_app)


def runtime_of(app: Flask) -> Runtime:
    rt: Runtime = app.extensions[EXTENSION]
    return rt
