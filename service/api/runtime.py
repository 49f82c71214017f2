"""The services a Flask app was built over (``app.extensions``)."""

from __future__ import annotations

from flask import Flask, current_app

from service.runtime.assembly import Runtime
from service.runtime.services import Services

EXTENSION = "ringkas"


def services() -> Services:
    return services_of(current_app)


def services_of(app: Flask) -> Services:
    found: Services = app.extensions[EXTENSION]
    return found


def runtime() -> Runtime:
    return services().runtime


def runtime_of(app: Flask) -> Runtime:
    return services_of(app).runtime
