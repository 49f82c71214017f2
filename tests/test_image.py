"""`make image` and `make image-test` (docs/deploy.md, "Container images"), checked cheaply:
the runtime image's requirements leave torch out, the Makefile passes podman's flags, the
build script bootstraps a base once and reuses it, and the image test owns what it starts.
`make test` builds and runs the images themselves (tests/setup/image-test)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

from tests.conftest import REPO
from tests.test_deploy import _stages

BUILD = REPO / "service" / "deploy" / "build-image"
IMAGE_TEST = REPO / "tests" / "setup" / "image-test"
PODMAN_FLAGS = "--runtime runc --cgroup-manager cgroupfs"
CONTAINER_FLAGS = "--network host --ulimit nofile=20000:20000 --ulimit nproc=4096:4096"


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~ \[;]", requirement, maxsplit=1)[0].lower()


def test_the_runtime_requirements_are_the_dependencies_less_torch() -> None:
    """The runtime stage computes its requirements from pyproject.toml: run that code."""
    runs = [a for k, a in _stages()["runtime"] if k == "RUN"]
    snippet = re.compile(r"python3 -c '([^']*tomllib[^']*)'")
    code = next(m.group(1) for a in runs if (m := snippet.search(a)))
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True,
                         text=True, timeout=60, check=True).stdout
    wanted = {_name(line) for line in out.splitlines() if line.strip()}
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    everything = {_name(d) for d in project["dependencies"]}
    assert "torch" in everything and "torch" not in wanted
    # transformers stays: the conversion cache's keys name its version (it imports without
    # torch); the rest of the dependencies and the deploy extra are all there.
    assert wanted == (everything - {"torch"}) | {"gunicorn"}
    assert {"ctranslate2", "transformers", "flask", "waitress"} <= wanted


def test_the_runtime_stage_installs_ringkas_without_its_dependencies() -> None:
    runs = [a for k, a in _stages()["runtime"] if k == "RUN"]
    assert any("pip install --no-deps" in a and 'find_spec("torch") is None' in a
               for a in runs)


def _make(*args: str) -> str:
    done = subprocess.run(["make", "-n", *args], cwd=REPO, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_make_image_passes_the_podman_flags() -> None:
    dry = _make("image")
    assert f'PODMAN_FLAGS="{PODMAN_FLAGS}"' in dry
    assert f'CONTAINER_FLAGS="{CONTAINER_FLAGS}"' in dry
    assert "service/deploy/build-image" in dry and 'IMAGE_CACHE="/var/tmp/' in dry
    # Each is a make variable: a machine that needs others passes them.
    dry = _make("image", "PODMAN_FLAGS=--runtime crun", "BASE_IMAGE=debian:bookworm-slim")
    assert 'PODMAN_FLAGS="--runtime crun"' in dry and 'BASE_IMAGE="debian:bookworm-slim"' in dry
    dry = _make("image-test")
    assert "tests/setup/image-test" in dry and f'CONTAINER_FLAGS="{CONTAINER_FLAGS}"' in dry


def test_make_test_runs_the_image_test() -> None:
    """CI runs `make test` (.ci/run, the README's command): the image test is part of it."""
    makefile = (REPO / "Makefile").read_text()
    test = re.search(r"^test:(.*)$", makefile, flags=re.M)
    assert test is not None and "image-test" in test.group(1).split()
    image_test = re.search(r"^image-test:(.*)$", makefile, flags=re.M)
    assert image_test is not None
    assert image_test.group(1).split()[:2] == ["system-packages", "image"]
    assert (REPO / ".ci" / "run").read_text().strip().endswith("make test")
    packages = (REPO / "tests" / "setup" / "system-packages").read_text().split()
    assert {"podman", "runc", "mmdebstrap"} <= set(packages)


def _stub(bin_dir: Path, name: str, body: str) -> None:
    path = bin_dir / name
    path.write_text(f"#!/usr/bin/env bash\n{body}\n")
    path.chmod(0o755)


def _fake_engine(tmp_path: Path) -> tuple[Path, Path, Path]:
    """A podman that records its calls, knows the images in ``state``, reaches no registry
    unless PULL_OK is set; an mmdebstrap that writes its tarball."""
    bin_dir, state, log = tmp_path / "bin", tmp_path / "images", tmp_path / "calls.log"
    bin_dir.mkdir()
    state.mkdir()
    _stub(bin_dir, "podman", f"""echo "podman $*" >> "{log}"
key() {{ echo "{state}/${{1//\\//_}}"; }}
args=" $* "
case $args in
  *" image inspect "*) [[ -e $(key "${{@: -1}}") ]] ;;
  *" pull "*) [[ -n ${{PULL_OK:-}} ]] && touch "$(key "${{@: -1}}")" ;;
  *" import "*) touch "$(key "${{@: -1}}")" ;;
  *" image ls "*) echo "localhost/ringkas:latest 1 MB" ;;
  *" build "*) exit 0 ;;
  *) exit 2 ;;
esac""")
    _stub(bin_dir, "mmdebstrap", f"""echo "mmdebstrap $*" >> "{log}"
for a; do [[ $a == *.part.tar ]] && echo tarball > "$a"; done; exit 0""")
    return bin_dir, state, log


def _build(bin_dir: Path, log: Path, cache: Path, **env: str) -> list[str]:
    log.write_text("")
    base = {"PATH": f"{bin_dir}:{os.environ['PATH']}", "CONTAINER_ENGINE": "podman",
            "PODMAN_FLAGS": PODMAN_FLAGS, "CONTAINER_FLAGS": CONTAINER_FLAGS,
            "IMAGE_CACHE": str(cache), "CA_BUNDLE": "/etc/hosts", "WHEELS": str(cache)}
    done = subprocess.run(["bash", str(BUILD)], capture_output=True, text=True, timeout=60,
                          env={**{k: v for k, v in os.environ.items()
                                  if k not in {"BASE_IMAGE", "PULL_OK"}}, **base, **env})
    assert done.returncode == 0, done.stdout + done.stderr
    return log.read_text().splitlines()


def test_build_image_bootstraps_a_base_once_where_no_registry_answers(tmp_path: Path) -> None:
    bin_dir, state, log = _fake_engine(tmp_path)
    cache = tmp_path / "cache"
    calls = _build(bin_dir, log, cache)
    boot = [c for c in calls if c.startswith("mmdebstrap")]
    assert len(boot) == 1 and "--include=python3,python3-venv,ca-certificates" in boot[0]
    assert " bookworm " in boot[0] and (cache / "debian-bookworm-base.tar").is_file()
    builds = [c for c in calls if " build " in c]
    assert len(builds) == 2
    for target, build in zip(["runtime", "converter"], builds, strict=True):
        assert build.startswith(f"podman {PODMAN_FLAGS} build ")
        assert CONTAINER_FLAGS in build and f"--target {target}" in build
        assert "--build-arg BASE_IMAGE=localhost/ringkas-base:bookworm" in build
        assert "-v /etc/hosts:/run/host-ca.crt:ro --build-arg PIP_CERT=/run/host-ca.crt" in build
        assert f"-v {cache}:/wheels:ro" in build and "--format docker" in build
    # Again: the imported base is reused (no bootstrap, no import, no registry asked).
    again = _build(bin_dir, log, cache)
    assert not [c for c in again if c.startswith("mmdebstrap") or " import " in c
                or " pull " in c]
    # The image gone, the tarball kept: imported again, not bootstrapped.
    for image in state.iterdir():
        image.unlink()
    again = _build(bin_dir, log, cache)
    assert not [c for c in again if c.startswith("mmdebstrap")]
    assert [c for c in again if " import " in c]


def test_build_image_takes_the_registry_base_or_the_one_given(tmp_path: Path) -> None:
    bin_dir, _, log = _fake_engine(tmp_path)
    cache = tmp_path / "cache"
    calls = _build(bin_dir, log, cache, PULL_OK="1")
    assert not [c for c in calls if c.startswith("mmdebstrap")]
    assert all("--build-arg BASE_IMAGE=docker.io/library/debian:bookworm-slim" in c
               for c in calls if " build " in c)
    calls = _build(bin_dir, log, cache, BASE_IMAGE="example.org/debian:12", CA_BUNDLE="")
    assert not [c for c in calls if c.startswith("mmdebstrap") or " pull " in c]
    builds = [c for c in calls if " build " in c]
    assert builds and all("--build-arg BASE_IMAGE=example.org/debian:12" in c
                          and "PIP_CERT" not in c for c in builds)


def test_the_image_test_fails_without_its_engine(tmp_path: Path) -> None:
    """Never skipped silently: no podman, no pass."""
    for script in (IMAGE_TEST, BUILD):
        done = subprocess.run(["bash", str(script)], capture_output=True, text=True,
                              timeout=60, env={**os.environ,
                                               "CONTAINER_ENGINE": "no-such-engine"})
        assert done.returncode != 0 and "no-such-engine is not installed" in done.stderr


def test_the_image_test_owns_what_it_starts() -> None:
    text = IMAGE_TEST.read_text()
    for script in (IMAGE_TEST, BUILD):
        subprocess.run(["bash", "-n", str(script)], check=True, timeout=30)
    assert "trap cleanup EXIT" in text and 'rm -f -t 0 "$c"' in text
    # Unprivileged, read-only, on loopback only.
    assert "--user \"$USER_ID:$USER_ID\" --read-only --cap-drop ALL" in text
    assert "-e RINGKAS_HOST=127.0.0.1" in text and "0.0.0.0" not in text
    assert '"${engine[@]}" kill --signal TERM "$name"' in text and "wait \"$name\"" in text
    for route in ("/v1/health", "/v1/ready", "/v1/summarize"):
        assert route in text
