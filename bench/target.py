"""Which database a benchmark runs against: chosen from the command line, set in the environment
before Django starts, and passed on unchanged to the server processes a benchmark starts.

SQLite runs exactly as `settings.py` configures it (WAL, IMMEDIATE transactions) in a data
directory of its own; PostgreSQL through DATABASE_URL, in a database whose name starts with
`headway_bench` so that the generator may drop and recreate it without touching anything else.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

BENCH_DIR = Path(__file__).resolve().parent
DATA_ROOT = BENCH_DIR / ".data"
RESULTS_DIR = BENCH_DIR / "results"  # tracked: the recorded runs BENCHMARKS.md reads from
SIZES = ("S", "M", "L")
DEFAULT_POSTGRES = "postgres://postgres@127.0.0.1:5432/headway_bench_{size}"
SAFE_PREFIX = "headway_bench"


@dataclass(frozen=True)
class Target:
    """One generated database: its size, its engine and where it lives."""

    size: str
    engine: str  # "sqlite" or "postgres"
    database_url: str  # empty for SQLite
    data_dir: Path

    @property
    def label(self) -> str:
        return f"{self.size}-{self.engine}"

    @property
    def slug(self) -> str:
        return f"bench-{self.size.lower()}"

    @property
    def sqlite_file(self) -> Path:
        return self.data_dir / "headway.sqlite3"

    @property
    def database_name(self) -> str:
        return urlsplit(self.database_url).path.lstrip("/")

    def environ(self, base: dict[str, str] | None = None) -> dict[str, str]:
        """The environment a Headway process needs to use this database."""
        env = dict(os.environ if base is None else base)
        env["HEADWAY_DATA_DIR"] = str(self.data_dir)
        env["DJANGO_SETTINGS_MODULE"] = "headway.settings"
        env.pop("DEBUG", None)
        if self.engine == "postgres":
            env["DATABASE_URL"] = self.database_url
        else:
            env.pop("DATABASE_URL", None)
        return env


def add_target_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--size", choices=SIZES, default="S", type=str.upper)
    parser.add_argument(
        "--db",
        choices=("sqlite", "postgres"),
        default="sqlite",
        help="SQLite in bench/.data/SIZE-sqlite/ (default), or PostgreSQL",
    )
    parser.add_argument(
        "--database-url",
        default="",
        help="PostgreSQL URL (implies --db postgres); default "
        + DEFAULT_POSTGRES.replace("{size}", "<size>"),
    )


def target_from_arguments(args: argparse.Namespace) -> Target:
    engine = "postgres" if args.database_url else args.db
    url = ""
    if engine == "postgres":
        url = args.database_url or DEFAULT_POSTGRES.format(size=args.size.lower())
        if not url.startswith(("postgres://", "postgresql://")):
            raise SystemExit(f"--database-url must be a PostgreSQL URL, got {url!r}")
    return Target(
        size=args.size,
        engine=engine,
        database_url=url,
        data_dir=DATA_ROOT / f"{args.size}-{engine}",
    )


def setup_django(target: Target) -> None:
    """Point this process at the target's database and start Django."""
    os.environ.clear()
    os.environ.update(target.environ(dict(os.environ)))
    target.data_dir.mkdir(parents=True, exist_ok=True)
    import django

    django.setup()


@dataclass(frozen=True)
class Sample:
    """Who a load benchmark acts as: the generated organization, the period running today and
    some of its people, drawn with a seed (`rng` goes on drawing for the caller)."""

    organization: Any
    period: Any
    today: dt.date
    people: list[int]  # ids, ascending
    rng: random.Random


def people_sample(target: Target, people: int, seed: int) -> Sample:
    """`people` active members and leaders who can sign in, after Django is set up."""
    from django.utils import timezone

    from headway.org.models import Organization, Period, Person

    org = Organization.objects.filter(slug=target.slug).first()
    if org is None:
        raise SystemExit(
            f"no organization {target.slug!r} in this database: run "
            f"`python -m bench.generate --size {target.size} --db {target.engine}` first"
        )
    today = timezone.localdate()
    period = Period.objects.filter(organization=org, start__lte=today, end__gte=today).first()
    if period is None:
        raise SystemExit("no period contains today: generate the database again")
    rng = random.Random(seed)
    candidates = list(
        Person.objects.filter(
            organization=org, active=True, user__isnull=False, role__in=["member", "leader"]
        )
        .order_by("id")
        .values_list("id", flat=True)
    )
    chosen = sorted(rng.sample(candidates, min(people, len(candidates))))
    return Sample(org, period, today, chosen, rng)


def _maintenance_url(target: Target) -> str:
    parts = urlsplit(target.database_url)
    return urlunsplit(parts._replace(path="/postgres"))


def recreate_database(target: Target) -> None:
    """Start from an empty database: drop and create a `headway_bench*` PostgreSQL database, or
    delete the SQLite files. Must run before `setup_django` opens a connection."""
    if target.engine == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(f"{target.sqlite_file}{suffix}").unlink(missing_ok=True)
        return
    name = target.database_name
    if not name.startswith(SAFE_PREFIX) or not name.replace("_", "").isalnum():
        raise SystemExit(
            f"refusing to drop database {name!r}: the generator only recreates databases "
            f"named {SAFE_PREFIX}*"
        )
    import psycopg

    with psycopg.connect(_maintenance_url(target), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def drop_database(target: Target) -> None:
    """Remove a generated database (PostgreSQL) or its data directory (SQLite)."""
    if target.engine == "sqlite":
        shutil.rmtree(target.data_dir, ignore_errors=True)
        return
    name = target.database_name
    if not name.startswith(SAFE_PREFIX):
        raise SystemExit(f"refusing to drop database {name!r}")
    import psycopg

    with psycopg.connect(_maintenance_url(target), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def machine() -> dict[str, Any]:
    """The machine and the database servers, for the results files."""
    from django.db import connection

    memory_kib = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory_kib = int(line.split()[1])
    except OSError:
        pass
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            database = f"PostgreSQL {cursor.fetchone()[0]}"
        else:
            cursor.execute("SELECT sqlite_version()")
            database = f"SQLite {cursor.fetchone()[0]}"
    return {
        "cores": os.cpu_count(),
        "memory_gib": round(memory_kib / 1024 / 1024, 1),
        "cpu": cpu,
        "python": platform.python_version(),
        "database": database,
    }


def save_result(name: str, data: dict[str, Any]) -> Path:
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"{name}.json"
    path.write_text(json.dumps(data, indent=2, default=str) + "\n")
    return path
