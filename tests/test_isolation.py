"""Each instance's own state: a second instance on the same jobs data dir is refused (at
start) or not ready (503 jobs_unavailable), and no test reaches the user's home."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

from service.api import create_app
from service.api.runtime import services_of
from service.config import Settings
from service.engine import Engine
from tests.conftest import REPO, _free_port, start_server, stop_server

JOB = {"items": [{"kind": "translate", "text": "Dia pergi ke pasar.", "target": "en"}]}


def test_tests_run_with_a_private_home(private_home: Path, settings: Settings,
                                       tmp_path: Path) -> None:
    assert Path(os.environ["HOME"]) == private_home
    assert Path(Settings().data_dir).expanduser().is_relative_to(private_home)
    assert Path(settings.data_dir).is_relative_to(tmp_path)
    assert Path(settings.auth.keys_db).is_relative_to(tmp_path)
    # nor a shared database of the user's: the keys are in that file
    assert "RINGKAS_DATABASE_URL" not in os.environ and Settings.from_env().database_url == ""


def test_a_second_app_on_the_same_data_dir_is_not_ready(
        settings: Settings, engines: Mapping[str, Engine]) -> None:
    first = create_app(settings, engines=engines)
    second = create_app(settings, engines=engines)
    try:
        assert second.test_client().get("/v1/ready").status_code == 200  # nobody holds it yet
        assert first.test_client().post("/v1/jobs", json=JOB).status_code == 202
        ready = second.test_client().get("/v1/ready")
        assert ready.status_code == 503
        error = ready.get_json()["error"]
        assert error["code"] == "jobs_unavailable"
        assert error["details"]["data_dir"] == str(Path(settings.data_dir))
        assert str(os.getpid()) in error["message"]  # the holder, by pid
        assert first.test_client().get("/v1/ready").status_code == 200  # the owner is fine
    finally:
        services_of(first).jobs.stop()
        services_of(second).jobs.stop()
    # Released: the dir is free again for whoever comes next.
    assert second.test_client().get("/v1/ready").status_code == 200


def test_serve_refuses_a_data_dir_another_instance_holds(tiny_dir: Path,
                                                         tmp_path: Path) -> None:
    data = tmp_path / "shared-data"
    proc, _ = start_server(tiny_dir, {"RINGKAS_DATA_DIR": str(data)})
    try:
        second = subprocess.run(
            [sys.executable, "-m", "service", "serve", "--host", "127.0.0.1", "--port",
             str(_free_port()), "--models", str(tiny_dir)], cwd=REPO, capture_output=True,
            text=True, timeout=120,
            env={**os.environ, "HF_HUB_OFFLINE": "1", "RINGKAS_DATA_DIR": str(data)})
        assert second.returncode == 2, second.stderr[-2000:]
        assert "error [data_dir_in_use]" in second.stderr
        assert str(data) in second.stderr and f"pid {proc.pid}" in second.stderr
        assert "Traceback" not in second.stderr
    finally:
        stop_server(proc)
