"""Shared fixtures: tiny random-weight models built once per session, loaded for real."""

from __future__ import annotations

import dataclasses
import itertools
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
from redis import Redis

from service.config import Settings
from service.engine import Engine, EngineWrapper, GenerationParams
from service.engine.loading import load_engines
from service.models import resolve_specs
from service.tiny import build_arch, make_tiny
from tests.openapi_check import ValidatingClient
from tests.postgres import PostgresCluster, postgres_bindir


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


REPO = Path(__file__).resolve().parent.parent
SEED = REPO / "seeds" / "000_d67792ced336d87c.txt"


@pytest.fixture(scope="session", autouse=True)
def private_home(pytestconfig: pytest.Config) -> Path:
    """HOME of this process and everything it starts (see pytest_configure)."""
    return pytestconfig.stash[_HOME][0]


def shared_dir(tmp_path_factory: pytest.TempPathFactory, name: str) -> Path:
    """A directory of this test run: the one every pytest-xdist worker shares (their base
    temp's parent), or the session's own without xdist."""
    base = tmp_path_factory.getbasetemp()
    path = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / name
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="session", autouse=True)
def ct2_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One CTranslate2 conversion cache for the test run (every worker), this process and
    every server, CLI and worker it starts: never the user's ~/.cache. Conversions into it
    are locked per entry (service/engine/ct2_cache.py), so workers convert each model once."""
    path = shared_dir(tmp_path_factory, "ct2-cache")
    before = os.environ.get("RINGKAS_CT2_CACHE")
    os.environ["RINGKAS_CT2_CACHE"] = str(path)
    yield path
    if before is None:
        os.environ.pop("RINGKAS_CT2_CACHE", None)
    else:
        os.environ["RINGKAS_CT2_CACHE"] = before


@pytest.fixture(scope="session")
def seed_text() -> str:
    return SEED.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def tiny_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every role's tiny model, as ``ringkas models make-tiny`` writes them: built once per
    test run, by the first worker to get here, so every worker (and the conversion cache)
    sees the same models."""
    from filelock import FileLock

    root = shared_dir(tmp_path_factory, "tiny")
    out = root / "models"
    with FileLock(str(root / "build.lock")):
        if not (root / "built").exists():
            shutil.rmtree(out, ignore_errors=True)
            make_tiny(out)
            (root / "built").touch()
    return out


@pytest.fixture(scope="session")
def arch_dirs(tiny_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One tiny model directory per architecture: Marian, BART and mT5."""
    return {
        "marian": tiny_dir / "translate_id_en",
        "bart": tiny_dir / "summarize",
        "t5": build_arch("t5", tmp_path_factory.mktemp("tiny-t5")),
    }


@pytest.fixture(scope="session")
def engines(tiny_dir: Path) -> dict[str, Engine]:
    """The tiny models loaded through the same path the service uses for hub models."""
    return load_engines(resolve_specs(models_dir=tiny_dir, env={}))


def with_limits(settings: Settings, **changes: int) -> Settings:
    """``settings`` with some request limits changed, as a config file would change them."""
    return settings.changed(**changes)


@pytest.fixture()
def settings(tiny_dir: Path, ct2_cache: Path, tmp_path: Path) -> Settings:
    # Each test's own data dir and key database (two apps on one dir are two instances).
    return Settings.from_env(env={"RINGKAS_CT2_CACHE": str(ct2_cache),
                                  "RINGKAS_DATA_DIR": str(tmp_path / "data"),
                                  "RINGKAS_KEYS_DB": str(tmp_path / "keys.sqlite3")},
                             models_dir=str(tiny_dir))


class RecordingEngine(EngineWrapper):
    """Wraps a real engine and records what reaches it (inputs and params)."""

    def __init__(self, inner: Engine) -> None:
        super().__init__(inner)
        self.calls: list[tuple[list[str], GenerationParams | None]] = []
        self.outputs: dict[str, str] = {}  # input text -> what the engine returned for it

    def generate(self, texts: Sequence[str], params: GenerationParams | None = None) -> list[str]:
        self.calls.append((list(texts), params))
        out = self.inner.generate(texts, params)
        self.outputs.update(zip(texts, out, strict=True))
        return out

    @property
    def inputs(self) -> list[str]:
        return [t for texts, _ in self.calls for t in texts]


@pytest.fixture()
def recording(engines: Mapping[str, Engine]) -> Iterator[dict[str, RecordingEngine]]:
    yield {role: RecordingEngine(e) for role, e in engines.items()}


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    """A throwaway redis-server on a free loopback port, for one test module."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed; tests/setup/install-system-packages "
                    "installs it (Debian package redis-server)")
    port = _free_port()
    proc = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "no"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.STDOUT)
    url = f"redis://127.0.0.1:{port}/0"
    end = time.monotonic() + 20
    while True:
        try:
            Redis.from_url(url).ping()
            break
        except Exception:
            if time.monotonic() > end or proc.poll() is not None:
                proc.kill()
                pytest.fail("redis-server did not start")
            time.sleep(0.1)
    try:
        yield url
    finally:
        stop_server(proc, 10)


_DATABASES = itertools.count()


@contextmanager
def own_postgres() -> Iterator[PostgresCluster]:
    """A throwaway PostgreSQL cluster on a free loopback port, started; stopped (its
    process group ended) and removed however the block ends."""
    bindir = postgres_bindir()
    if bindir is None:
        pytest.skip("PostgreSQL is not installed; tests/setup/install-system-packages "
                    "installs it (Debian package postgresql)")
    cluster = PostgresCluster(bindir)
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.remove()


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresCluster]:
    """One cluster for the session (own_postgres)."""
    with own_postgres() as cluster:
        yield cluster


@pytest.fixture()
def pg_url(postgres: PostgresCluster, request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh, empty database on the session's cluster, for one test."""
    test = "".join(c if c.isalnum() else "_" for c in request.node.name)[-40:].lower()
    name = f"t_{os.getpid()}_{next(_DATABASES)}_{test}"
    postgres.drop_database(name)
    try:
        yield postgres.create_database(name)
    finally:
        postgres.drop_database(name)


READY_TIMEOUT_S = 280  # under the suite's 300 s per-test timeout, which counts fixture setup


def start_server(tiny_dir: Path, env: Mapping[str, str] | None = None,
                 ) -> tuple[subprocess.Popen[str], str]:
    """Start `ringkas serve` on a free loopback port and wait until /v1/ready is 200. Its
    output goes to a file (``proc.log_path``): an unread pipe would block the server."""
    port = _free_port()
    log_path = Path(tempfile.mkstemp(prefix="ringkas-serve-", suffix=".log")[1])
    # Its own data dir and key database: never the developer's (~/.local/share/ringkas).
    state = Path(tempfile.mkdtemp(prefix="ringkas-serve-state-"))
    with log_path.open("w") as log_file:
        proc = subprocess.Popen(
            [sys.executable, "-m", "service", "serve", "--host", "127.0.0.1", "--port",
             str(port), "--models", str(tiny_dir)],
            env={**os.environ, "HF_HUB_OFFLINE": "1", "RINGKAS_DATA_DIR": str(state / "data"),
                 "RINGKAS_KEYS_DB": str(state / "keys.sqlite3"), **(env or {})},
            stdout=log_file, stderr=subprocess.STDOUT, text=True)
    proc.log_path = log_path  # type: ignore[attr-defined]
    base = f"http://127.0.0.1:{port}"
    # A failure bound, not a timing check: a session's first server converts the stand-ins
    # to CTranslate2 (a child process per role), minutes on a busy 2-core machine.
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"server exited early:\n{log_path.read_text()}")
        try:
            if requests.get(f"{base}/v1/ready", timeout=2).status_code == 200:
                return proc, base
        except requests.ConnectionError:
            time.sleep(0.3)
    stop_server(proc)
    pytest.fail(f"server did not become ready within {READY_TIMEOUT_S} s")


def start_gunicorn(tiny_dir: Path, env: Mapping[str, str] | None = None,
                   ) -> tuple[subprocess.Popen[bytes], str, Path]:
    """gunicorn with the shipped config (service/deploy/gunicorn.conf.py) and the app
    factory, on a free loopback port, once /v1/ready is 200: (process, base URL, log)."""
    gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent)) or \
        shutil.which("gunicorn")
    if gunicorn is None:
        pytest.skip("gunicorn is not installed (pip install -e '.[test]')")
    port = _free_port()
    log_path = Path(tempfile.mkstemp(prefix="ringkas-gunicorn-", suffix=".log")[1])
    state = Path(tempfile.mkdtemp(prefix="ringkas-gunicorn-state-"))
    full = {**os.environ, "HF_HUB_OFFLINE": "1", "RINGKAS_MODELS_DIR": str(tiny_dir),
            "RINGKAS_HOST": "127.0.0.1", "RINGKAS_PORT": str(port),
            "RINGKAS_DATA_DIR": str(state / "data"),
            "RINGKAS_KEYS_DB": str(state / "keys.sqlite3"),
            "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
            **(env or {})}
    with log_path.open("w") as log:
        proc = subprocess.Popen([gunicorn, "-c", str(REPO / "service" / "deploy" /
                                                     "gunicorn.conf.py"),
                                 "service.api:create_app()"],
                                cwd=REPO, env=full, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + READY_TIMEOUT_S
    while True:
        if proc.poll() is not None:
            pytest.fail(f"gunicorn exited early:\n{log_path.read_text()}")
        if time.monotonic() > deadline:
            stop_server(proc)
            pytest.fail(f"gunicorn not ready within {READY_TIMEOUT_S} s:\n"
                        f"{log_path.read_text()}")
        try:
            if requests.get(f"{base}/v1/ready", timeout=2).status_code == 200:
                return proc, base, log_path
        except (requests.ConnectionError, requests.Timeout):  # the worker is still loading
            pass
        time.sleep(0.3)


def poll_job(base: str, job_id: str, until: Any, timeout_s: float = 180) -> dict[str, Any]:
    """GET /v1/jobs/<id> until ``until(body)`` holds (fails the test after ``timeout_s``)."""
    end = time.monotonic() + timeout_s
    body: dict[str, Any] = {}
    while time.monotonic() < end:
        body = requests.get(f"{base}/v1/jobs/{job_id}", timeout=10).json()
        if until(body):
            return body
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} never reached the state wanted: "
                         f"{body.get('progress')}")


def stop_server(proc: subprocess.Popen[Any], timeout_s: float = 30) -> None:
    """SIGTERM, then SIGKILL after ``timeout_s``: it never raises, so the cleanup after it
    in a ``finally`` still runs."""
    proc.terminate()
    try:
        proc.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


# The live servers' request deadline: summarising the whole seed article took up to 112 s on
# a busy 2-core machine, close to the default 120 s, and deadlines are not what the tests on
# them are about (test_overload.py covers them, on servers of its own).
LIVE_REQUEST_TIMEOUT = "270"


@pytest.fixture(scope="session")
def server(tiny_dir: Path) -> Iterator[str]:
    """The real `ringkas serve` process on loopback with the tiny models, keys off."""
    proc, base = start_server(tiny_dir, {"RINGKAS_REQUEST_TIMEOUT": LIVE_REQUEST_TIMEOUT})
    try:
        yield base
    finally:
        stop_server(proc)


@dataclass(frozen=True)
class KeyedServer:
    """`ringkas serve` with API keys required and suggestions on; each test module adds the
    keys it needs (the server reads the key database on every request)."""

    base: str
    keys_db: Path
    data_dir: Path

    def add_key(self, name: str, **options: Any) -> tuple[int, str]:
        """(id, plaintext) of a new key; ``options`` as KeyStore.add takes them."""
        from service.auth.store import KeyStore

        return KeyStore(self.keys_db).add(name, **options)


@pytest.fixture(scope="session")
def keyed_server(tiny_dir: Path, tmp_path_factory: pytest.TempPathFactory,
                 ) -> Iterator[KeyedServer]:
    """The one live server with keys required, shared by every module that needs one."""
    state = tmp_path_factory.mktemp("keyed-server")
    found = KeyedServer("", state / "keys.sqlite3", state / "data")
    proc, base = start_server(tiny_dir, {
        "RINGKAS_REQUIRE_API_KEYS": "1", "RINGKAS_KEYS_DB": str(found.keys_db),
        "RINGKAS_SUGGESTIONS": "1", "RINGKAS_DATA_DIR": str(found.data_dir),
        "RINGKAS_REQUEST_TIMEOUT": LIVE_REQUEST_TIMEOUT})
    try:
        yield dataclasses.replace(found, base=base)
    finally:
        stop_server(proc)


@pytest.fixture(autouse=True)
def _responses_match_openapi(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every Flask test client validates every response against the app's /openapi.json."""
    from flask import Flask

    monkeypatch.setattr(Flask, "test_client_class", ValidatingClient)


# --- the session: a private HOME; make test: a test it is meant to run must run -------------

_HOME = pytest.StashKey[tuple[Path, dict[str, str | None]]]()
# HOME and what would name the user's own state instead of it: the XDG folders, and a
# shared database (every process of a deployment would use it).
_HOME_VARS = ("HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_CONFIG_HOME",
              "RINGKAS_DATABASE_URL")


def pytest_configure(config: pytest.Config) -> None:
    # Before any test module is imported (transformers and huggingface_hub fix their cache
    # paths from HOME at import): a default path (~/.local/share/ringkas, ~/.cache) never
    # reaches the user's own, in this process or anything it starts.
    home = Path(tempfile.mkdtemp(prefix="ringkas-test-home-"))
    config.stash[_HOME] = (home, {n: os.environ.get(n) for n in _HOME_VARS})
    os.environ["HOME"] = str(home)
    for name in _HOME_VARS[1:]:
        os.environ.pop(name, None)


def pytest_unconfigure(config: pytest.Config) -> None:
    if _HOME not in config.stash:
        return
    home, before = config.stash[_HOME]
    for name, value in before.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    shutil.rmtree(home, ignore_errors=True)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Under ``make test`` (RINGKAS_NO_SKIPS=1) a skipped test fails the run: a browser,
    Redis or deploy test that cannot run is a broken setup, not a pass. Skips of whole
    modules (pytest.importorskip) count too."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is None or os.environ.get("RINGKAS_NO_SKIPS") != "1":
        return
    skipped = sorted({r.nodeid or str(getattr(r, "fspath", "")) for r in
                      reporter.stats.get("skipped", []) if not hasattr(r, "wasxfail")})
    if skipped:
        reporter.write_line(f"FAILED: {len(skipped)} test(s) skipped under make test "
                            "(RINGKAS_NO_SKIPS=1):", red=True)
        for nodeid in skipped:
            reporter.write_line(f"  {nodeid}", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
