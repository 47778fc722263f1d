"""The `headway` command: Headway's own subcommands plus every Django management command.

`headway check FILE` reads a goals file without any database; everything else
(`demo`, `serve`, `import`, `export`, `recompute`, `migrate`, `createsuperuser`, ...) runs
as a Django management command.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

GOALS_FILE_SUFFIXES = (".yaml", ".yml")


def is_goals_check(args: list[str]) -> bool:
    """`check FILE`, `check --json ...` is the goals file; bare `check` or `check --deploy` is Django's."""
    if any(arg in ("--json", "--today") or arg.startswith("--today=") for arg in args):
        return True
    positional = [arg for arg in args if not arg.startswith("-")]
    return any(
        arg.endswith(GOALS_FILE_SUFFIXES) or Path(arg).is_file() or arg == "-" for arg in positional
    )


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["check"] and is_goals_check(args[1:]):
        from headway.io.check import main as check_main

        return check_main(args[1:])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "headway.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["headway", *args])
    return 0


if __name__ == "__main__":
    sys.exit(main())
