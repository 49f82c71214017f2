# Each target sets up what it needs on a fresh machine: a virtualenv in .venv with ringkas
# installed (torch pinned to the 2.13.0 CPU build in pyproject.toml).
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
ARGS ?=

.PHONY: serve test lint setup system-packages node-clients image image-test

# pip shows what it fetches and installs (minutes on a fresh machine), a line a package.
CLIENT := clients/python
$(STAMP): pyproject.toml $(CLIENT)/pyproject.toml $(wildcard $(CLIENT)/ringkas_client/*.py)
	@echo "== setup 1/4: a virtualenv in $(VENV)"
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check --upgrade pip
	@echo "== setup 2/4: torch 2.13.0, CPU build (the largest download)"
	# torch's CPU build from PyTorch's CPU index (PyPI's Linux torch is the multi-GB CUDA
	# build); where that index is unreachable, whatever pip offers for torch==2.13.0.
	$(PY) -m pip install --progress-bar off --disable-pip-version-check --retries 0 \
	  --timeout 15 --index-url https://download.pytorch.org/whl/cpu torch==2.13.0 \
	  || $(PY) -m pip install --progress-bar off --disable-pip-version-check torch==2.13.0
	@echo "== setup 3/4: the Python client (clients/python), then ringkas and its test tools"
	$(PY) -m pip install --progress-bar off --disable-pip-version-check ./$(CLIENT)
	rm -rf $(CLIENT)/build $(CLIENT)/ringkas_client.egg-info
	$(PY) -m pip install --progress-bar off --disable-pip-version-check -e ".[test]"
	@echo "== setup 4/4: done ($(VENV)/bin/ringkas)"
	touch $(STAMP)

setup: $(STAMP)

# Runs the service on http://127.0.0.1:8000 (first run downloads the models; see README).
serve: $(STAMP)
	$(VENV)/bin/ringkas serve $(ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check service eval tests
	$(VENV)/bin/mypy service eval
	cd $(CLIENT) && $(abspath $(VENV))/bin/ruff check . && $(abspath $(VENV))/bin/mypy ringkas_client

# Debian packages some tests drive (listed in tests/setup/system-packages).
system-packages:
	tests/setup/install-system-packages

# The Node clients the tests drive, at the versions tests/clients/node/package-lock.json pins.
NODE_CLIENTS := tests/clients/node/node_modules/.installed-stamp
$(NODE_CLIENTS): tests/clients/node/package-lock.json
	@echo "== node clients (deepl-node, libretranslate) from the npm registry"
	npm ci --prefix tests/clients/node --no-audit --no-fund
	touch $(NODE_CLIENTS)

node-clients: system-packages $(NODE_CLIENTS)

# Container images (docs/deploy.md, "Container images"): the runtime (no torch) and the
# converter (torch, CPU build), from service/deploy/Dockerfile, with podman (docker where
# podman is missing). The base: BASE_IMAGE, else a Debian bookworm bootstrapped with
# mmdebstrap from the package mirror when no registry answers (cached in IMAGE_CACHE).
CONTAINER_ENGINE ?= $(shell command -v podman >/dev/null && echo podman || echo docker)
# podman's own options (before its command): runc and cgroupfs work where systemd does not
# run and crun is missing.
PODMAN_FLAGS ?= --runtime runc --cgroup-manager cgroupfs
# Options of every build and run: the host's network (no bridge, no slirp4netns), and
# limits below the hard ones (podman's defaults, above them, fail to start a container).
CONTAINER_FLAGS ?= --network host --ulimit nofile=20000:20000 --ulimit nproc=4096:4096
IMAGE ?= localhost/ringkas:latest
CONVERTER_IMAGE ?= localhost/ringkas-converter:latest
BASE_IMAGE ?=
IMAGE_CACHE ?= /var/tmp/ringkas-image
# pip in the build trusts this bundle (a TLS-intercepting proxy's CA); empty: pip's own.
CA_BUNDLE ?= $(wildcard /etc/ssl/certs/ca-certificates.crt)
# A directory of wheels mounted into the build: the CPU torch where download.pytorch.org
# cannot be reached (default: the host pip's find-links directory, if it has one).
WHEELS ?= $(firstword $(PIP_FIND_LINKS) $(shell python3 -m pip config get global.find-links 2>/dev/null))
IMAGE_ENV = CONTAINER_ENGINE="$(CONTAINER_ENGINE)" PODMAN_FLAGS="$(PODMAN_FLAGS)" \
  CONTAINER_FLAGS="$(CONTAINER_FLAGS)" IMAGE="$(IMAGE)" CONVERTER_IMAGE="$(CONVERTER_IMAGE)"
image:
	$(IMAGE_ENV) BASE_IMAGE="$(BASE_IMAGE)" IMAGE_CACHE="$(IMAGE_CACHE)" \
	  CA_BUNDLE="$(CA_BUNDLE)" WHEELS="$(WHEELS)" service/deploy/build-image

# The runtime image serving the tiny models (converted by the converter image), read-only,
# as an unprivileged user: health, readiness, a summary of the seed, a clean stop.
image-test: system-packages image
	$(IMAGE_ENV) tests/setup/image-test

# The whole suite: lint, types, the container images' test, then every test (the tests need
# no network; setting up the virtualenv and the Node clients and building the images do), a
# test file per pytest-xdist worker (the files' servers and fixtures stay with their tests).
TEST_WORKERS ?= 2
test: lint system-packages node-clients image-test
	RINGKAS_NO_SKIPS=1 $(VENV)/bin/pytest -n $(TEST_WORKERS) --dist loadfile
