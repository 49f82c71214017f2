# Each target sets up what it needs on a fresh machine: a virtualenv in .venv with ringkas
# installed (torch pinned to the 2.13.0 CPU build in pyproject.toml).
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
ARGS ?=

.PHONY: serve test lint setup system-packages

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check --upgrade pip
	# torch's CPU build from PyTorch's CPU index (PyPI's Linux torch is the multi-GB CUDA
	# build); where that index is unreachable, whatever pip offers for torch==2.13.0.
	$(PY) -m pip install -q --disable-pip-version-check --retries 0 --timeout 15 \
	  --index-url https://download.pytorch.org/whl/cpu torch==2.13.0 \
	  || $(PY) -m pip install -q --disable-pip-version-check torch==2.13.0
	$(PY) -m pip install -q --disable-pip-version-check -e ".[test]"
	touch $(STAMP)

setup: $(STAMP)

# Runs the service on http://127.0.0.1:8000 (first run downloads the models; see README).
serve: $(STAMP)
	$(VENV)/bin/ringkas serve $(ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check service eval tests
	$(VENV)/bin/mypy service eval

# Debian packages some tests drive (listed in tests/setup/system-packages).
system-packages:
	tests/setup/install-system-packages

# The whole suite: lint, types, then every test (no network needed), a test file per
# pytest-xdist worker (the files' servers and fixtures stay with their tests).
TEST_WORKERS ?= 2
test: lint system-packages
	RINGKAS_NO_SKIPS=1 $(VENV)/bin/pytest -n $(TEST_WORKERS) --dist loadfile
