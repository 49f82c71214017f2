"""Fetching the configured models into the Hugging Face cache (``ringkas models pull``)."""

from __future__ import annotations

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


def pull(spec: ModelSpec) -> str:
    """Download one model at its revision; returns the local snapshot directory."""
    from huggingface_hub import HfApi, snapshot_download

    files = HfApi().list_repo_files(spec.model, revision=spec.revision)
    return snapshot_download(spec.model, revision=spec.revision,
                             allow_patterns=files_to_fetch(files))
