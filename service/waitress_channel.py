"""waitress's connection handling, adjusted for a public API.

- **Oversize bodies**: waitress answers them itself, in plain text, and closes the socket
  with the rest of the body unread, which resets the connection of a client still writing
  it (Python's ``urllib`` writes the whole body before it reads). Here the request goes to
  the app with an empty body and a Content-Length over the limit, so the route answers its
  own JSON 413; the rest of the body is read and dropped (bounded in bytes and time) after
  the answer, so every client can read it.
- **Slow clients**: waitress only closes a connection idle for ``channel_timeout``; a client
  sending its headers a byte a second is never idle and holds its connection slot forever.
  Here a request's header must arrive within ``request_read_timeout_s`` of its first byte,
  and its body at ``MIN_BODY_RATE`` bytes a second or faster once that time has passed (a
  slow but steady upload of a large article still gets through). The clock only runs while
  the connection is being read: a request pipelined behind one being served waits freely.
"""

from __future__ import annotations

import socket
import threading
import time
from typing import Any, cast

from waitress.channel import HTTPChannel
from waitress.parser import HTTPRequestParser
from waitress.utilities import RequestEntityTooLarge

from service.drain import drop_rest

_DISCARDERS = threading.BoundedSemaphore(16)  # past this, oversize uploads are just cut
MIN_BODY_RATE = 1024  # bytes a second, averaged, after the first request_read_timeout_s


class _Parser(HTTPRequestParser):
    def __init__(self, adj: Any, channel: RingkasChannel) -> None:
        super().__init__(adj)
        self._channel = channel
        self.started_at = time.monotonic()
        self.body_started_at: float | None = None

    def received(self, data: bytes) -> int:
        consumed: int = super().received(data)
        if self.body_started_at is None and cast(Any, self).headers_finished:
            self.body_started_at = time.monotonic()
        if isinstance(cast(Any, self).error, RequestEntityTooLarge):
            self.error = None
            # The app sees a length over its limit and answers 413 without reading.
            self.headers["CONTENT_LENGTH"] = str(max(self.content_length,
                                                     self.adj.max_request_body_size))
            self.headers["CONNECTION"] = "close"
            self.body_rcv = None
            self.expect_continue = False  # no "100 Continue" for a body we will not take
            self._channel.discarding = True
            return len(data)  # the rest of this chunk is body: dropped
        return consumed


class RingkasChannel(HTTPChannel):
    request_read_timeout_s = 30.0  # set from the settings by install()
    discarding = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.parser_class = lambda adj: _Parser(adj, self)

    def received(self, data: bytes) -> bool:
        if self.discarding:
            return True  # the rest of an oversize body
        result: bool = super().received(data)
        return result

    def readable(self) -> bool:
        # waitress asks every channel this about once a second: the place to cut a request
        # that is taking too long to arrive.
        with self.requests_lock:
            pending: Any = cast(Any, self).request
            if pending is not None and not pending.completed:
                now = time.monotonic()
                if self.requests:  # a request is being served: this one is not read yet
                    pending.started_at = now
                    if pending.body_started_at is not None:
                        pending.body_started_at = now
                elif self._too_slow(pending, now):
                    self.will_close = True
                    self.request = None
        result: bool = super().readable()
        return result

    def _too_slow(self, pending: Any, now: float) -> bool:
        limit = self.request_read_timeout_s
        if pending.body_started_at is None:
            return now - pending.started_at > limit  # the header, within the limit
        body_s = now - pending.body_started_at
        return body_s > limit and pending.body_bytes_received < MIN_BODY_RATE * body_s

    def handle_close(self) -> None:
        if self.discarding and self.connected:
            self.discarding = False
            _discard_rest(self.socket)
        super().handle_close()


def _discard_rest(sock: socket.socket) -> None:
    """Read and drop what the client still sends, in a thread, then close: closing with
    unread data would reset the connection and lose the answer already written."""
    if not _DISCARDERS.acquire(blocking=False):
        return
    try:
        dup = sock.dup()  # waitress closes its own descriptor; this one keeps the socket
    except OSError:
        _DISCARDERS.release()
        return

    def run() -> None:
        try:
            dup.settimeout(5)
            dup.shutdown(socket.SHUT_WR)  # the answer is written: send FIN after it
            drop_rest(dup.recv)
        except OSError:
            pass
        finally:
            dup.close()
            _DISCARDERS.release()

    threading.Thread(target=run, name="discard-body", daemon=True).start()


def install(server: Any, request_read_timeout_s: float) -> None:
    """Use RingkasChannel on every listening socket of a waitress ``create_server``."""
    channel = type("Channel", (RingkasChannel,),
                   {"request_read_timeout_s": request_read_timeout_s})
    sockets = getattr(server, "map", None) or getattr(server, "_map", {})
    for dispatcher in [server, *sockets.values()]:
        if hasattr(dispatcher, "channel_class"):
            dispatcher.channel_class = channel
