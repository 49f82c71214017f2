"""gunicorn's gthread worker with a deadline for each request to arrive.

gthread hands a connection to a worker thread once its first byte is in, and the thread then
blocks until the whole header has arrived: a client sending a byte a second holds the thread
for ever, and a few dozen such clients leave none for health checks or real requests. Here
a request's header must be in within ``RINGKAS_READ_TIMEOUT`` seconds of the thread taking
it, or its socket is shut down (the thread is freed; the client sees the connection close),
and each later read of the body waits at most that long for data. Used by
service/deploy/gunicorn.conf.py.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from typing import Any

from gunicorn.workers.gthread import ThreadWorker

from service.config import Settings


def _cut(conn: Any) -> None:
    with contextlib.suppress(OSError):
        # The plain socket's shutdown, also under TLS (SSLSocket.shutdown would unwrap it
        # under the thread reading it): the blocked read returns and the thread is free.
        socket.socket.shutdown(conn.sock, socket.SHUT_RDWR)


class Worker(ThreadWorker):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.read_timeout_s = float(Settings.from_env().server.request_read_timeout_s)

    def handle(self, conn: Any) -> Any:
        timer = threading.Timer(self.read_timeout_s, _cut, (conn,))
        timer.daemon = True
        conn.ringkas_read_timer = timer
        timer.start()
        try:
            return super().handle(conn)
        finally:
            timer.cancel()

    def handle_http2(self, conn: Any) -> Any:
        # An HTTP/2 connection lives for many requests: no header deadline applies to it.
        conn.ringkas_read_timer.cancel()
        return super().handle_http2(conn)

    def handle_request(self, req: Any, conn: Any) -> Any:
        # The header is in: from here the app's own deadline bounds the request, and a body
        # that stops arriving fails its read after read_timeout_s.
        conn.ringkas_read_timer.cancel()
        conn.sock.settimeout(self.read_timeout_s)
        try:
            return super().handle_request(req, conn)
        finally:
            conn.sock.settimeout(None)
