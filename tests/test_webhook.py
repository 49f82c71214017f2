"""Webhook URLs and delivery: one parse for the check and the connection, checked addresses,
pinned connections, bounded time. Loopback receivers only; names resolve through a fake."""

from __future__ import annotations

import contextlib
import json
import logging
import shutil
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from service.errors import InvalidField
from service.jobs import webhook
from service.jobs.webhook import check_webhook, deliver


class Receiver:
    """A webhook receiver on a free loopback port. ``delay_s`` holds each answer back (up
    to ``close``); ``trickle`` sends the answer a byte at a time meanwhile."""

    def __init__(self, delay_s: float = 0.0, *, trickle: bool = False,
                 tls: ssl.SSLContext | None = None) -> None:
        self.received: list[tuple[str, dict[str, str], bytes]] = []
        self.arrived, self.answered, self.release = (threading.Event(), threading.Event(),
                                                     threading.Event())
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                data = self.rfile.read(int(self.headers["Content-Length"]))
                outer.received.append((self.path, dict(self.headers), data))
                outer.arrived.set()
                if trickle:
                    end = time.monotonic() + delay_s
                    with contextlib.suppress(OSError):  # the client hung up, as it should
                        self.wfile.write(b"HTTP/1.1 2")  # the status code never completes
                        while time.monotonic() < end and not outer.release.wait(0.05):
                            self.wfile.write(b"X")
                            self.wfile.flush()
                    return
                outer.release.wait(delay_s)
                self.send_response(204)
                self.end_headers()
                outer.answered.set()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        if tls is not None:
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
        self.port: int = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture()
def receivers() -> Iterator[Callable[..., Receiver]]:
    made: list[Receiver] = []

    def make(*args: Any, **kwargs: Any) -> Receiver:
        made.append(Receiver(*args, **kwargs))
        return made[-1]

    yield make
    for r in made:
        r.close()


@pytest.fixture()
def dns(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[str]]:
    """Names the fake resolver knows (name -> addresses); each lookup is counted in
    ``dns["<lookups>"]``. Unknown names do not resolve."""
    table: dict[str, list[str]] = {"<lookups>": []}

    def resolve(host: str, port: int) -> list[tuple[int, tuple[Any, ...]]]:
        table["<lookups>"].append(host)
        if host not in table:
            raise socket.gaierror(f"unknown name {host}")
        return [(socket.AF_INET6, (a, port, 0, 0)) if ":" in a else (socket.AF_INET, (a, port))
                for a in table[host]]

    monkeypatch.setattr(webhook, "resolve_host", resolve)
    return table


def refused_code(url: str, allowed: Sequence[str]) -> str:
    with pytest.raises(InvalidField) as info:
        check_webhook(url, allowed)
    assert info.value.details == {"field": "webhook"}
    return info.value.code


BODY: Mapping[str, Any] = {"event": "job.finished", "id": "job_abc", "status": "done"}


# --- at submit --------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:18954\\@localhost:18952/x",  # urlsplit and requests disagree on it
    "http://127.0.0.1:18954\\\\@localhost:18952/x",
    "http://localhost:18952\\x",
    "http://127.0.0.1:18954@localhost:18952/x",  # user info
    "http://user:pw@localhost:18952/x",
    "http://@localhost:18952/x",
    "http://localhost:18952/a b", "http://localhost:18952/\tx", "http://local\nhost:18952/",
    "http://localhost:18952/\x00", "http://localhost:18952/\x7f", " http://localhost:18952/",
    "http://localhost:18952/é", "http://lоcalhost:18952/",  # a Cyrillic о
    "http://127.1/", "http://0x7f.0.0.1/", "http://2130706433/", "http://017700000001/",
    "http://[fe80::1%25eth0]/", "http://[::1/", "http://localhost:0/", "http://localhost:65536/",
    "http://localhost:/", "http://localhost:18952:1/", "http:localhost:18952/",
    "http:///x", "ftp://localhost:18952/", "javascript:alert(1)", "",
])
def test_malformed_webhooks_are_invalid(url: str, dns: dict[str, list[str]]) -> None:
    dns["localhost"] = ["127.0.0.1"]
    allowed = ("localhost:18952", "localhost", "127.0.0.1", "127.1", "2130706433")
    assert refused_code(url, allowed) == "invalid_webhook"


@pytest.mark.parametrize(("url", "allowed", "names"), [
    ("http://localhost:18953/x", ("localhost:18952",), {"localhost": ["127.0.0.1"]}),
    ("http://127.0.0.1:18952/", ("localhost:18952",), {}),
    ("http://[::ffff:127.0.0.1]/", ("127.0.0.1",), {}),
    ("http://example.org/", (), {"example.org": ["93.184.216.34"]}),
    # A listed name does not grant the private or metadata addresses it resolves to...
    ("http://hooks.example/", ("hooks.example",), {"hooks.example": ["169.254.169.254"]}),
    ("http://hooks.example/", ("hooks.example",), {"hooks.example": ["fd00:ec2::254"]}),
    ("http://hooks.example/", ("hooks.example",), {"hooks.example": ["168.63.129.16"]}),
    ("http://hooks.example/", ("hooks.example",), {"hooks.example": ["10.0.0.5"]}),
    ("http://hooks.example/", ("hooks.example",), {"hooks.example": ["127.0.0.1"]}),
    ("http://hooks.example/", ("hooks.example",), {"hooks.example": ["::ffff:127.0.0.1"]}),
    ("http://hooks.example/", ("hooks.example",), {"hooks.example": ["224.0.0.1"]}),
    ("http://hooks.example/", ("hooks.example",),
     {"hooks.example": ["93.184.216.34", "192.168.1.1"]}),
    ("http://hooks.example:81/", ("hooks.example", "10.0.0.5:80"),
     {"hooks.example": ["10.0.0.5"]}),
    # ...and localhost listed means loopback, nothing else.
    ("http://localhost/", ("localhost",), {"localhost": ["10.1.2.3"]}),
    ("http://localhost/", ("localhost",), {"localhost": ["169.254.169.254"]}),
])
def test_hosts_and_addresses_off_the_list_are_not_allowed(
        url: str, allowed: tuple[str, ...], names: dict[str, list[str]],
        dns: dict[str, list[str]]) -> None:
    dns.update(names)
    assert refused_code(url, allowed) == "webhook_not_allowed"


@pytest.mark.parametrize(("url", "allowed", "names", "stored"), [
    ("HTTP://LocalHost.:18952/x?a=1#frag", ("localhost:18952",), {"localhost": ["127.0.0.1"]},
     "http://localhost:18952/x?a=1"),
    ("http://localhost/", ("localhost",), {"localhost": ["::1", "127.0.0.1"]},
     "http://localhost/"),
    ("http://127.0.0.1:9/x", ("127.0.0.1",), {}, "http://127.0.0.1:9/x"),
    ("http://[::1]:80", ("[::1]",), {}, "http://[::1]/"),
    ("http://169.254.169.254/latest", ("169.254.169.254",), {},
     "http://169.254.169.254/latest"),  # the operator listed that very address
    ("https://hooks.example:443/h", ("hooks.example:443",),
     {"hooks.example": ["93.184.216.34"]}, "https://hooks.example/h"),
    ("http://hooks.example/", ("hooks.example", "10.0.0.5"), {"hooks.example": ["10.0.0.5"]},
     "http://hooks.example/"),
    ("http://hooks.example/", ("hooks.example",), {}, "http://hooks.example/"),  # no DNS now
])
def test_allowed_webhooks_are_stored_normalised(
        url: str, allowed: tuple[str, ...], names: dict[str, list[str]], stored: str,
        dns: dict[str, list[str]]) -> None:
    dns.update(names)
    assert check_webhook(url, allowed) == stored


# --- at delivery ------------------------------------------------------------------------------


def test_delivery_connects_to_the_checked_address_with_the_original_host(
        receivers: Callable[..., Receiver], dns: dict[str, list[str]]) -> None:
    hook = receivers()
    dns["hooks.test"] = ["127.0.0.1"]
    url = check_webhook(f"http://hooks.test:{hook.port}/done", ("hooks.test", "127.0.0.1"))
    dns["<lookups>"].clear()
    assert deliver(url, BODY, allowed_hosts=("hooks.test", "127.0.0.1"),
                   secret="s") == "delivered"
    assert dns["<lookups>"] == ["hooks.test"]  # resolved once, connected to what was checked
    [(path, headers, data)] = hook.received
    assert path == "/done" and headers["Host"] == f"hooks.test:{hook.port}"
    assert json.loads(data) == BODY


def test_delivery_refuses_an_address_that_changed_to_a_forbidden_one(
        receivers: Callable[..., Receiver], dns: dict[str, list[str]],
        caplog: pytest.LogCaptureFixture) -> None:
    """DNS rebinding: public at submit, loopback (where something listens) at delivery."""
    hook = receivers()
    dns["hooks.test"] = ["93.184.216.34"]
    url = check_webhook(f"http://hooks.test:{hook.port}/x", ("hooks.test",))
    dns["hooks.test"] = ["127.0.0.1"]
    caplog.set_level(logging.INFO, logger="service.jobs.webhook")
    assert deliver(url, BODY, allowed_hosts=("hooks.test",), backoff_s=0) == "refused"
    assert hook.received == []
    [record] = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert "job_abc" in record.getMessage() and "127.0.0.1" in record.getMessage()


def test_delivery_refuses_a_stored_url_that_is_no_longer_acceptable(
        receivers: Callable[..., Receiver]) -> None:
    """A URL kept from before the strict check (or a list changed since) sends nothing."""
    allowed, other = receivers(), receivers()
    hosts = (f"localhost:{allowed.port}",)
    for url in (f"http://127.0.0.1:{other.port}\\@localhost:{allowed.port}/x",
                f"http://127.0.0.1:{other.port}@localhost:{allowed.port}/x",
                f"http://127.0.0.1:{other.port}/x"):
        assert deliver(url, BODY, allowed_hosts=hosts, backoff_s=0) == "refused", url
    assert other.received == [] and allowed.received == []


@pytest.mark.parametrize("trickle", [False, True])
def test_delivery_time_is_capped_retries_included(receivers: Callable[..., Receiver],
                                                   trickle: bool) -> None:
    hook = receivers(3.0, trickle=trickle)
    start = time.monotonic()
    outcome = deliver(f"http://127.0.0.1:{hook.port}/slow", BODY, allowed_hosts=("127.0.0.1",),
                      total_s=0.8, backoff_s=0.05)
    assert outcome == "failed"
    assert time.monotonic() - start < 2.8  # capped: the receiver would take 3 s
    assert hook.arrived.is_set() and not hook.answered.is_set()


def test_delivery_stops_retrying_when_told() -> None:
    stop = threading.Event()
    stop.set()
    dead = socket.socket()
    dead.bind(("127.0.0.1", 0))  # bound, never listening: connections are refused
    try:
        url = f"http://127.0.0.1:{dead.getsockname()[1]}/x"
        assert deliver(url, BODY, allowed_hosts=("127.0.0.1",), backoff_s=5,
                       stop=stop) == "interrupted"
    finally:
        dead.close()


def _cert(tmp: Path, name: str) -> tuple[Path, Path]:
    key, cert = tmp / f"{name}.key", tmp / f"{name}.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1", "-subj",
                    f"/CN={name}", "-addext", f"subjectAltName=DNS:{name}", "-keyout", str(key),
                    "-out", str(cert)], check=True, capture_output=True, timeout=30)
    return cert, key


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")
def test_https_delivery_checks_the_certificate_against_the_name(
        receivers: Callable[..., Receiver], dns: dict[str, list[str]], tmp_path: Path) -> None:
    """Connected to the pinned address, TLS still names (SNI) and verifies the host."""
    results: dict[str, str] = {}
    for served in ("hooks.test", "other.test"):
        cert, key = _cert(tmp_path, served)
        server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        server_ctx.load_cert_chain(cert, key)
        sni: list[str | None] = []

        def seen(_sock: ssl.SSLObject, name: str | None, _ctx: ssl.SSLContext,
                 names: list[str | None] = sni) -> None:
            names.append(name)

        server_ctx.sni_callback = seen
        hook = receivers(tls=server_ctx)
        client_ctx = ssl.create_default_context(cafile=str(cert))
        dns["hooks.test"] = ["127.0.0.1"]
        results[served] = deliver(f"https://hooks.test:{hook.port}/h", BODY,
                                  allowed_hosts=("hooks.test", "127.0.0.1"), attempts=1,
                                  ssl_context=client_ctx)
        assert sni[:1] == ["hooks.test"]
        assert len(hook.received) == (1 if served == "hooks.test" else 0)
    assert results == {"hooks.test": "delivered", "other.test": "failed"}
