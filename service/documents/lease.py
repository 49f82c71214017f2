"""Who holds a live document: the process translating it, named so that another process on
the same machine can tell at once that it has stopped (its pid gone, or reused by a process
started at another time), and on any machine once its lease is not renewed."""

from __future__ import annotations

import os
import socket
import uuid


def _started(pid: int) -> str | None:
    """The start time of process ``pid`` (clock ticks since boot, from /proc), or None where
    there is no /proc or no such process."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as file:
            stat = file.read()
    except OSError:
        return None
    # Field 22; the command name (field 2) may hold spaces, so count from its closing ")".
    fields = stat[stat.rfind(b")") + 2:].split()
    return fields[19].decode() if len(fields) > 19 else None


def process_id() -> str:
    """This process's lease owner name: host, pid, start time, and a token of its own."""
    pid = os.getpid()
    return f"{socket.gethostname()}:{pid}:{_started(pid) or '-'}:{uuid.uuid4().hex[:12]}"


def process_gone(owner: str | None) -> bool:
    """Whether the process named ``owner`` has certainly stopped: it ran on this machine and
    its pid is free now or belongs to a process started at another time. False when that
    cannot be told (another machine, no /proc): its lease's expiry tells then."""
    if owner is None:
        return True
    parts = owner.split(":")
    if len(parts) != 4 or parts[0] != socket.gethostname() or not parts[1].isdigit():
        return False
    pid, started = int(parts[1]), parts[2]
    if started == "-":
        return False
    now = _started(pid)
    if now is None:
        return os.path.isdir("/proc/self")  # with /proc there, the pid is free
    return now != started
