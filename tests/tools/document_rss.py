"""Peak memory of a server under worst-case documents: builds the element bombs (a .docx of
ten million empty elements, 60 MB unpacked; an .html of 466k tags) and the largest
documents the bounds let through, posts them concurrently to ``/translate_file`` and
``/v2/document``, and prints the server's steady RSS, its peak (VmHWM) and every answer.

    python -m tests.tools.document_rss            # starts `ringkas serve` on tiny models
    python -m tests.tools.document_rss --models DIR
    python -m tests.tools.document_rss --base http://127.0.0.1:8000 --pid PID

The peak is the process's own high-water mark (Linux /proc/PID/status), so a run measures
one server from its start: point --pid at a fresh one.
"""

from __future__ import annotations

import argparse
import io
import os
import socket
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _docx(body: bytes) -> bytes:
    """A DOCX (python-docx's template) whose body is ``body``."""
    import docx

    template = io.BytesIO()
    docx.Document().save(template)
    with zipfile.ZipFile(template) as archive:
        parts = {n: archive.read(n) for n in archive.namelist()}
    parts["word/document.xml"] = (f'<w:document xmlns:w="{W}"><w:body>'.encode() + body
                                  + b"</w:body></w:document>")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return out.getvalue()


def docx_bomb(elements: int = 10_000_000) -> bytes:
    return _docx(b"<w:p>" + b"<w:r/>" * elements + b"</w:p>")


def html_bomb(tags: int = 466_000) -> bytes:
    """466k tags in 1.4 MB, under the byte limit: unclosed, so nested, as a parser reads them."""
    return b"<html><body>" + b"<i>" * tags + b"<p>Desa itu kecil.</p></body></html>"


def html_wide(tags: int) -> bytes:
    """``tags`` elements side by side, each with a word to translate."""
    return b"<html><body>" + b"<b>Desa.</b>" * tags + b"</body></html>"


def status(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM of ``pid``, in kB."""
    found: dict[str, int] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            found[name] = int(value.split()[0])
    return found


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def start(models: Path, state: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "service", "serve", "--host", "127.0.0.1", "--port",
         str(port), "--models", str(models)],
        env={"RINGKAS_CT2_CACHE": str(state / "ct2-cache"), **os.environ, "HF_HUB_OFFLINE": "1",
             "RINGKAS_DATA_DIR": str(state / "data"),
             "RINGKAS_KEYS_DB": str(state / "keys.sqlite3")},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    end = time.monotonic() + 600
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise SystemExit("the server exited while starting")
        try:
            if requests.get(f"{base}/v1/ready", timeout=2).status_code == 200:
                return proc, base
        except requests.ConnectionError:
            pass
        time.sleep(0.3)
    proc.kill()
    raise SystemExit("the server did not become ready")


def post(base: str, route: str, name: str, data: bytes) -> str:
    fields = ({"source": "id", "target": "en"} if route == "/translate_file"
              else {"source_lang": "ID", "target_lang": "EN-US"})
    resp = requests.post(f"{base}{route}", files={"file": (name, data)}, data=fields,
                         timeout=600)
    body = resp.json() if resp.headers.get("Content-Type", "").startswith(
        "application/json") else {}
    return f"{route} {name}: {resp.status_code} {body.get('code') or ''}".rstrip()


def run(base: str, pid: int, concurrent: int) -> None:
    files: list[tuple[str, Callable[[], bytes]]] = [
        ("bomb.docx", docx_bomb), ("bomb.html", html_bomb),
        # the largest the default bound (100,000 elements) lets through
        ("bound.docx", lambda: docx_bomb(80_000)), ("bound.html", lambda: html_wide(95_000))]
    built = {name: make() for name, make in files}
    for name, data in built.items():
        print(f"{name}: {len(data)} bytes")
    time.sleep(2)
    steady = status(pid)["VmRSS"]
    jobs = [(route, name) for name in built for route in ("/translate_file", "/v2/document")]
    for rounds in range(2):
        batch = [jobs[(rounds * concurrent + i) % len(jobs)] for i in range(concurrent)]
        started = time.monotonic()
        with ThreadPoolExecutor(concurrent) as pool:
            answers = list(pool.map(lambda j: post(base, j[0], j[1], built[j[1]]), batch))
        print(f"round {rounds + 1}: {concurrent} concurrent, {time.monotonic() - started:.1f}"
              " s")
        for answer in answers:
            print(f"  {answer}")
    time.sleep(5)  # the background documents parse in the worker thread
    now = status(pid)
    print(f"steady RSS {steady / 1024:.0f} MB; peak (VmHWM) {now['VmHWM'] / 1024:.0f} MB; "
          f"peak - steady {(now['VmHWM'] - steady) / 1024:.0f} MB; RSS now "
          f"{now['VmRSS'] / 1024:.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", help="a running server (with --pid)")
    parser.add_argument("--pid", type=int)
    parser.add_argument("--models", type=Path, help="models to start a server on (default: "
                        "tiny ones, made now)")
    parser.add_argument("--concurrent", type=int, default=8)
    args = parser.parse_args()
    if args.base:
        if args.pid is None:
            parser.error("--base needs --pid (whose RSS to read)")
        run(args.base, args.pid, args.concurrent)
        return
    with tempfile.TemporaryDirectory(prefix="ringkas-rss-") as tmp:
        models = args.models
        if models is None:
            from service.tiny import make_tiny

            models = Path(tmp) / "models"
            make_tiny(models)
        proc, base = start(models, Path(tmp))
        try:
            run(base, proc.pid, args.concurrent)
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


if __name__ == "__main__":
    main()
