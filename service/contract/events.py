"""A streamed answer (``Accept: text/event-stream``, or ``"stream": true``, on /v1/summarize
and /v1/translate): Server-Sent Events, each ``event: NAME`` with one line of JSON data.

In order: ``accepted`` (at once), ``segmented`` (the article's or texts' sentence count),
``translation`` (each chunk of translated sentences as it completes: ``of`` names what is
translated, each sentence carries its place and its translation), ``summary`` and
``fidelity`` (a summary), then ``result``: exactly the JSON the same request answers
without streaming. A failure after the stream began is an ``error`` event carrying the
error body the route answers otherwise (``{"error": {"code", "message", ...}}``), and
ends the stream.
"""

from __future__ import annotations

import json
from typing import Any

MEDIA_TYPE = "text/event-stream"
EVENTS = ("accepted", "segmented", "translation", "summary", "fidelity", "result", "error")


def sse(event: str, data: Any) -> str:
    """One event as the wire carries it (JSON has no raw newlines: one data line)."""
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"
