"""Serving the app with waitress: a production WSGI server that needs no fork.

Models live in this one process and are shared by waitress's worker threads; forking
servers would copy (or re-load) every model per worker.
"""

from __future__ import annotations

import logging

from flask import Flask

log = logging.getLogger(__name__)


def serve(app: Flask, host: str, port: int, threads: int) -> None:
    from waitress import serve as waitress_serve

    log.info("ringkas listening on http://%s:%d (threads=%d)", host, port, threads)
    waitress_serve(app, host=host, port=port, threads=threads, ident="ringkas",
                   # The body limit is enforced by the app (JSON 413), not by a silent cut.
                   max_request_body_size=app.config["MAX_CONTENT_LENGTH"] * 2 + 1024)
