"""Fetching the configured models into the Hugging Face cache (``ringkas models pull``)."""

from __future__ import annotations

import socket
from urllib.parse import urlsplit

from service.models import ModelSpec

# Weights in one format are enough; safetensors first (no pickle), else PyTorch's.
_ALWAYS = ("*.json", "*.spm", "*.model", "*.txt", "*.tiktoken")


def files_to_fetch(files: list[str]) -> list[str]:
    """Patterns for one model repo: tokenizer and config files plus one weights format."""
    patterns = list(_ALWAYS)
    if any(f.endswith(".safetensors") for f in files):
        patterns.append("*.safetensors")
    else:
        patterns += [f for f in files if f.startswith("pytorch_model") and f.endswith(".bin")]
    return patterns


def unreachable(endpoint: str | None = None) -> str | None:
    """Why the hub cannot be reached at all (offline mode, or its name does not resolve), so
    that a pull says so at once instead of retrying each model for a minute; None when it
    may be reached."""
    from huggingface_hub import constants

    if constants.HF_HUB_OFFLINE:
        return "HF_HUB_OFFLINE is set"
    endpoint = endpoint or constants.ENDPOINT
    parts = urlsplit(endpoint)
    if _proxied(parts.scheme or "https", parts.hostname or ""):
        return None  # the proxy resolves the name, not this machine
    try:
        socket.getaddrinfo(parts.hostname or "", parts.port or 443)
    except (socket.gaierror, UnicodeError) as exc:
        return f"{parts.hostname} does not resolve ({exc})"
    return None


def _proxied(scheme: str, host: str) -> bool:
    from urllib.request import getproxies, proxy_bypass

    return scheme in getproxies() and not proxy_bypass(host)


def pull(spec: ModelSpec) -> str:
    """Download one model at its revision; returns the local snapshot directory."""
    from huggingface_hub import HfApi, snapshot_download
    from huggingface_hub.utils import logging as hub_logging

    # The hub prints its warnings (retries) with its own handler; passed on to ringkas's too,
    # each would be printed twice.
    hub_logging.disable_propagation()

    files = HfApi().list_repo_files(spec.model, revision=spec.revision)
    return snapshot_download(spec.model, revision=spec.revision,
                             allow_patterns=files_to_fetch(files))
