"""The jobs routes in /openapi.json: the request spec parse_job validates with, and the
schema of the job every route answers."""

from __future__ import annotations

from typing import Any

from service.api.openapi import Operation
from service.contract.jobs import JOB
from service.contract.responses import ref

_STR = {"type": "string"}
_TIME = {"type": ["string", "null"], "description": "ISO 8601, UTC."}
_ERROR = {"type": "object", "required": ["code", "message"],
          "properties": {"code": _STR, "message": _STR, "details": {"type": "object"}}}
_ITEM = {
    "type": "object", "required": ["index", "id", "kind", "status"],
    "additionalProperties": False,
    "properties": {
        "index": {"type": "integer"}, "id": {"type": ["string", "null"]},
        "kind": {"enum": ["summarize", "translate"]},
        "status": {"enum": ["queued", "running", "done", "error", "cancelled"]},
        "result": {"anyOf": [ref("SummarizeResponse"), ref("TranslateResponse")]},
        "error": _ERROR,
    },
}
_COUNT = {"type": "integer", "minimum": 0}
JOB_RESPONSE: dict[str, Any] = {
    "type": "object", "additionalProperties": False,
    "required": ["id", "status", "progress", "created_at", "finished_at", "expires_at"],
    "properties": {
        "id": _STR,
        "status": {"enum": ["queued", "running", "done", "failed", "cancelled"]},
        "progress": {"type": "object", "required": ["done", "failed", "finished", "total"],
                     "properties": {"done": _COUNT, "failed": _COUNT, "finished": _COUNT,
                                    "total": _COUNT}},
        "created_at": _TIME, "finished_at": _TIME,
        "expires_at": {**_TIME, "description": "When a finished job is deleted."},
        "items": {"type": "array", "items": _ITEM},
    },
}
_ID = ({"name": "job_id", "in": "path", "required": True, "schema": _STR},)
_ITEMS = ({"name": "items", "in": "query", "required": False,
           "schema": {"enum": ["true", "false"]}, "description": "false: no items"},)
_SUBMIT_ERRORS = ("400", "401", "403", "413", "415", "422", "429", "503", "507")
_JOB_ERRORS = ("401", "403", "404", "429", "503", "507")  # 503/507: the data dir

OPERATIONS = (
    Operation("/v1/jobs", "post", "Submit a job (202 at once; Location names it).", "jobs",
              JOB_RESPONSE, status=202, request=JOB, errors=_SUBMIT_ERRORS),
    Operation("/v1/jobs/{job_id}", "get", "A job: status, progress, each item's result or "
              "error (404 for another key's job or an expired one).", "jobs", JOB_RESPONSE,
              errors=_JOB_ERRORS, parameters=(*_ID, *_ITEMS)),
    Operation("/v1/jobs/{job_id}", "delete", "Cancel a queued or running job (409 when it "
              "already finished).", "jobs", JOB_RESPONSE, errors=(*_JOB_ERRORS, "409"),
              parameters=_ID),
)
