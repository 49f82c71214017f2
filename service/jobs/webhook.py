"""Webhooks: called on a job's completion, only for hosts on the operator's allow-list.

The body names the job and its outcome, never any text: the receiver fetches results with
``GET /v1/jobs/{id}`` (and its key). With a secret configured, the body is signed
(``X-Ringkas-Signature: sha256=<hex HMAC of the body>``). Redirects are not followed: they
could lead off the allow-list.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

import requests

from service.errors import InvalidField
from service.schemas import unpaired_surrogate

log = logging.getLogger(__name__)
ATTEMPTS = 3


def check_webhook(url: Any, allowed_hosts: Sequence[str]) -> str:
    if not isinstance(url, str) or len(url) > 2000:
        raise InvalidField("webhook", "webhook must be a URL string", code="invalid_webhook")
    if unpaired_surrogate(url):
        raise InvalidField("webhook", "webhook contains an unpaired UTF-16 surrogate",
                           code="invalid_encoding")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise InvalidField("webhook", "webhook is not a valid URL", code="invalid_webhook") \
            from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidField("webhook", "webhook must be an http(s) URL with a host",
                           code="invalid_webhook")
    host = parts.hostname.lower()
    port = port or (443 if parts.scheme == "https" else 80)
    allowed = {h.strip().lower() for h in allowed_hosts if h.strip()}
    if host not in allowed and f"{host}:{port}" not in allowed:
        raise InvalidField("webhook", f"webhooks to {host} are not allowed on this server (an "
                           "operator allows hosts with RINGKAS_WEBHOOK_HOSTS)",
                           code="webhook_not_allowed")
    return url


def payload(job: Mapping[str, Any]) -> dict[str, Any]:
    keep = ("id", "status", "progress", "created_at", "finished_at", "expires_at")
    return {"event": "job.finished", **{k: job[k] for k in keep if k in job}}


def deliver(url: str, body: Mapping[str, Any], *, secret: str = "", timeout_s: float = 10,
            attempts: int = ATTEMPTS, backoff_s: float = 1.0) -> bool:
    """POST ``body``; True once a 2xx came back. Retries on errors and non-2xx answers."""
    data = json.dumps(body, sort_keys=True).encode()
    job_id = str(body.get("id", ""))  # the body holds ids and counts only, never text
    headers = {"Content-Type": "application/json", "User-Agent": "ringkas-webhook",
               "X-Ringkas-Job": job_id}
    if secret:
        digest = hmac.new(secret.encode(), data, hashlib.sha256).hexdigest()
        headers["X-Ringkas-Signature"] = f"sha256={digest}"
    for attempt in range(attempts):
        try:
            resp = requests.post(url, data=data, headers=headers, timeout=timeout_s,
                                 allow_redirects=False)
            if 200 <= resp.status_code < 300:
                return True
            reason = f"HTTP {resp.status_code}"
        except requests.RequestException as exc:
            reason = type(exc).__name__
        log.warning("webhook for job %s: attempt %d failed (%s)", job_id,
                    attempt + 1, reason)
        if attempt + 1 < attempts:
            time.sleep(backoff_s * 2 ** attempt)
    return False
