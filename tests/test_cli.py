"""The `headway` command: goals-file checks without a database, Django commands passed through."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from headway.cli import is_goals_check, main

FIXTURE = Path(__file__).parent / "io" / "fixtures" / "acme.yaml"


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ([str(FIXTURE)], True),
        (["goals.yaml"], True),
        (["--json", "x"], True),
        (["--today=2026-11-15", "x"], True),
        ([], False),
        (["--deploy"], False),
        (["auth"], False),
    ],
)
def test_it_tells_a_goals_check_from_djangos_check(args: list[str], expected: bool) -> None:
    assert is_goals_check(args) is expected


def test_check_of_a_goals_file_exits_zero_without_errors(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["check", str(FIXTURE), "--today", "2026-11-15"]) == 0
    assert "Deliver an exceptional customer experience" in capsys.readouterr().out


def test_check_runs_without_any_database(tmp_path: Path) -> None:
    # given: a data directory that does not exist and a database URL nobody answers
    env = {
        **os.environ,
        "HEADWAY_DATA_DIR": str(tmp_path / "nowhere"),
        "DATABASE_URL": "postgres://nobody@127.0.0.1:1/none",
    }
    # when
    result = subprocess.run(
        [sys.executable, "-m", "headway", "check", str(FIXTURE), "--json"],
        env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    # then
    assert result.returncode == 0, result.stderr
    assert '"objectives"' in result.stdout
    assert not (tmp_path / "nowhere").exists()


def test_django_commands_pass_through(tmp_path: Path) -> None:
    env = {**os.environ, "HEADWAY_DATA_DIR": str(tmp_path)}
    env.pop("DATABASE_URL", None)
    result = subprocess.run(
        [sys.executable, "-m", "headway", "migrate", "--noinput", "-v", "0"],
        env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "headway.sqlite3").exists()
