"""CPU accounting on a shared machine: how busy it is, and who used the CPU during a run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any


def cpu_ticks() -> tuple[int, int]:
    """(busy, total) jiffies of the whole machine since boot."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


def busy_share(seconds: float = 3.0) -> float:
    """The share of all cores busy over the next `seconds`."""
    first = cpu_ticks()
    time.sleep(seconds)
    second = cpu_ticks()
    return round((second[0] - first[0]) / max(1, second[1] - first[1]), 3)


def wait_quiet(limit: float) -> float:
    """Wait until the machine is idle (the server has drained the previous run and nobody else
    is working), at most `limit` seconds; the last busy share seen."""
    deadline = time.monotonic() + limit
    busy = busy_share()
    announced = False
    while busy > 0.15 and time.monotonic() < deadline:
        if not announced:
            print(f"  waiting for a quiet machine ({busy:.0%} busy) …", file=sys.stderr)
            announced = True
        busy = busy_share(5.0)
    return busy


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def process_ticks() -> dict[int, tuple[int, int, str]]:
    """pid → (CPU ticks used, parent pid, command line) of every process."""
    table = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            cmdline = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (OSError, UnicodeDecodeError):
            continue
        table[int(stat.parent.name)] = (int(fields[11]) + int(fields[12]), int(fields[1]), cmdline)
    return table


def descendants(table: dict[int, tuple[int, int, str]], root: int) -> set[int]:
    found = {root}
    changed = True
    while changed:
        changed = False
        for pid, (_, parent, _) in table.items():
            if parent in found and pid not in found:
                found.add(pid)
                changed = True
    return found


def split_cpu(
    before: dict[int, tuple[int, int, str]],
    after: dict[int, tuple[int, int, str]],
    *,
    database: str,
    server_pid: int,
) -> tuple[float, float]:
    """CPU seconds used during a run (server, others). The server: gunicorn's processes and the
    PostgreSQL backends serving the benchmark's database. Others: every process that is neither
    this benchmark's (this process, the server, the load generator) nor PostgreSQL's background
    work; a backend serving another database counts as other work."""
    mine = descendants(after, os.getpid())
    server = descendants(after, server_pid)
    server_ticks = other_ticks = 0
    for pid, (ticks, _, cmdline) in after.items():
        used = ticks - before.get(pid, (0, 0, ""))[0]
        if cmdline.startswith("postgres:"):
            parts = cmdline.split()
            # "postgres: 15/main: USER DATABASE HOST(PORT) STATE" for a backend
            if len(parts) < 5:
                continue
            if parts[3] == database:
                server_ticks += used
            else:
                other_ticks += used
        elif pid in server:
            server_ticks += used
        elif pid not in mine:
            other_ticks += used
    return server_ticks / CLOCK_TICKS, other_ticks / CLOCK_TICKS


def others_during(before: dict[int, tuple[int, int, str]], seconds: float, database: str) -> float:
    """Cores used on average by other work since `before` (see `split_cpu`)."""
    _, other = split_cpu(before, process_ticks(), database=database, server_pid=-1)
    return round(other / max(seconds, 1e-9), 2)


def step_in_fresh_process(
    command: list[str], *, database: str, what: str, timeout: float | None = None
) -> dict[str, Any]:
    """Run one measured step (`python -m bench.… --step …`) in a process of its own, so its
    peak memory is its own; the figures it printed last, as JSON, with the cores that other
    work used meanwhile ("others"). Past `timeout` seconds, `subprocess.TimeoutExpired`."""
    before = process_ticks()
    began = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    elapsed = time.perf_counter() - began
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        raise SystemExit(f"{what} failed")
    figures: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    figures["others"] = others_during(before, elapsed, database)
    return figures
