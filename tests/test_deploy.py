"""The deploy examples in service/deploy/: gunicorn really serves the app (a live process on
the tiny models), and the Dockerfile, systemd unit and nginx config agree with the code and
with each other. The Dockerfile is checked here; `make image-test` builds and runs it."""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import tomllib
from pathlib import Path

import pytest
import requests

from service.api import create_app
from service.config import Limits, Settings
from service.config.settings import env_table
from service.models import ROLES
from tests.conftest import REPO, start_gunicorn
from tests.test_http_limits import assert_oversize_answered

DEPLOY = REPO / "service" / "deploy"
APP_SPEC = "service.api:create_app()"


def _dockerfile() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    text = (DEPLOY / "Dockerfile").read_text()
    lines = [ln for ln in text.splitlines() if not ln.lstrip().startswith("#")]
    joined = re.sub(r"\\\n", " ", "\n".join(lines))
    out = []
    for line in joined.splitlines():
        if line.strip():
            word, _, rest = line.strip().partition(" ")
            out.append((word.upper(), rest.strip()))
    return out


def _import_factory(spec: str) -> object:
    module, _, call = spec.partition(":")
    assert call.endswith("()"), spec
    return getattr(importlib.import_module(module), call[:-2])


OVERSIZE_LIMIT = 100_000

# --- gunicorn, live ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def gunicorn_server(tiny_dir: Path) -> object:
    proc, base, log_path = start_gunicorn(tiny_dir, {
        "RINGKAS_MAX_REQUEST_BYTES": str(OVERSIZE_LIMIT), "RINGKAS_READ_TIMEOUT": "2"})
    try:
        yield proc, base, log_path
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


# Before test_gunicorn_serves_the_app, which stops the server.
def test_gunicorn_answers_oversize_bodies_with_a_json_413(
        gunicorn_server: tuple[subprocess.Popen[bytes], str, Path], tmp_path: Path) -> None:
    assert_oversize_answered(gunicorn_server[1], OVERSIZE_LIMIT, tmp_path)


def test_gunicorn_cuts_slow_clients_and_keeps_answering_health(
        gunicorn_server: tuple[subprocess.Popen[bytes], str, Path]) -> None:
    from service.config import Settings

    base = gunicorn_server[1]
    port = int(base.rsplit(":", 1)[1])
    s = Settings()
    threads = s.inflight_limit + s.server.max_queue + 2
    slow = [socket.create_connection(("127.0.0.1", port), timeout=5)
            for _ in range(threads * 2)]  # every request thread, twice over
    health: list[int] = []

    def check() -> None:
        health.append(requests.get(f"{base}/v1/health", timeout=15).status_code)

    try:
        for sock in slow:
            sock.sendall(b"G")
        checker = threading.Thread(target=check)
        began = time.monotonic()
        checker.start()
        while time.monotonic() - began < 8:  # a byte each, every half second
            for sock in slow:
                with contextlib.suppress(OSError):
                    sock.sendall(b"E")
            time.sleep(0.5)
        checker.join(15)
        assert health == [200]
    finally:
        for sock in slow:
            sock.close()


def test_gunicorn_serves_the_app(gunicorn_server: tuple[subprocess.Popen[bytes], str, Path],
                                 ) -> None:
    proc, base, log_path = gunicorn_server
    ready = requests.get(f"{base}/v1/ready", timeout=10)
    assert ready.status_code == 200 and ready.json()["status"] == "ready"
    resp = requests.post(f"{base}/v1/translate", timeout=120, headers={"X-Request-ID": "gu-1"},
                         json={"text": "Pabrik baru di Bogor.", "source": "id", "target": "en"})
    assert resp.status_code == 200, resp.text
    assert resp.json()["translation"] and resp.headers["X-Request-ID"] == "gu-1"
    assert requests.get(f"{base}/", timeout=10).status_code == 200  # the web page too
    bad = requests.post(f"{base}/v1/translate", timeout=10, json={"text": ""})
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "empty_text"

    # The config's logging reaches the output: ringkas's access line (request id, no text),
    # once; gunicorn's own access log is off.
    log = log_path.read_text()
    lines = [ln for ln in log.splitlines() if "request_id=gu-1 " in ln]
    assert len(lines) == 1 and "path=/v1/translate status=200" in lines[0], log
    assert "Pabrik" not in log
    assert "Using worker: service.gunicorn_worker.Worker" in log

    # SIGTERM: a graceful stop, exit status 0.
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=60) == 0, log_path.read_text()


def test_gunicorn_config_follows_the_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    def load(**env: str) -> dict[str, object]:
        for name in [n for n in os.environ if n.startswith(("RINGKAS_", "GUNICORN_"))]:
            monkeypatch.delenv(name)
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        scope: dict[str, object] = {}
        code = (DEPLOY / "gunicorn.conf.py").read_text()
        exec(compile(code, "gunicorn.conf.py", "exec"), scope)
        return scope

    conf = load()
    s = Settings()
    assert conf["bind"] == ["127.0.0.1:8000"]
    assert conf["workers"] == 1 and conf["worker_class"] == "service.gunicorn_worker.Worker"
    assert conf["threads"] == s.inflight_limit + s.server.max_queue + 2 == 8 + 16 + 2
    assert conf["preload_app"] is False
    assert isinstance(conf["graceful_timeout"], int)
    assert conf["graceful_timeout"] > s.server.request_timeout_s
    conf = load(RINGKAS_PORT="9001", RINGKAS_HOST="0.0.0.0", RINGKAS_MAX_QUEUE="40",
                RINGKAS_REQUEST_TIMEOUT="300")
    assert conf["bind"] == ["0.0.0.0:9001"] and conf["threads"] == 8 + 40 + 2
    assert conf["graceful_timeout"] == 305


# --- Dockerfile (built and run by make image-test: tests/test_image.py) ---------------------


def _stages() -> dict[str, list[tuple[str, str]]]:
    """Each build stage's instructions, by its name (FROM ... AS NAME)."""
    stages: dict[str, list[tuple[str, str]]] = {}
    current: list[tuple[str, str]] | None = None
    for kind, args in _dockerfile():
        if kind == "FROM":
            current = stages.setdefault(args.split()[-1], [])
        if current is not None:
            current.append((kind, args))
    return stages


def test_dockerfile_refers_to_real_things() -> None:
    instructions = _dockerfile()
    kinds = [k for k, _ in instructions]
    # The base image is a build argument (make image passes a bootstrapped one).
    assert instructions[0][0] == "ARG" and instructions[0][1].startswith("BASE_IMAGE=")
    assert instructions[1] == ("FROM", "${BASE_IMAGE} AS base")
    stages = _stages()
    assert list(stages) == ["base", "runtime", "converter"]
    assert stages["runtime"][0] == ("FROM", "base AS runtime")
    assert stages["converter"][0] == ("FROM", "runtime AS converter")
    runtime = stages["runtime"]
    runtime_kinds = [k for k, _ in runtime]
    assert "USER" in runtime_kinds and "HEALTHCHECK" in runtime_kinds
    # Runs as the unprivileged user the base creates, from the USER line on.
    user = next(args for k, args in runtime if k == "USER")
    assert user not in {"root", "0"}
    assert any(k == "RUN" and re.search(rf"useradd --system .*\b{user}\b", a)
               for k, a in stages["base"])
    assert runtime_kinds.index("USER") < runtime_kinds.index("CMD")
    assert [a for k, a in stages["converter"] if k == "USER"][-1] == user

    copied = set()
    for kind, args in instructions:
        if kind == "COPY":
            *sources, _ = args.split()
            for src in sources:
                assert (REPO / src).exists(), f"COPY {src}: no such file in the repository"
                copied.add(src)
    # Every package pyproject.toml installs (the CLI imports eval; their data is package
    # data) and the files the build reads.
    project = tomllib.loads((REPO / "pyproject.toml").read_text())
    packages = {p.rstrip("*") for p in project["tool"]["setuptools"]["packages"]["find"]
                ["include"]}
    assert packages | {"pyproject.toml", project["project"]["readme"]} <= copied
    ignore = (DEPLOY / "Dockerfile.dockerignore").read_text().split()
    assert ".venv" in ignore and not set(ignore) & copied

    # The CPU torch, pinned as in pyproject.toml, from PyTorch's CPU index: in the converter
    # only (tests/test_image.py checks the runtime's requirements leave it out).
    pyproject = (REPO / "pyproject.toml").read_text()
    torch_pin = re.search(r'"(torch==[^"]+)"', pyproject)
    assert torch_pin is not None
    assert any(k == "RUN" and "download.pytorch.org/whl/cpu" in a and torch_pin.group(1) in a
               for k, a in stages["converter"])
    assert not any(k == "RUN" and "torch==" in a for k, a in stages["base"] + runtime)
    # The deploy extra (gunicorn) with the dependencies, ringkas itself without them.
    runs = [a for k, a in runtime if k == "RUN"]
    assert any('["deploy"]' in a for a in runs) and "deploy = [" in pyproject
    # A dependency this repository holds (the client) is installed from it, before ringkas:
    # never fetched from an index under its name.
    client = tomllib.loads((REPO / "clients/python/pyproject.toml").read_text())
    assert any(d.startswith(client["project"]["name"]) for d in project["project"]
               ["dependencies"])
    local = next(i for i, a in enumerate(runs) if "pip install ./clients/python" in a)
    assert local < next(i for i, a in enumerate(runs) if "pip install --no-deps" in a)
    assert "clients/python" in copied

    # ENV names the app reads.
    known = {var for _, var, _ in env_table()} | {"RINGKAS_MODELS_DIR", "RINGKAS_CONFIG"}
    known |= {r.env_var for r in ROLES.values()} | {r.revision_env_var for r in ROLES.values()}
    env_args = " ".join(a for k, a in instructions if k == "ENV")
    for var in re.findall(r"(RINGKAS_[A-Z_]+)=", env_args):
        assert var in known, var
    assert "HF_HUB_OFFLINE=1" in " ".join(a for k, a in runtime if k == "ENV")
    # The user has no home: what the service writes goes to the volumes it owns (/data:
    # keys and jobs; /cache: the CTranslate2 conversions the converter fills).
    assert "--no-create-home" in " ".join(a for k, a in stages["base"] if k == "RUN")
    assert "RINGKAS_CT2_CACHE=/cache/" in env_args and "RINGKAS_KEYS_DB=/data/" in env_args
    assert "RINGKAS_DATA_DIR=/data/" in env_args  # jobs too
    volumes = json.loads(next(a for k, a in runtime if k == "VOLUME"))
    assert {"/models", "/data", "/cache"} <= set(volumes)

    # CMD: ringkas serve (the console script pyproject.toml installs); the gunicorn config
    # is in the image too, at the path docs/deploy.md names.
    cmd = json.loads(next(a for k, a in runtime if k == "CMD"))
    assert cmd == ["ringkas", "serve"] and "ringkas" in project["project"]["scripts"]
    assert "service" in copied and (DEPLOY / "gunicorn.conf.py").is_file()
    assert callable(_import_factory(APP_SPEC))

    # The health check asks a route the app has, on the port it listens on.
    check = next(a for k, a in runtime if k == "HEALTHCHECK")
    path = re.search(r"http://127\.0\.0\.1:%s(/\S+?)'", check)
    assert path is not None, check
    app = create_app(Settings(), engines={})
    assert path.group(1) in {r.rule for r in app.url_map.iter_rules()}
    assert "EXPOSE 8000" in [f"{k} {a}" for k, a in runtime]
    assert ("HEALTHCHECK", "NONE") in stages["converter"]
    assert kinds.count("CMD") == 2


# --- systemd ------------------------------------------------------------------------------


def _unit() -> dict[str, list[str]]:
    values: dict[str, list[str]] = {}
    for line in (DEPLOY / "ringkas.service").read_text().splitlines():
        if "=" in line and not line.startswith(("#", "[")):
            key, _, value = line.partition("=")
            values.setdefault(key.strip(), []).append(value.strip())
    return values


def test_systemd_unit() -> None:
    unit = _unit()
    assert unit["Restart"] == ["on-failure"]
    assert unit["KillMode"] == ["mixed"] and unit["KillSignal"] == ["SIGTERM"]
    from service.server import EXIT_DRAIN_TIMED_OUT  # a timed-out drain is still a clean stop
    assert unit["SuccessExitStatus"] == [str(EXIT_DRAIN_TIMED_OUT)]
    stop = int(unit["TimeoutStopSec"][0])
    # the drain plus writing the last responses
    assert stop >= Settings().server.drain_timeout_s + 10
    assert any(v.lstrip("-") == "/etc/ringkas/ringkas.env" for v in unit["EnvironmentFile"])
    for hardening in ("NoNewPrivileges", "ProtectHome", "PrivateTmp", "RestrictSUIDSGID"):
        assert unit[hardening] == ["yes"], hardening
    assert unit["ProtectSystem"] == ["strict"] and unit["User"] == ["ringkas"]
    # ProtectSystem=strict and ProtectHome: what the service writes (the key database, the
    # models converted to CTranslate2) must lie in the writable state directory.
    for var in ("RINGKAS_KEYS_DB", "RINGKAS_CT2_CACHE", "RINGKAS_DATA_DIR"):
        value = next(v for v in unit["Environment"] if v.startswith(f"{var}="))
        assert value.split("=", 1)[1].startswith(f"/var/lib/{unit['StateDirectory'][0]}/")
    argv = shlex.split(unit["ExecStart"][0])
    assert argv[0].endswith("/bin/ringkas") and argv[1:] == ["serve"]


def test_systemd_unit_verifies(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed")
    # The binary must exist for verify: point ExecStart at this interpreter.
    text = (DEPLOY / "ringkas.service").read_text()
    text = text.replace("/opt/ringkas/.venv/bin/ringkas", sys.executable)
    (tmp_path / "ringkas.service").write_text(text)
    out = subprocess.run([analyze, "verify", str(tmp_path / "ringkas.service")],
                         capture_output=True, text=True, timeout=60)
    messages = [ln for ln in (out.stdout + out.stderr).splitlines() if ln.strip()]
    assert out.returncode == 0 and messages == [], messages


# --- nginx --------------------------------------------------------------------------------


def _size(value: str) -> int:
    units = {"k": 1024, "m": 1024**2, "g": 1024**3}
    return int(value[:-1]) * units[value[-1].lower()] if value[-1].isalpha() else int(value)


def test_nginx_config_matches_the_limits() -> None:
    conf = (DEPLOY / "nginx.conf").read_text()
    directives = dict(re.findall(r"^\s*([a-z_]+)\s+([^;]*);", conf, flags=re.M))
    # Bodies up to the app's limit must reach the app (its JSON 413 names the limit).
    assert _size(directives["client_max_body_size"]) >= Limits().max_request_bytes
    # nginx waits longer than the app's own deadline, which answers a JSON 504 first.
    assert int(directives["proxy_read_timeout"].rstrip("s")) > Settings().server.request_timeout_s
    assert "X-Forwarded-For $proxy_add_x_forwarded_for" in conf
    assert "X-Request-ID $ringkas_request_id" in conf
    assert "RINGKAS_TRUSTED_PROXIES=1" in conf
    # Slow clients stop at the proxy: a stalled header or body is cut sooner than ringkas
    # would cut it, and an address has a bounded number of connections.
    for name in ("client_header_timeout", "client_body_timeout"):
        assert int(directives[name].rstrip("s")) <= Settings().server.request_read_timeout_s
    assert directives["limit_conn"].split()[0] == "ringkas_conn"
    assert conf.count("{") == conf.count("}")


# --- Documentation (README.md and docs/) -----------------------------------------------------


def _docs() -> str:
    """README.md and every docs/*.md page, for facts that must not be stated anywhere."""
    pages = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
    return "\n".join(p.read_text() for p in pages)


def test_docs_name_exactly_the_public_routes() -> None:
    from service.contract.routes import PUBLIC_PATHS, PUBLIC_PREFIXES

    cli = (REPO / "docs" / "cli.md").read_text()
    section = cli.split("### API keys", 1)[1].split("\n#", 1)[0]
    public = section.split("public ones:", 1)[1].split("(the page asks", 1)[0]
    named = set(re.findall(r"`(/[^`]*)`", public))
    assert named >= PUBLIC_PATHS
    for prefix in PUBLIC_PREFIXES:
        assert prefix in named or prefix.rstrip("/") in named, prefix
    assert named <= {*PUBLIC_PATHS, *PUBLIC_PREFIXES,
                     *(p.rstrip("/") for p in PUBLIC_PREFIXES)}
    assert "every route but health/ready" not in _docs()


def test_docs_document_every_setting() -> None:
    configuration = (REPO / "docs" / "configuration.md").read_text()
    for _, var, _ in env_table():
        assert f"`{var}`" in configuration, var
    deploy = (REPO / "docs" / "deploy.md").read_text()
    for path in ("service/deploy/Dockerfile", "service/deploy/ringkas.service",
                 "service/deploy/nginx.conf", "service/deploy/gunicorn.conf.py"):
        assert path in deploy and (REPO / path).is_file(), path
    assert APP_SPEC in deploy
