"""Remove generated benchmark databases.

.venv/bin/python -m bench.clean --size S --db postgres    # one database
.venv/bin/python -m bench.clean --all                     # every headway_bench* database
                                                          # and bench/.data/ (bench/results/ stays)
"""

from __future__ import annotations

import argparse
import shutil
import sys
from urllib.parse import urlsplit, urlunsplit

from bench.target import (
    DATA_ROOT,
    DEFAULT_POSTGRES,
    SAFE_PREFIX,
    add_target_arguments,
    drop_database,
    target_from_arguments,
)


def drop_all(base_url: str) -> list[str]:
    import psycopg

    parts = urlsplit(base_url)
    with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as conn:
        names = [
            row[0]
            for row in conn.execute(
                "SELECT datname FROM pg_database WHERE datname LIKE %s", [SAFE_PREFIX + "%"]
            )
        ]
        for name in names:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return names


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.clean", description=__doc__)
    add_target_arguments(parser)
    parser.add_argument("--all", action="store_true")
    args = parser.parse_args(argv)
    if args.all:
        dropped = drop_all(args.database_url or DEFAULT_POSTGRES.format(size="s"))
        shutil.rmtree(DATA_ROOT, ignore_errors=True)
        print(f"dropped {', '.join(dropped) or 'no database'}; removed {DATA_ROOT}")
        return 0
    target = target_from_arguments(args)
    drop_database(target)
    if target.engine == "postgres":
        shutil.rmtree(target.data_dir, ignore_errors=True)
    print(f"removed {target.label}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
