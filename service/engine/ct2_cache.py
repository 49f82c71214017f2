"""Converted models on demand: a hub model or ``save_pretrained`` directory configured for
CTranslate2 is converted once, in a child process, into a cache; later starts load it.

The cache key is the role (its decoding policy and start token go into the conversion),
the model id, the revision's commit (for a directory: its resolved path and its files'
names, sizes and times), the compute type, the ctranslate2 and transformers versions and
ringkas's conversion code, so any of them changing converts again. The child converts into
a scratch directory, runs the parity check (``service/engine/parity.py``) and records it;
the scratch directory then becomes the cached entry in one rename, under a lock file, so
concurrent first starts (several gunicorn workers) convert once. The serving process never
imports torch for this: only the child does, and it exits. An entry whose check failed is
kept too, and a failed conversion leaves a ``.failed`` note, so the next start does not
spend the time again; the role runs on transformers. Delete the entry or the note to try
again.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from service.engine.convert import ConvertedMeta, is_ct2_dir
from service.models import ModelSpec

log = logging.getLogger(__name__)
# Bumped when what a cached entry holds changes.
FORMAT = 1


class ConversionUnavailable(Exception):
    """No checked conversion could be had (the child failed, the cache is not writable)."""


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
        if parity.get("length_mismatch"):
            what = "the two score different token counts (their vocabularies disagree)"
        elif parity.get("max_logprob_diff", 0) > parity.get("tolerance", 0):
            what = (f"teacher-forced log-prob difference {parity.get('max_logprob_diff')} "
                    f"nats per token, tolerance {parity.get('tolerance')}")
        else:
            what = (f"{parity.get('greedy_identical')} of {parity.get('sentences')} greedy "
                    "outputs identical")
        return (f"its CTranslate2 {self.meta.quantization} conversion failed the parity check "
                f"({what}; `ringkas models check` shows it)")


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


def _code_version() -> str:
    """What decides a conversion besides the model: the converter and transformers
    versions, and ringkas's own conversion, decoding-policy and check code."""
    from importlib import resources
    from importlib.metadata import version

    # Through the packages, not __file__: the sources are found wherever they are installed.
    engine, service = resources.files("service.engine"), resources.files("service")
    code = hashlib.sha256()
    for name in ("convert.py", "decoding.py", "parity.py"):
        code.update(engine.joinpath(name).read_bytes())
    code.update(service.joinpath("models.py").read_bytes())  # the roles' cards and languages
    return f"ct2 {version('ctranslate2')} tf {version('transformers')} {code.hexdigest()}"


def entry_for(spec: ModelSpec, compute_type: str, cache_dir: str | Path) -> Path:
    """The cache entry of ``spec`` converted for its role (the role's decoding policy and
    start token are part of a conversion) at ``compute_type``."""
    where, content = _source(spec)
    identity = where if spec.is_local else spec.model
    key = hashlib.sha256("|".join([spec.role, identity, content, compute_type, _code_version(),
                                   str(FORMAT)]).encode()).hexdigest()[:16]
    name = Path(where).name if spec.is_local else spec.model.replace("/", "--")
    slug = "".join(c if c.isalnum() or c in "-_." else "-" for c in name)
    return Path(cache_dir).expanduser() / f"{spec.role}-{slug}-{compute_type}-{key}"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _sweep(cache: Path) -> None:
    """Remove scratch directories whose converting process is gone (killed mid-way)."""
    for scratch in cache.glob(".converting-*"):
        try:
            pid = int(scratch.name.split("-")[1])
        except (IndexError, ValueError):
            continue
        if not _alive(pid):
            shutil.rmtree(scratch, ignore_errors=True)


def ensure_converted(spec: ModelSpec, compute_type: str, cache_dir: str | Path, *,
                     timeout_s: float = 3600) -> Converted:
    """The cached conversion of ``spec`` (made now, in a child process, if missing). One
    process converts an entry at a time (a lock file): the others wait and then load it.
    Raises ConversionUnavailable when there is none to be had."""
    entry = entry_for(spec, compute_type, cache_dir)
    if is_ct2_dir(entry):
        return Converted(entry, ConvertedMeta.read(entry))
    failed = entry.with_name(entry.name + ".failed")
    try:
        entry.parent.mkdir(parents=True, exist_ok=True)
        with (entry.parent / (entry.name + ".lock")).open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
            if is_ct2_dir(entry):  # converted while this process waited
                return Converted(entry, ConvertedMeta.read(entry))
            if failed.is_file():  # failed before: do not spend the time again
                raise ConversionUnavailable(failed.read_text(encoding="utf-8"))
            _sweep(entry.parent)
            _convert(spec, compute_type, entry, failed, timeout_s)
    except OSError as exc:
        raise ConversionUnavailable(f"the conversion cache {entry.parent} is not usable: "
                                    f"{type(exc).__name__}: {exc} (set RINGKAS_CT2_CACHE)") \
            from None
    return Converted(entry, ConvertedMeta.read(entry))


def _convert(spec: ModelSpec, compute_type: str, entry: Path, failed: Path,
             timeout_s: float) -> None:
    scratch = Path(tempfile.mkdtemp(prefix=f".converting-{os.getpid()}-", dir=entry.parent))
    log.info("converting role=%s to CTranslate2 %s (once, minutes for a published model; "
             "cached in %s)", spec.role, compute_type, entry.parent)
    started = time.monotonic()
    try:
        try:
            done = subprocess.run(
                [sys.executable, "-m", "service.engine.ct2_cache", spec.role, spec.model,
                 spec.revision, "1" if spec.from_dir else "0", compute_type, str(scratch)],
                capture_output=True, text=True, timeout=timeout_s, check=False)
        except subprocess.TimeoutExpired:
            raise ConversionUnavailable(f"converting role {spec.role} took over "
                                        f"{timeout_s:.0f} s") from None
        if done.returncode != 0 or not is_ct2_dir(scratch / "model"):
            # The child's own error, last lines only: it names files and settings, no text.
            tail = " | ".join(done.stderr.strip().splitlines()[-3:])
            reason = f"converting role {spec.role} to CTranslate2 failed: {tail}"
            failed.write_text(reason, encoding="utf-8")
            raise ConversionUnavailable(reason)
        (scratch / "model").rename(entry)
        log.info("converted role=%s in %.0f s", spec.role, time.monotonic() - started)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


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


if __name__ == "__main__":
    role, model, revision, from_dir, compute, scratch_dir = sys.argv[1:7]
    _convert_and_check(ModelSpec(role, model, revision, from_dir=from_dir == "1"), compute,
                       Path(scratch_dir) / "model")
