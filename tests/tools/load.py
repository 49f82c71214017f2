"""Load a running ringkas beyond capacity for a bounded time; check it answers, recovers and
keeps its memory.

    python -m tests.tools.load --url http://127.0.0.1:8000 --clients 16 --duration-s 30 \
        [--soak --soak-minutes 30 --interval-s 30] [--pid PID]

``--clients`` threads each send, back to back, a random mix of summarise requests (strategy
``extractive`` on a seed-sized article), translate requests (a few sentences), LibreTranslate
``/translate`` requests and jobs (``POST /v1/jobs`` with two items, then a
``GET /v1/jobs/{id}``) until the time is up. A
refusal (503 ``overloaded``, 429) is followed by a short pause (``--backoff-s``, not the
server's Retry-After: the point is to keep it beyond capacity). Then:

- every request must have had an answer: 200, or 503 / 429 / 504 with the JSON error body
  (no connection errors, no client timeouts, nothing else);
- the server must recover: one request answered 200 within ``--recover-s``;
- the server's RSS (``--pid``, or the process listening on the URL's port, read from
  /proc/PID/status) is sampled every ``--interval-s`` and printed over time; its growth
  from before the load to after the recovery must stay under ``--max-rss-growth-mb``.

``--slow-clients N`` also holds N connections that send a request a byte a second for the
whole run (reconnecting when the server cuts one) while ``/v1/health`` is asked every second:
every health check must be answered 200 within 5 s.

``--soak`` runs the same load for ``--soak-minutes``, prints each RSS sample as it comes, and
reports the RSS at 5, 15 and 30 minutes; its growth after warm-up (from the 5-minute sample
to the end) must stay under ``--max-soak-growth-pct`` (2 %).
Exit status: 0 when all checks pass, 1 when one fails, 2 on bad arguments (e.g. a
non-loopback URL: this tool only talks to 127.0.0.1 / ::1 / localhost).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import socket
import sys
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import urlsplit

from tests.tools.fuzz import check_response, error_code, fetch_document, loopback_error

SEED_ARTICLE = (Path(__file__).resolve().parents[2] / "seeds" /
                "000_d67792ced336d87c.txt")
FALLBACK_ARTICLE = " ".join([
    "Jakarta (ANTARA) - Kementerian Perindustrian memperkuat pemulihan sentra industri kecil "
    "dan menengah alas kaki sebagai penopang ekonomi daerah.",
    "Menteri Perindustrian menyampaikan bahwa sentra itu masih menghadapi tantangan "
    "struktural yang memerlukan intervensi kebijakan yang konsisten.",
    "Tantangan tersebut meliputi keterbatasan akses permodalan dan pasar.",
    "Nilai investasinya mencapai Rp18 triliun pada 2025.",
] * 6)
TRANSLATE_TEXTS = (
    "Menteri Perindustrian meresmikan pabrik baru di Bogor.",
    "Pabrik itu mempekerjakan 200 orang.",
    "Harga beras naik 5 persen pada 2025.",
)
ANSWERS = frozenset({200, 202, 429, 503, 504})
ROUTES = {"summarize": "/v1/summarize", "translate": "/v1/translate",
          "lt_translate": "/translate", "jobs": "/v1/jobs"}
WARM_UP_S = 300.0  # the soak's memory is judged from this sample on


@dataclass
class Result:
    route: str
    status: int | None  # None: no answer (connection error, client timeout)
    seconds: float
    code: str | None = None
    problem: str | None = None
    location: str | None = None  # a job's, from its 202


def article() -> str:
    try:
        return SEED_ARTICLE.read_text(encoding="utf-8")
    except OSError:
        return FALLBACK_ARTICLE


def requests_for(text: str) -> dict[str, dict[str, Any]]:
    return {
        "summarize": {"text": text, "strategy": "extractive", "length": "short"},
        "translate": {"text": list(TRANSLATE_TEXTS), "source": "id", "target": "en"},
        "lt_translate": {"q": TRANSLATE_TEXTS[0], "source": "id", "target": "en"},
        "jobs": {"items": [{"id": "a", "text": text, "strategy": "extractive",
                            "length": "short"},
                           {"id": "b", "kind": "translate", "text": TRANSLATE_TEXTS[1],
                            "target": "en"}]},
    }


def send(session: Any, base: str, doc: Mapping[str, Any], route: str,
         body: dict[str, Any] | None, timeout_s: float, path: str | None = None) -> Result:
    import requests

    path = path or ROUTES[route]
    started = time.monotonic()
    try:
        resp = (session.get(f"{base}{path}", timeout=timeout_s) if body is None
                else session.post(f"{base}{path}", json=body, timeout=timeout_s))
    except requests.RequestException as exc:
        return Result(route, None, time.monotonic() - started,
                      problem=f"{type(exc).__name__}: {str(exc)[:200]}")
    took = time.monotonic() - started
    code = error_code(resp.content) if resp.status_code >= 300 else None
    problems = [] if route == "lt_translate" else check_response(
        doc, "GET" if body is None else "POST", path, resp.status_code, resp.headers, resp.content)
    if route == "lt_translate" and resp.status_code == 200:
        answer = json.loads(resp.content)
        if not isinstance(answer, dict) or not isinstance(answer.get("translatedText"), str):
            problems.append("LibreTranslate answer lacks translatedText")
    if resp.status_code not in ANSWERS:
        problems.append(f"status {resp.status_code} is not 200/202/429/503/504")
    problem = "; ".join(problems) + f" body={resp.content[:200]!r}" if problems else None
    return Result(route, resp.status_code, took, code, problem, resp.headers.get("Location"))


# --- server memory ----------------------------------------------------------------------


def rss_mb(pid: int) -> float | None:
    """Resident set size of ``pid`` in MiB (None once it is gone)."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    try:
        import psutil  # optional: off Linux

        return float(psutil.Process(pid).memory_info().rss) / 2**20
    except Exception:
        return None


def listening_pid(port: int) -> int | None:
    """The process with a listening TCP socket on ``port`` (Linux /proc; same user)."""
    inodes: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table, encoding="ascii") as f:
                rows = f.read().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            cols = row.split()
            if len(cols) > 9 and cols[3] == "0A" and int(cols[1].rsplit(":", 1)[1], 16) == port:
                inodes.add(f"socket:[{cols[9]}]")
    if not inodes:
        return None
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fds = os.listdir(f"/proc/{entry}/fd")
            if any(os.readlink(f"/proc/{entry}/fd/{fd}") in inodes for fd in fds):
                return int(entry)
        except OSError:
            continue
    return None


class RssSampler:
    """Samples the server's RSS every ``interval_s`` in a thread (bounded by stop())."""

    def __init__(self, pid: int | None, interval_s: float, live: TextIO | None) -> None:
        self.pid = pid
        self.interval_s = interval_s
        self.live = live
        self.samples: list[tuple[float, float]] = []
        self._stop = threading.Event()
        self._t0 = time.monotonic()
        self._thread = threading.Thread(target=self._run, name="rss", daemon=True)

    def start(self) -> None:
        self.sample()
        self._thread.start()

    def sample(self) -> None:
        if self.pid is None:
            return
        value = rss_mb(self.pid)
        if value is not None:
            t = time.monotonic() - self._t0
            self.samples.append((t, value))
            if self.live:
                print(f"  rss t={t:7.1f} s  {value:8.1f} MiB", file=self.live, flush=True)

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            self.sample()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(self.interval_s + 5)
        self.sample()


# --- slow clients -----------------------------------------------------------------------


class SlowClients:
    """``count`` connections dribbling a request header a byte a second, reconnecting when
    cut, and a health check every second beside them (bounded by stop())."""

    def __init__(self, base: str, count: int) -> None:
        parts = urlsplit(base)
        self.address = (parts.hostname or "127.0.0.1", parts.port or 80)
        self.base, self.count = base, count
        self.cut = 0  # connections the server closed
        self.health: list[tuple[int | None, float]] = []  # (status, seconds)
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._dribble, daemon=True),
                         threading.Thread(target=self._check, daemon=True)]

    def start(self) -> None:
        for t in self._threads:
            t.start()

    def _connect(self) -> socket.socket | None:
        try:
            sock = socket.create_connection(self.address, timeout=5)
            sock.sendall(b"P")
            return sock
        except OSError:
            return None

    def _dribble(self) -> None:
        socks = [self._connect() for _ in range(self.count)]
        while not self._stop.wait(1.0):
            for i, sock in enumerate(socks):
                try:
                    if sock is None:
                        raise OSError
                    sock.sendall(b"O")
                except OSError:
                    if sock is not None:
                        self.cut += 1
                        sock.close()
                    socks[i] = self._connect()
        for sock in socks:
            if sock is not None:
                sock.close()

    def _check(self) -> None:
        import requests

        while not self._stop.wait(1.0):
            started = time.monotonic()
            try:
                status: int | None = requests.get(f"{self.base}/v1/health", timeout=5).status_code
            except requests.RequestException:
                status = None
            self.health.append((status, time.monotonic() - started))

    def stop(self) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(10)

    def report(self, out: TextIO) -> list[str]:
        ok = [took for status, took in self.health if status == 200]
        print(f"slow clients: {self.count} held, {self.cut} cut by the server; health "
              f"{len(ok)}/{len(self.health)} answered 200, max {max(ok, default=0) * 1000:.0f}"
              " ms", file=out)
        if not self.health or len(ok) < len(self.health):
            return [f"{len(self.health) - len(ok)} health check(s) beside slow clients failed"]
        return []


# --- the run ----------------------------------------------------------------------------


def hammer(base: str, doc: Mapping[str, Any], clients: int, duration_s: float,
           timeout_s: float, backoff_s: float, bodies: dict[str, dict[str, Any]],
           seed: int) -> list[Result]:
    import requests

    end = time.monotonic() + duration_s
    results: list[Result] = []
    lock = threading.Lock()

    def client(index: int) -> None:
        rng = random.Random(f"{seed}:{index}")
        with requests.Session() as session:
            session.trust_env = False  # no proxies: loopback only
            while time.monotonic() < end:
                route = rng.choice(tuple(bodies))
                result = send(session, base, doc, route, bodies[route], timeout_s)
                done = [result]
                if route == "jobs" and result.status == 202 and result.location:
                    done.append(send(session, base, doc, "jobs_get", None, timeout_s,
                                     result.location))
                with lock:
                    results.extend(done)
                if result.status not in (200, 202):
                    time.sleep(backoff_s)

    threads = [threading.Thread(target=client, args=(i,), name=f"load-{i}", daemon=True)
               for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:  # a request started just before the end may take timeout_s more
        t.join(max(0.0, end - time.monotonic()) + timeout_s + 5)
    with lock:
        return list(results)


def recover(base: str, body: dict[str, Any], within_s: float,
            timeout_s: float) -> tuple[bool, float, int, str]:
    """(recovered, seconds, tries, last answer): one request at a time until a 200."""
    import requests

    started = time.monotonic()
    tries, last = 0, "-"
    with requests.Session() as session:
        session.trust_env = False
        while True:
            left = within_s - (time.monotonic() - started)
            if left <= 0:
                return False, time.monotonic() - started, tries, last
            tries += 1
            try:
                resp = session.post(f"{base}/v1/summarize", json=body,
                                    timeout=max(1.0, min(timeout_s, left)))
            except requests.RequestException as exc:
                last, wait = f"{type(exc).__name__}", 1.0
            else:
                if resp.status_code == 200:
                    return True, time.monotonic() - started, tries, "200"
                last = f"{resp.status_code} {resp.content[:120]!r}"
                retry_after = resp.headers.get("Retry-After", "1")
                wait = float(retry_after) if retry_after.isdigit() else 1.0
            time.sleep(max(0.1, min(wait, 5.0, within_s - (time.monotonic() - started))))


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)  # nearest rank
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


def print_table(results: list[Result], wall_s: float, out: TextIO) -> None:
    groups: dict[tuple[str, str], list[float]] = defaultdict(list)
    for r in results:
        status = "no answer" if r.status is None else str(r.status)
        groups[(r.route, status)].append(r.seconds * 1000)
    print("route       status       count   p50_ms   p95_ms   max_ms", file=out)
    for (route, status), took in sorted(groups.items()):
        print(f"{route:<11} {status:<10} {len(took):>7} {percentile(took, 0.5):>8.0f} "
              f"{percentile(took, 0.95):>8.0f} {max(took):>8.0f}", file=out)
    took = [r.seconds * 1000 for r in results]
    ok = [r.seconds * 1000 for r in results if r.status == 200]
    print(f"{'all':<11} {'-':<10} {len(took):>7} {percentile(took, 0.5):>8.0f} "
          f"{percentile(took, 0.95):>8.0f} {max(took, default=0):>8.0f}", file=out)
    print(f"{'all':<11} {'200':<10} {len(ok):>7} {percentile(ok, 0.5):>8.0f} "
          f"{percentile(ok, 0.95):>8.0f} {max(ok, default=0):>8.0f}", file=out)
    codes = Counter(r.code for r in results if r.code)
    statuses = Counter("no answer" if r.status is None else r.status for r in results)
    print(f"answers: {', '.join(f'{k}={v}' for k, v in sorted(statuses.items(), key=str))}; "
          f"error codes: {dict(sorted(codes.items())) or '-'}; "
          f"{len(results) / max(wall_s, 1e-9):.1f} requests/s, "
          f"{len(ok) / max(wall_s, 1e-9):.2f} answers 200/s", file=out)


def sample_at(samples: list[tuple[float, float]], t: float) -> tuple[float, float] | None:
    """The first sample taken at or after ``t`` seconds."""
    return next(((at, v) for at, v in samples if at >= t), None)


def soak_report(samples: list[tuple[float, float]], max_growth_pct: float,
                out: TextIO) -> list[str]:
    marks = [(m, sample_at(samples, m * 60.0)) for m in (5, 15, 30)]
    print("soak rss: " + ", ".join(
        f"{m} min {s[1]:.1f} MiB (t={s[0]:.0f} s)" if s else f"{m} min -" for m, s in marks),
        file=out)
    warm = sample_at(samples, WARM_UP_S)
    if warm is None or warm == samples[-1]:
        return [f"the soak ended before its warm-up ({WARM_UP_S:.0f} s): no growth to judge"]
    pct = 100.0 * (samples[-1][1] - warm[1]) / warm[1]
    print(f"soak rss growth after warm-up: {pct:+.2f} % ({warm[1]:.1f} -> {samples[-1][1]:.1f}"
          f" MiB; limit {max_growth_pct:g} %)", file=out)
    return [f"RSS grew {pct:.2f} % after warm-up (limit {max_growth_pct:g} %)"] \
        if pct > max_growth_pct else []


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.tools.load", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--duration-s", type=float, default=30.0)
    parser.add_argument("--soak", action="store_true")
    parser.add_argument("--soak-minutes", type=float, default=30.0)
    parser.add_argument("--interval-s", type=float, default=None,
                        help="RSS sampling interval (default 5 s, 30 s with --soak)")
    parser.add_argument("--pid", type=int, help="server process (default: the one listening "
                                                "on the URL's port)")
    parser.add_argument("--request-timeout-s", type=float, default=150.0,
                        help="client timeout per request (above the server's deadline)")
    parser.add_argument("--recover-s", type=float, default=120.0)
    parser.add_argument("--backoff-s", type=float, default=0.1)
    parser.add_argument("--max-rss-growth-mb", type=float, default=256.0)
    parser.add_argument("--max-soak-growth-pct", type=float, default=2.0)
    parser.add_argument("--slow-clients", type=int, default=0)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    duration_s = args.soak_minutes * 60 if args.soak else args.duration_s
    interval_s = args.interval_s or (30.0 if args.soak else 5.0)
    if not 1 <= args.clients <= 256:
        parser.error("--clients must be 1..256")
    if not 0 < duration_s <= 24 * 3600 or not 0.1 <= interval_s <= 3600:
        parser.error("the duration must be in (0 s, 24 h] and --interval-s in [0.1, 3600]")
    if not 0 < args.request_timeout_s <= 3600 or not 0 < args.recover_s <= 3600:
        parser.error("--request-timeout-s and --recover-s must be in (0, 3600]")
    error = loopback_error(args.url)
    if error:
        print(f"load: refused: {error}", file=sys.stderr)
        return 2
    base = args.url.rstrip("/")
    out = sys.stdout
    pid = args.pid or listening_pid(urlsplit(base).port or 80)
    bodies = requests_for(article())
    try:  # once: answers are checked against the server's own document
        doc = fetch_document(base, args.request_timeout_s)
    except (OSError, ValueError) as exc:  # requests' errors are OSErrors; bad JSON ValueError
        print(f"load: cannot read {base}/openapi.json: {exc}", file=sys.stderr)
        return 1
    print(f"load: {args.clients} clients for {duration_s:.0f} s against {base} (server pid "
          f"{pid or 'unknown: RSS not sampled'}; summarize {len(bodies['summarize']['text'])} "
          f"chars extractive, translate {len(TRANSLATE_TEXTS)} sentences, LibreTranslate "
          f"/translate, jobs of 2 items)", file=out, flush=True)
    sampler = RssSampler(pid, interval_s, out if args.soak else None)
    sampler.start()
    slow = SlowClients(base, args.slow_clients) if args.slow_clients > 0 else None
    if slow:
        slow.start()
    started = time.monotonic()
    results = hammer(base, doc, args.clients, duration_s, args.request_timeout_s,
                     args.backoff_s, bodies, args.seed)
    wall_s = time.monotonic() - started
    if slow:
        slow.stop()
    recovered, recover_s, tries, last = recover(base, bodies["summarize"], args.recover_s,
                                                args.request_timeout_s)
    sampler.stop()

    failures: list[str] = slow.report(out) if slow else []
    print_table(results, wall_s, out)
    unanswered = [r for r in results if r.status is None]
    bad = [r for r in results if r.problem]
    for r in bad[:10]:
        print(f"PROBLEM {r.route}: status {r.status}: {r.problem}", file=out)
    if unanswered:
        failures.append(f"{len(unanswered)} request(s) got no answer")
    if bad:
        failures.append(f"{len(bad)} answer(s) broke the contract")
    if not results:
        failures.append("no request completed")
    print(f"recovery: {'200' if recovered else 'NO 200'} after {recover_s:.1f} s "
          f"({tries} tr{'y' if tries == 1 else 'ies'}; last: {last})", file=out)
    if not recovered:
        failures.append(f"no 200 within {args.recover_s:.0f} s after the load")
    if sampler.samples:
        if not args.soak:
            print("rss over time:", file=out)
            for t, value in sampler.samples:
                print(f"  t={t:7.1f} s  {value:8.1f} MiB", file=out)
        values = [v for _, v in sampler.samples]
        growth = values[-1] - values[0]
        late = values[-1] - values[len(values) // 2]
        print(f"rss: start {values[0]:.1f} MiB, peak {max(values):.1f} MiB, end "
              f"{values[-1]:.1f} MiB, growth {growth:+.1f} MiB (second half {late:+.1f} MiB; "
              f"limit {args.max_rss_growth_mb:.0f})", file=out)
        if growth > args.max_rss_growth_mb:
            failures.append(f"RSS grew {growth:.1f} MiB (limit {args.max_rss_growth_mb:.0f})")
        if args.soak:
            failures += soak_report(sampler.samples, args.max_soak_growth_pct, out)
    elif pid is not None:
        failures.append(f"could not read the RSS of pid {pid}")
    else:
        print("rss: not sampled (no --pid, and no listening process found)", file=out)
    for failure in failures:
        print(f"FAIL: {failure}", file=out)
    print(f"load: {'OK' if not failures else 'FAIL'}", file=out)
    return 0 if not failures else 1


if __name__ == "__main__":
    sys.exit(main())
