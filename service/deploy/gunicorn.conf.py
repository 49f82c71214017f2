"""gunicorn settings for ringkas: ONE process holding the models, threads serving requests.

    gunicorn -c service/deploy/gunicorn.conf.py 'service.api:create_app()'

The app reads its own settings from RINGKAS_* variables (and RINGKAS_CONFIG); the values
below are derived from the same settings so the two never disagree. Any of them can still
be overridden on the command line or in GUNICORN_CMD_ARGS (e.g. "--bind 0.0.0.0:9000").
Why these choices: README.md, "Deploy".
"""

import os

from service.config import Settings  # settings only: imports no torch, loads no model

_settings = Settings.from_env()

bind = [os.environ.get("GUNICORN_BIND") or f"{_settings.server.host}:{_settings.server.port}"]

# Each worker process loads its own copy of every model (about 2.5 GB for the default three)
# and runs torch with all cores; one worker is right unless you have the memory AND split the
# cores (RINGKAS_TORCH_THREADS = cores / workers). Never many sync workers: each would hold a
# model copy to serve one request at a time.
workers = int(os.environ.get("GUNICORN_WORKERS", "1"))
# gthread, plus a deadline for each request to arrive (RINGKAS_READ_TIMEOUT): without it a
# client sending its header a byte a second holds a thread for ever (service/gunicorn_worker.py).
worker_class = "service.gunicorn_worker.Worker"
# Requests waiting in ringkas's admission queue each hold a thread (as under `ringkas serve`):
# with fewer threads the excess would wait unseen in gunicorn's backlog instead of getting a
# fast 503 overloaded with Retry-After.
threads = max(_settings.server.server_threads,
              _settings.inflight_limit + _settings.server.max_queue + 2)

# A gthread worker's heartbeat runs beside its request threads, so a long generation never
# trips it; but the models load in the worker before its first heartbeat, so `timeout` must
# cover loading (tens of seconds for the default models on a cold disk). Alternatively set
# RINGKAS_BACKGROUND_LOAD=1: the worker boots at once and /v1/ready is 503 until loaded.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "300"))
# SIGTERM: stop accepting, let requests in flight finish. Each has its own deadline
# (RINGKAS_REQUEST_TIMEOUT, answered 504 past it), so that bounds the wait.
graceful_timeout = max(_settings.server.request_timeout_s, _settings.server.drain_timeout_s) + 5
keepalive = 5

# Off: loading in the master and forking shares weights copy-on-write, but torch's thread
# pools and any lazily opened files do not survive fork() reliably, and a reload (HUP) would
# not reload the models. Turn it on only with several workers, measured, as a memory saver.
preload_app = False

# gunicorn 25+'s runtime control socket (in ~/.gunicorn): not needed, and the service user
# has no writable home (ProtectHome=yes, or a container user without one).
control_socket_disable = True

# Headers: the app enforces its own body limit (JSON 413, RINGKAS_MAX_REQUEST_BYTES).
limit_request_line = 8190
limit_request_fields = 100

# ringkas logs one line per request itself (service.access: request id, sizes, timings,
# error code, never text), so gunicorn's access log stays off; everything goes to stderr.
logconfig_dict = {
    "root": {"level": "INFO", "handlers": ["error_console"]},
    "loggers": {
        "gunicorn.error": {"level": "INFO", "handlers": [], "propagate": True},
        "gunicorn.access": {"level": "WARNING", "handlers": [], "propagate": False},
    },
}
