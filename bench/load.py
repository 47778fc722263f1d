"""What the HTTP benchmarks share: a real server (gunicorn on `bench.wsgi`), a real load
generator (locust, headless) and the figures of one measured run.

`bench.checkin` (bench/locustfile.py, a pool of check-ins) and `bench.reads`
(bench/locust_reads.py, a pool of pages) both use it.
"""

from __future__ import annotations

import contextlib
import csv
import os
import resource
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from bench.cpu import cpu_ticks, process_ticks, split_cpu, wait_quiet
from bench.target import BENCH_DIR, Target

REPO = BENCH_DIR.parent
VENV_BIN = Path(sys.executable).parent


@dataclass
class Figures:
    """One measured run, as locust reports it (latencies in milliseconds)."""

    name: str
    users: int
    requests: int
    failures: int
    seconds: float
    rps: float
    p50: float
    p95: float
    p99: float
    mean: float
    cpu_busy: float  # share of all cores busy during the run (whole machine)
    busy_before: float  # share of all cores busy just before it
    foreign: float  # cores used by other work during the run (noise in the figures)
    server_cpu_ms: float  # CPU of gunicorn and its database backends per request
    locust_cpu: float  # cores used by the load generator itself

    @property
    def disturbed(self) -> bool:
        return self.busy_before > 0.15 or self.foreign > 0.1


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def rss_mib(pid: int, field: str = "VmHWM") -> float:
    """A process's peak (VmHWM) or current (VmRSS) resident size, in MiB; 0 once it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return 0.0


class Server:
    """gunicorn on bench.wsgi, started and stopped by this process only."""

    def __init__(self, target: Target, workers: int, run_dir: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = target.environ()
        env["ALLOWED_HOSTS"] = "127.0.0.1,localhost"
        (run_dir / "access.log").unlink(missing_ok=True)
        self.log = open(run_dir / "gunicorn.log", "w")  # noqa: SIM115 - closed in stop()
        command = [
            str(VENV_BIN / "gunicorn"), "bench.wsgi:application",
            "--workers", str(workers),
            "--bind", f"127.0.0.1:{self.port}",
            "--backlog", "2048",
            "--timeout", "300",
        ]  # fmt: skip
        self.process = subprocess.Popen(
            command, cwd=REPO, env=env, stdout=self.log, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(self.url + "/bench/bare/", timeout=2) as reply:
                    if reply.status == 200:
                        break
            except OSError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise SystemExit(f"gunicorn did not start; see {run_dir / 'gunicorn.log'}")
            time.sleep(0.3)
        # One request through Django in every worker, so imports are not timed.
        for _ in range(workers * 2):
            with contextlib.suppress(OSError):
                urllib.request.urlopen(self.url + "/api/v1/health/", timeout=10).close()

    def worker_pids(self) -> list[int]:
        pids = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.process.pid:
                pids.append(int(stat.parent.name))
        return pids

    def worker_peak_mib(self) -> float:
        """The largest peak resident size (VmHWM) of any worker so far."""
        return max((rss_mib(pid) for pid in self.worker_pids()), default=0.0)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


def locust(
    locustfile: Path,
    user_class: str,
    *,
    url: str,
    users: int,
    seconds: int,
    run_dir: Path,
    name: str,
    env_extra: dict[str, str] | None = None,
    quiet_wait: float = 0.0,
    database: str = "",
    server_pid: int = 0,
) -> Figures:
    """Run locust headless against `url` and read its summary; CPU is accounted as
    `bench.cpu.split_cpu` says (the server and its database backends, and everybody else)."""
    prefix = run_dir / name
    env = dict(os.environ)
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.update(env_extra or {})
    command = [
        str(VENV_BIN / "locust"), "-f", str(locustfile), "--headless",
        "--users", str(users), "--spawn-rate", str(users), "--run-time", f"{seconds}s",
        "--host", url, "--csv", str(prefix), "--only-summary", "--stop-timeout", "30",
        "--exit-code-on-error", "0", "--loglevel", "WARNING", user_class,
    ]  # fmt: skip
    idle_check = wait_quiet(quiet_wait)
    before_processes = process_ticks()
    before_cpu = cpu_ticks()
    before_children = resource.getrusage(resource.RUSAGE_CHILDREN)
    began = time.perf_counter()
    with open(run_dir / f"{name}.log", "w") as log:
        done = subprocess.run(command, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    elapsed = time.perf_counter() - began
    after_children = resource.getrusage(resource.RUSAGE_CHILDREN)
    after_cpu = cpu_ticks()
    server_cpu, other_cpu = split_cpu(
        before_processes, process_ticks(), database=database, server_pid=server_pid
    )
    if done.returncode != 0:
        raise SystemExit(f"locust failed ({done.returncode}); see {run_dir / name}.log")
    with open(f"{prefix}_stats.csv") as handle:
        total = next(row for row in csv.DictReader(handle) if row["Name"] == "Aggregated")
    requests = int(total["Request Count"])
    locust_cpu = (after_children.ru_utime + after_children.ru_stime) - (
        before_children.ru_utime + before_children.ru_stime
    )

    def number(key: str) -> float:
        value = total.get(key) or "0"
        return float(value) if value != "N/A" else 0.0

    return Figures(
        name=name,
        users=users,
        requests=requests,
        failures=int(total["Failure Count"]),
        seconds=round(elapsed, 1),
        rps=round(number("Requests/s"), 1),
        p50=number("50%"),
        p95=number("95%"),
        p99=number("99%"),
        mean=round(number("Average Response Time"), 1),
        cpu_busy=round((after_cpu[0] - before_cpu[0]) / max(1, after_cpu[1] - before_cpu[1]), 3),
        locust_cpu=round(locust_cpu / elapsed, 2),
        busy_before=idle_check,
        foreign=round(other_cpu / elapsed, 2),
        server_cpu_ms=round(1000 * server_cpu / max(1, requests), 2),
    )


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile of `values` (share 0.95 for p95)."""
    ordered = sorted(values)
    if not ordered:
        return 0.0
    rank = max(1, min(len(ordered), round(share * len(ordered) + 0.5)))
    return ordered[rank - 1]
