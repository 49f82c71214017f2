"""Webhooks: called on a job's completion, only for hosts on the operator's allow-list.

The body names the job and its outcome, never any text: the receiver fetches results with
``GET /v1/jobs/{id}`` (and its key). With a secret configured, the body is signed
(``X-Ringkas-Signature: sha256=<hex HMAC of the body>``). Redirects are not followed: they
could lead off the allow-list.

One parse decides everything: ``parse_webhook`` turns the URL into a ``Target`` (or refuses
it), the allow-list is checked against that target, its host is resolved once per delivery,
every address is checked, and the POST goes to exactly a checked address with the target's
Host header (and, for https, its name for SNI and certificate checks). No second URL parser
(an HTTP library's) ever sees the URL, so the check and the connection cannot disagree.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import hmac
import http.client
import ipaddress
import json
import logging
import os
import re
import socket
import ssl
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, TypeAlias
from urllib.parse import urlsplit

import requests.certs

from service.errors import InvalidField
from service.text.encoding import unpaired_surrogate

log = logging.getLogger(__name__)
ATTEMPTS = 3
CONNECT_TIMEOUT_S = 5.0
READ_TIMEOUT_S = 10.0  # per socket read; the delivery's total time is capped apart
TOTAL_TIMEOUT_S = 30.0

IPAddress: TypeAlias = ipaddress.IPv4Address | ipaddress.IPv6Address
# Cloud metadata endpoints. Most are non-public anyway; 168.63.129.16 (Azure) is a public
# address reachable only from inside the cloud, so it needs naming.
METADATA = frozenset(ipaddress.ip_address(a) for a in (
    "169.254.169.254", "169.254.170.2", "169.254.169.123", "fd00:ec2::254", "fd00:ec2::23",
    "100.100.100.200", "168.63.129.16", "192.0.0.192"))

Outcome: TypeAlias = Literal["delivered", "failed", "refused", "interrupted"]

_LABEL = re.compile(r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?")
# A last label like this makes a browser or resolver read the name as an IPv4 address
# (127.1, 0x7f.1, 2130706433): only canonical dotted quads are taken as addresses.
_NUMERIC_LABEL = re.compile(r"(?:0x[0-9a-f]*|[0-9]+)")
_PORT = re.compile(r"[0-9]{1,5}")


def _invalid(message: str) -> InvalidField:
    return InvalidField("webhook", message, code="invalid_webhook")


def _not_allowed(message: str) -> InvalidField:
    return InvalidField("webhook", message, code="webhook_not_allowed")


@dataclass(frozen=True)
class Target:
    """A webhook URL, parsed once: what is checked is what is connected to."""

    scheme: str
    host: str  # a lower-case DNS name (no trailing dot) or a canonical IP address
    port: int
    explicit_port: bool  # a port other than the scheme's default was given
    target: str  # the request target: path and query

    @property
    def address(self) -> IPAddress | None:
        """The host as an IP address, when it is one."""
        try:
            return ipaddress.ip_address(self.host)
        except ValueError:
            return None

    @property
    def authority(self) -> str:
        """``host[:port]`` as the Host header carries it."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}" if self.explicit_port else host

    @property
    def url(self) -> str:
        return f"{self.scheme}://{self.authority}{self.target}"


def _host(raw: str) -> str | None:
    """A host (brackets already removed for IPv6) in normal form, or None if invalid."""
    try:
        ip = ipaddress.ip_address(raw)
    except ValueError:
        pass
    else:
        return None if "%" in raw else ip.compressed  # zone ids name an interface: refused
    name = raw.lower()
    name = name[:-1] if name.endswith(".") else name
    labels = name.split(".")
    if not name or len(name) > 253 or not all(_LABEL.fullmatch(label) for label in labels):
        return None
    if _NUMERIC_LABEL.fullmatch(labels[-1]):
        return None
    return name


def _authority(netloc: str) -> tuple[str, int | None] | None:
    """``host``, ``host:port``, ``[v6]`` or ``[v6]:port``: (normal host, port or None)."""
    if netloc.startswith("["):
        inside, sep, rest = netloc[1:].partition("]")
        if not sep or ":" not in inside:
            return None
        host, port = _host(inside), rest[1:] if rest.startswith(":") else None
        if rest and port is None:
            return None
    else:
        name, sep, port_text = netloc.partition(":")
        if ":" in port_text:
            return None
        host, port = _host(name), port_text if sep else None
    if host is None:
        return None
    if port is None:
        return host, None
    if not _PORT.fullmatch(port) or not 0 < int(port) < 65536:
        return None
    return host, int(port)


def parse_webhook(url: str) -> Target:
    """The URL as one normalised target; InvalidField ``invalid_webhook`` if malformed.

    Strict on purpose: printable ASCII only (no whitespace, control characters or
    backslashes, which parsers disagree on), no user info, http(s) only, a DNS name or an
    IP address as host."""
    if not url.isascii() or any(not 0x21 <= ord(c) <= 0x7E or c == "\\" for c in url):
        raise _invalid("webhook must be a URL of printable ASCII without spaces or "
                       "backslashes (percent-encode the rest)")
    try:
        parts = urlsplit(url)
    except ValueError:  # an unbalanced [ in the host
        raise _invalid("webhook is not a valid URL") from None
    if parts.scheme not in ("http", "https") or not url.lower().startswith(
            f"{parts.scheme}://"):
        raise _invalid("webhook must be an http(s) URL with a host")
    if "@" in parts.netloc:
        raise _invalid("webhook must not carry user info (user:password@)")
    authority = _authority(parts.netloc)
    if authority is None:
        raise _invalid("webhook's host or port is not valid")
    host, port = authority
    default = 443 if parts.scheme == "https" else 80
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    if not target.startswith("/"):
        raise _invalid("webhook is not a valid URL")
    return Target(parts.scheme, host, port or default, port not in (None, default), target)


class AllowList:
    """``RINGKAS_WEBHOOK_HOSTS``: entries ``host``, ``host:port``, ``[v6]``, ``[v6]:port``
    (a bare IPv6 address also works). Entries that do not parse match nothing."""

    def __init__(self, entries: Iterable[str]) -> None:
        self.entries: set[tuple[str, int | None]] = set()
        for raw in entries:
            entry = raw.strip()
            try:
                parsed: tuple[str, int | None] | None = (ipaddress.ip_address(entry).compressed,
                                                         None)
            except ValueError:
                parsed = _authority(entry) if entry else None
            if parsed is not None:
                self.entries.add(parsed)

    def lists(self, host: str, port: int) -> bool:
        return (host, None) in self.entries or (host, port) in self.entries

    def refusal(self, target: Target, addresses: Sequence[IPAddress]) -> str | None:
        """Why these addresses may not be called for this target, or None if they may.

        A listed host is trusted to resolve to public addresses only. A loopback, private,
        link-local, multicast, reserved or metadata address is called only when that very
        address is listed, or, for loopback, when the listed host is ``localhost``
        itself: an operator who lists a loopback host means it, but a listed name that
        resolves (today, or after a DNS change) into the private network does not grant
        that network."""
        loopback_name = target.host == "localhost" or target.host.endswith(".localhost")
        for ip in addresses:
            kind = special(ip)
            if kind is None or self.lists(ip.compressed, target.port):
                continue
            if kind == "loopback" and loopback_name:
                continue
            shown = "" if target.address == ip else f"{target.host} resolves to "
            return (f"{shown}{ip}, a {kind} address, which is not on this server's allow-list "
                    "(an operator may list the address itself in RINGKAS_WEBHOOK_HOSTS)")
        return None


def special(ip: IPAddress) -> str | None:
    """What kind of non-public address this is, or None for an ordinary public one."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped  # ::ffff:127.0.0.1 is 127.0.0.1 on the wire
    if ip in METADATA:
        return "cloud metadata"
    if ip.is_loopback:
        return "loopback"
    if ip.is_link_local:
        return "link-local"
    if ip.is_multicast:
        return "multicast"
    if ip.is_unspecified or ip.is_reserved or ip.is_private or not ip.is_global:
        return "private or reserved"
    return None


Address: TypeAlias = tuple[IPAddress, int, tuple[Any, ...]]  # (ip, socket family, sockaddr)


def resolve_host(host: str, port: int) -> list[tuple[int, tuple[Any, ...]]]:
    """(family, sockaddr) of every TCP address of ``host``; OSError when it has none."""
    return [(info[0], info[4]) for info in
            socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)]


def addresses_of(target: Target) -> list[Address]:
    """The target's addresses: its own if it is an IP address, else resolved (once)."""
    ip = target.address
    if ip is not None:
        if ip.version == 4:
            return [(ip, socket.AF_INET, (ip.compressed, target.port))]
        return [(ip, socket.AF_INET6, (ip.compressed, target.port, 0, 0))]
    found: list[Address] = []
    for family, sockaddr in resolve_host(target.host, target.port):
        if family not in (socket.AF_INET, socket.AF_INET6):
            continue
        addr = ipaddress.ip_address(str(sockaddr[0]).partition("%")[0])
        if all(addr != seen[0] for seen in found):
            found.append((addr, family, sockaddr))
    if not found:
        raise socket.gaierror(f"{target.host} has no address")
    return found


def check_webhook(url: Any, allowed_hosts: Sequence[str]) -> str:
    """At submit time: the normalised URL, or InvalidField (``invalid_webhook``,
    ``webhook_not_allowed``, ``invalid_encoding``). Delivery checks it all again."""
    if not isinstance(url, str) or len(url) > 2000:
        raise _invalid("webhook must be a URL string")
    if unpaired_surrogate(url):
        raise InvalidField("webhook", "webhook contains an unpaired UTF-16 surrogate",
                           code="invalid_encoding")
    target = parse_webhook(url)
    allow = AllowList(allowed_hosts)
    if not allow.lists(target.host, target.port):
        raise _not_allowed(f"webhooks to {target.host} are not allowed on this server (an "
                           "operator allows hosts with RINGKAS_WEBHOOK_HOSTS)")
    try:
        found = addresses_of(target)
    except OSError:
        return target.url  # no answer now (DNS down?): delivery resolves and decides
    reason = allow.refusal(target, [a[0] for a in found])
    if reason is not None:
        raise _not_allowed(f"webhook refused: {reason}")
    return target.url


def payload(job: Mapping[str, Any]) -> dict[str, Any]:
    keep = ("id", "status", "progress", "created_at", "finished_at", "expires_at")
    return {"event": "job.finished", **{k: job[k] for k in keep if k in job}}


def deliver(url: str, body: Mapping[str, Any], *, allowed_hosts: Sequence[str],
            secret: str = "", total_s: float = TOTAL_TIMEOUT_S, attempts: int = ATTEMPTS,
            backoff_s: float = 1.0, stop: threading.Event | None = None,
            ssl_context: ssl.SSLContext | None = None) -> Outcome:
    """POST ``body``: ``delivered`` once a 2xx came back, ``failed`` after the attempts or
    ``total_s`` seconds (retries included) ran out, ``refused`` (nothing sent) when the URL,
    its host or an address it resolves to is not allowed, ``interrupted`` when ``stop`` was
    set between attempts. Retries on errors and non-2xx answers."""
    deadline = time.monotonic() + total_s
    data = json.dumps(body, sort_keys=True).encode()
    job_id = str(body.get("id", ""))  # the body holds ids and counts only, never text
    headers = {"Content-Type": "application/json", "User-Agent": "ringkas-webhook",
               "X-Ringkas-Job": job_id}
    if secret:
        digest = hmac.new(secret.encode(), data, hashlib.sha256).hexdigest()
        headers["X-Ringkas-Signature"] = f"sha256={digest}"
    try:
        target = parse_webhook(url)  # stored by an older version, perhaps: checked again
    except InvalidField as exc:
        log.warning("webhook for job %s refused: %s", job_id, exc.message)
        return "refused"
    allow = AllowList(allowed_hosts)
    if not allow.lists(target.host, target.port):
        log.warning("webhook for job %s refused: %s is not on the allow-list", job_id,
                    target.host)
        return "refused"
    found: list[Address] | None = None
    for attempt in range(attempts):
        if time.monotonic() >= deadline:
            break
        try:
            if found is None:
                # Resolved once: the addresses checked are the addresses connected to, so a
                # DNS answer that changes in between (rebinding) cannot slip past the check.
                found = addresses_of(target)
                reason = allow.refusal(target, [a[0] for a in found])
                if reason is not None:
                    log.warning("webhook for job %s refused, nothing sent: %s", job_id, reason)
                    return "refused"
            status = _post(target, found, data, headers, deadline, ssl_context)
            if 200 <= status < 300:
                return "delivered"
            reason = f"HTTP {status}"
        except (OSError, http.client.HTTPException) as exc:
            reason = type(exc).__name__
        log.warning("webhook for job %s: attempt %d failed (%s)", job_id, attempt + 1, reason)
        if attempt + 1 < attempts:
            pause = min(backoff_s * 2 ** attempt, deadline - time.monotonic())
            if stop is not None and stop.wait(max(0.0, pause)):
                return "interrupted"
            if stop is None and pause > 0:
                time.sleep(pause)
    return "failed"


def _post(target: Target, found: Sequence[Address], data: bytes, headers: Mapping[str, str],
          deadline: float, ssl_context: ssl.SSLContext | None) -> int:
    """One POST to the first of ``found`` that accepts a connection: the status code."""
    sock = _connect(found, deadline)
    live = [sock]

    def cut() -> None:
        # The cap holds even against a receiver that trickles its answer byte by byte:
        # shutting the socket down ends any read in progress. socket.socket's own shutdown,
        # so a TLS socket is not torn down under the reading thread.
        with contextlib.suppress(OSError):
            socket.socket.shutdown(live[0], socket.SHUT_RDWR)

    watchdog = threading.Timer(max(0.0, deadline - time.monotonic()), cut)
    watchdog.daemon = True
    watchdog.start()
    conn = http.client.HTTPConnection(target.host, target.port)
    try:
        sock.settimeout(max(0.01, min(READ_TIMEOUT_S, deadline - time.monotonic())))
        if target.scheme == "https":
            # The connection is to the checked address; the certificate must still be the
            # target name's (and SNI names it).
            context = ssl_context or _default_context()
            live[0] = sock = context.wrap_socket(sock, server_hostname=target.host)
        conn.sock = sock
        conn.request("POST", target.target, body=data,
                     headers={**headers, "Host": target.authority})
        return conn.getresponse().status  # the body is not read: only the status counts
    finally:
        watchdog.cancel()
        conn.close()
        sock.close()


def _connect(found: Sequence[Address], deadline: float) -> socket.socket:
    last: OSError = ConnectionError("no address to connect to")
    for _, family, sockaddr in found:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("webhook delivery ran out of time")
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.settimeout(min(CONNECT_TIMEOUT_S, remaining))
        try:
            sock.connect(sockaddr)
        except OSError as exc:
            sock.close()
            last = exc
            continue
        return sock
    raise last


@functools.cache
def _default_context() -> ssl.SSLContext:
    """Certificates verified against the bundle requests uses (REQUESTS_CA_BUNDLE if set)."""
    return ssl.create_default_context(
        cafile=os.environ.get("REQUESTS_CA_BUNDLE") or requests.certs.where())


def receiver_of(url: str) -> str | None:
    """Who a webhook goes to (host and port), or None if the URL does not parse."""
    try:
        target = parse_webhook(url)
    except InvalidField:
        return None
    return f"{target.host} {target.port}"
