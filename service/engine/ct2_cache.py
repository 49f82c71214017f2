"""Converted models on demand: a hub model or ``save_pretrained`` directory configured for
CTranslate2 is converted once, in a child process, into a cache; later starts load it.

The cache key is the model id, the revision's commit (for a directory: its files' names,
sizes and times), the compute type and the converter's version, so a new commit, a changed
directory or a new ctranslate2 converts again. The child converts into a scratch directory,
runs the parity check (``service/engine/parity.py``) and records it; the scratch directory
then becomes the cached entry in one rename. The serving process never imports torch for
this: only the child does, and it exits. An entry whose check failed is kept too, so the
next start does not convert again to fail again; its role runs on transformers.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from service.engine.convert import ConvertedMeta, is_ct2_dir
from service.models import ModelSpec

log = logging.getLogger(__name__)
# Bumped when what a cached entry holds changes.
FORMAT = 1


@dataclass(frozen=True)
class Converted:
    path: Path
    meta: ConvertedMeta

    @property
    def ok(self) -> bool:
        return bool(self.meta.parity and self.meta.parity.get("ok"))

    @property
    def why_not(self) -> str:
        parity = self.meta.parity or {}
        return (f"its CTranslate2 {self.meta.quantization} conversion failed the parity check "
                f"(teacher-forced log-prob difference {parity.get('max_logprob_diff')} nats per "
                f"token, tolerance {parity.get('tolerance')}; `ringkas models check` shows it)")


def default_cache_dir() -> str:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return str(Path(base) / "ringkas" / "ct2")


def _fingerprint(path: Path) -> str:
    files = sorted(p for p in path.rglob("*") if p.is_file())
    return ";".join(f"{p.relative_to(path)}:{p.stat().st_size}:{p.stat().st_mtime_ns}"
                    for p in files)


def _source(spec: ModelSpec) -> tuple[str, str]:
    """(where the files are, what identifies their content)."""
    if spec.is_local:
        path = Path(spec.model).resolve()
        return str(path), _fingerprint(path)
    from huggingface_hub import snapshot_download

    snapshot = snapshot_download(spec.model, revision=spec.revision, local_files_only=True)
    return snapshot, Path(snapshot).name


def entry_for(spec: ModelSpec, compute_type: str, cache_dir: str | Path) -> Path:
    import ctranslate2

    where, content = _source(spec)
    key = hashlib.sha256("|".join([spec.model, content, compute_type, ctranslate2.__version__,
                                   str(FORMAT)]).encode()).hexdigest()[:16]
    name = Path(where).name if spec.is_local else spec.model.replace("/", "--")
    slug = "".join(c if c.isalnum() or c in "-_." else "-" for c in name)
    return Path(cache_dir).expanduser() / f"{slug}-{compute_type}-{key}"


def ensure_converted(spec: ModelSpec, compute_type: str, cache_dir: str | Path, *,
                     timeout_s: float = 3600) -> Converted:
    """The cached conversion of ``spec`` (made now, in a child process, if missing)."""
    entry = entry_for(spec, compute_type, cache_dir)
    if is_ct2_dir(entry):
        return Converted(entry, ConvertedMeta.read(entry))
    entry.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=".converting-", dir=entry.parent))
    log.info("converting role=%s to CTranslate2 %s (once; cached in %s)", spec.role,
             compute_type, entry.parent)
    try:
        done = subprocess.run(
            [sys.executable, "-m", "service.engine.ct2_cache", spec.role, spec.model,
             spec.revision, "1" if spec.from_dir else "0", compute_type, str(scratch)],
            capture_output=True, text=True, timeout=timeout_s, check=False)
        if done.returncode != 0 or not is_ct2_dir(scratch / "model"):
            # The child's own error, last lines only: it names files and settings, no text.
            tail = " | ".join(done.stderr.strip().splitlines()[-3:])
            raise RuntimeError(f"conversion of role {spec.role} failed: {tail}")
        try:
            (scratch / "model").rename(entry)
        except OSError:
            if not is_ct2_dir(entry):  # another process finished first: use its entry
                raise
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return Converted(entry, ConvertedMeta.read(entry))


def _convert_and_check(spec: ModelSpec, compute_type: str, out: Path) -> None:
    """The child's work: convert, check against the source, record the check."""
    from service.engine.convert import convert, record_parity
    from service.engine.ct2 import CT2Seq2SeqEngine
    from service.engine.hf import HFSeq2SeqEngine
    from service.engine.parity import check_parity

    convert(spec, out, compute_type)
    converted = CT2Seq2SeqEngine.from_dir(spec.role, out)
    source = HFSeq2SeqEngine.from_pretrained(spec.role, spec.model, spec.revision,
                                             local_files_only=True)
    result = check_parity(spec.role, source, converted)
    record_parity(out, result.to_json())
    print(json.dumps(result.to_json()))


if __name__ == "__main__":
    role, model, revision, from_dir, compute, scratch_dir = sys.argv[1:7]
    _convert_and_check(ModelSpec(role, model, revision, from_dir=from_dir == "1"), compute,
                       Path(scratch_dir) / "model")
