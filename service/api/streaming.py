"""Streamed answers (service/contract/events.py): the work runs in the admission queue on a
thread of its own and tells a queue of its progress; the response sends each event as it
comes, and the answer itself last."""

from __future__ import annotations

import logging
import queue
import threading
import traceback
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from flask import Response, g, request

from service.contract.errors import error_object, error_of
from service.contract.events import MEDIA_TYPE, sse
from service.errors import RingkasError
from service.overload import Deadline
from service.pipeline import Pipeline
from service.pipeline.report import Listener
from service.runtime.assembly import Runtime

log = logging.getLogger(__name__)

# The answer's JSON, made by the work from the pipeline, its deadline and who to tell.
Work = Callable[[Pipeline, Deadline, Listener], dict[str, Any]]
_DONE = object()


def wants_stream(body: Any) -> bool:
    """``"stream": true`` in the body, or an Accept that prefers an event stream to JSON."""
    if isinstance(body, Mapping) and body.get("stream") is True:
        return True
    accept = request.accept_mimetypes
    named = any(value == MEDIA_TYPE for value, _ in accept)  # never through */*
    return named and accept.best_match([MEDIA_TYPE, "application/json"]) == MEDIA_TYPE


def stream(rt: Runtime, work: Work) -> Response:
    events: queue.Queue[Any] = queue.Queue()
    request_id = g.get("request_id")

    def run() -> None:
        try:
            answer = rt.run(lambda pipeline, deadline: work(
                pipeline, deadline, lambda name, data: events.put((name, data))))
            events.put(("result", answer))
        except RingkasError as exc:
            events.put(("error", {"error": _with_id(error_of(exc), request_id)}))
        except Exception as exc:  # the frames only: the message may quote the article
            log.error("unhandled %s in streamed request %s\n%s", type(exc).__name__,
                      request_id or "-", "".join(traceback.format_tb(exc.__traceback__)))
            events.put(("error", {"error": _with_id(error_object(
                "internal_error", "internal error; the request id is in the logs"),
                request_id)}))
        finally:
            events.put(_DONE)

    def send() -> Iterator[str]:
        yield sse("accepted", {"request_id": request_id})
        threading.Thread(target=run, name="streamed-request", daemon=True).start()
        while (item := events.get()) is not _DONE:
            name, data = item
            yield sse(name, data)

    # No proxy buffering (nginx), no caching: each event goes out as it is made.
    return Response(send(), mimetype=MEDIA_TYPE,
                    headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})


def _with_id(error: dict[str, Any], request_id: str | None) -> dict[str, Any]:
    return {**error, "request_id": request_id} if request_id else error
