"""tests/setup/install-system-packages (part of `make test`): what it installs starts no
service and leaves none enabled."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from tests.conftest import REPO

SCRIPT = REPO / "tests" / "setup" / "install-system-packages"


def _stub(bin_dir: Path, name: str, body: str) -> None:
    path = bin_dir / name
    path.write_text(f"#!/usr/bin/env bash\n{body}\n")
    path.chmod(0o755)


def test_installing_leaves_no_service_running_or_enabled(tmp_path: Path) -> None:
    bin_dir, log = tmp_path / "bin", tmp_path / "calls.log"
    bin_dir.mkdir()
    policy = tmp_path / "policy-rc.d"
    _stub(bin_dir, "dpkg-query", "exit 1")  # nothing installed yet
    _stub(bin_dir, "sudo", 'exec "$@"')
    _stub(bin_dir, "id", "echo 0")
    # apt-get records whether package scripts could have started a service meanwhile.
    _stub(bin_dir, "apt-get", f'echo "apt-get $* policy=$("{policy}"; echo $?)" >> "{log}"')
    _stub(bin_dir, "systemctl", f'echo "systemctl $*" >> "{log}"')
    result = subprocess.run(["bash", str(SCRIPT)], capture_output=True, text=True, timeout=60,
                            env={**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}",
                                 "RINGKAS_POLICY_RC_D": str(policy)})
    assert result.returncode == 0, result.stderr
    assert "no service is left running or enabled" in result.stdout
    calls = log.read_text().splitlines()
    install = next(c for c in calls if c.startswith("apt-get") and " install " in c)
    assert "redis-server" in install and install.endswith("policy=101")
    assert "postgresql" in install.split()
    assert "systemctl disable redis-server.service" in calls
    assert "systemctl disable postgresql.service" in calls
    assert not policy.exists()  # the policy was only for the install
