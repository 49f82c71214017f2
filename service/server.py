"""Serving the app with waitress, a production WSGI server that needs no fork, and a
graceful shutdown that lets admitted requests finish.

Models live in this one process and are shared by waitress's worker threads; forking
servers would copy (or re-load) every model per worker.

Exit status after SIGTERM/SIGINT: 0 when every admitted request finished within the drain
timeout; ``EXIT_DRAIN_TIMED_OUT`` (3) when some did not — those were answered 503
``shutting_down`` (with Retry-After) and their model calls abandoned.
"""

from __future__ import annotations

import _thread
import contextlib
import logging
import os
import signal
import socket
import sys
import threading
import time
from pathlib import Path
from types import FrameType
from typing import Any

from flask import Flask

from service import waitress_channel
from service.api.runtime import runtime_of, services_of
from service.config import Settings
from service.errors import RingkasError
from service.runtime.jobs_backend import JobBackend

log = logging.getLogger(__name__)
EXIT_DRAIN_TIMED_OUT = 3
_ABORT_ANSWER_S = 5.0  # for aborted requests to write their 503 before the process ends


def check_port(host: str, port: int) -> None:
    """Fail with a clear message when the address cannot be bound."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            raise RingkasError(f"cannot listen on {host}:{port}: {exc.strerror or exc} (is "
                               "another server running there? choose --port)",
                               code="port_unavailable") from None


def refuse_shared_data_dir(settings: Settings) -> None:
    """Fail with a clear message when another ringkas process holds the jobs data dir."""
    if settings.jobs.redis_url:
        return
    from service.runtime.local_jobs import held_elsewhere

    conflict = held_elsewhere(Path(settings.data_dir).expanduser())
    if conflict is not None:
        raise RingkasError(conflict.message, code="data_dir_in_use")


def build_server(app: Any, host: str, port: int, threads: int, *, max_body: int,
                 read_timeout_s: float, connection_limit: int) -> Any:
    """waitress, set up for a public API (and RingkasChannel: service/waitress_channel.py)."""
    from waitress import create_server

    server = create_server(app, host=host, port=port, threads=threads, ident="ringkas",
                           # Over this, waitress does not buffer the body and the app
                           # answers 413; the margin is for chunked framing, which waitress
                           # counts (the app judges the decoded length itself).
                           max_request_body_size=max_body * 2 + 1024,
                           connection_limit=connection_limit,
                           # A connection that sends nothing at all (or stalls) is closed
                           # after the read timeout, checked every few seconds.
                           channel_timeout=read_timeout_s,
                           cleanup_interval=max(1, min(30, int(read_timeout_s // 3))),
                           asyncore_use_poll=True)  # select() fails past 1,024 descriptors
    waitress_channel.install(server, read_timeout_s)
    return server


def serve(app: Flask, host: str, port: int, threads: int) -> None:
    rt = runtime_of(app)
    jobs: JobBackend | None = services_of(app).jobs
    if jobs is not None:
        try:
            jobs.claim()  # this instance's data dir from now on, used or not
        except RingkasError as exc:
            raise RingkasError(exc.message, code="data_dir_in_use") from None
    # Requests waiting in our admission queue each hold a thread; with fewer threads the
    # excess would wait invisibly in waitress's own queue instead of getting a 503.
    threads = max(threads, rt.admission.max_inflight + rt.admission.max_queue + 2)
    server = build_server(app, host, port, threads, max_body=app.config["MAX_CONTENT_LENGTH"],
                          read_timeout_s=rt.settings.server.request_read_timeout_s,
                          connection_limit=rt.settings.server.connection_limit)
    stopping, drained = threading.Event(), threading.Event()

    drain_ok: list[bool] = []

    def drain_then_stop() -> None:
        finished = rt.admission.drain(rt.settings.server.drain_timeout_s)
        running, waiting = rt.admission.depth
        log.info("drain %s (running=%d waiting=%d); stopping",
                 "complete" if finished else "timed out", running, waiting)
        if not finished:
            answered = rt.admission.abort(_ABORT_ANSWER_S)
            log.warning("answered %d request(s) still in flight 503 shutting_down%s",
                        running + waiting, "" if answered else " (some did not answer)")
        drain_ok.append(finished)
        time.sleep(0.5)  # let waitress write the last responses out
        drained.set()
        _thread.interrupt_main()  # re-enters on_signal in the main thread, which stops

    def on_signal(signum: int, frame: FrameType | None) -> None:
        if drained.is_set():
            raise KeyboardInterrupt  # waitress's loop ends on it
        if stopping.is_set():
            return
        stopping.set()
        log.info("signal %d: refusing new work, draining for up to %ds", signum,
                 rt.settings.server.drain_timeout_s)
        threading.Thread(target=drain_then_stop, name="drain", daemon=True).start()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    log.info("ringkas listening on http://%s:%d (threads=%d, inflight=%d, queue=%d)", host,
             port, threads, rt.admission.max_inflight, rt.admission.max_queue)
    with contextlib.suppress(KeyboardInterrupt):  # our own interrupt_main, after draining
        server.run()
    server.close()  # refuse new connections now rather than leave them in the backlog
    code = 0 if all(drain_ok) else EXIT_DRAIN_TIMED_OUT
    log.info("ringkas stopped (exit status %d)", code)
    # An abandoned model call (or a job item) may still be running in a native thread;
    # interpreter shutdown under it aborts the process ("terminate called without an
    # active exception"). Nothing is left to clean up that the OS does not.
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
