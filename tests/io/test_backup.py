"""Backup and restore: an archive restored into an empty database gives back the same rows, table
by table (the same canonical hashes), on SQLite and on PostgreSQL."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import threading
import zipfile
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.test import Client
from tests.conftest import Company

from headway.checkins.models import CheckIn
from headway.checkins.services import checkin_record
from headway.goals.models import KeyResult, Milestone
from headway.goals.services import (
    alignment_create,
    initiative_create,
    key_result_create,
    milestone_save,
    objective_create,
    result_area_create,
)
from headway.indicators.services import indicator_create, measurement_record, target_set
from headway.io.backup import (
    BackupError,
    archive_hashes,
    archive_manifest,
    archive_rows,
    backup_restore,
    backup_write,
    table_entries,
    table_hashes,
)
from headway.org.models import Organization, Person

transactional = pytest.mark.django_db(transaction=True)


def add_goals(c: Company) -> list[KeyResult]:
    """KRAs, objectives, key results, an alignment, check-ins, a KPI with a target and (replaced)
    measurements, an initiative with a milestone: every table gets rows, and audit rows follow."""
    kra = result_area_create(
        organization=c.org, name="Revenue growth", owner=c.leader, actor=c.admin,
        weight=Decimal("40.5"), scope_unit=c.sales,
    )  # fmt: skip
    top = objective_create(
        organization=c.org, title="Grow revenue", owner=c.admin, period=c.quarter,
        actor=c.admin, result_area=kra,
    )  # fmt: skip
    arr = key_result_create(
        objective=top, title="Increase ARR from 1M to 1.5M", start=Decimal(1_000_000),
        target=Decimal(1_500_000), confidence_start=6, actor=c.admin,
    )  # fmt: skip
    child = objective_create(
        organization=c.org, title="Win EMEA deals", owner=c.leader, period=c.quarter,
        scope_unit=c.emea, actor=c.leader,
    )  # fmt: skip
    churn = key_result_create(
        objective=child, title="Reduce churn from 8% to 5%", start=Decimal(8), target=Decimal(5),
        owner=c.member, actor=c.leader,
    )  # fmt: skip
    alignment_create(child=child, parent_key_result=arr, weight=Decimal("2.5"), actor=c.leader)
    checkin_record(
        key_result=arr, value=Decimal("1100000.5"), author=c.admin, confidence=7,
        note="First deals — signed ✓", date=dt.date(2026, 10, 15),
    )  # fmt: skip
    checkin_record(
        key_result=churn, value=Decimal("7.25"), author=c.member, confidence=5, status="at_risk",
        date=dt.date(2026, 10, 20),
    )  # fmt: skip
    kpi = indicator_create(
        organization=c.org, name="Monthly recurring revenue", owner=c.leader, result_area=kra,
        unit_label="EUR",
    )  # fmt: skip
    target_set(indicator=kpi, period=c.quarter, value=Decimal(120_000), actor=c.leader)
    measurement_record(indicator=kpi, date=dt.date(2026, 10, 31), value=Decimal("98000.125"))
    measurement_record(indicator=kpi, date=dt.date(2026, 10, 31), value=Decimal(99_000))
    initiative = initiative_create(
        organization=c.org, title="Partner program", owner=c.leader, key_results=[arr]
    )
    milestone_save(
        milestone=Milestone(
            initiative=initiative, title="Sign 3 partners", due=dt.date(2026, 11, 30)
        )
    )
    # JSON with nested keys, a float and a null: the hash must not depend on how it is stored.
    Organization.objects.filter(pk=c.org.pk).update(
        settings={"zeta": [1, 2.5, None], "alpha": {"b": True, "a": "é"}}
    )
    return [arr, churn]


def flush() -> None:
    call_command("flush", interactive=False, verbosity=0)


def rewrite(path: Path, edit: Callable[[str, bytes], bytes]) -> None:
    """Rewrite an archive, passing every member's bytes through `edit(name, data)`."""
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, edit(name, data))


def edit_manifest(path: Path, change: Callable[[dict[str, Any]], None]) -> None:
    def edit(name: str, data: bytes) -> bytes:
        if name != "manifest.json":
            return data
        manifest = json.loads(data)
        change(manifest)
        return json.dumps(manifest).encode()

    rewrite(path, edit)


@transactional
def test_backup_then_restore_gives_identical_tables(
    company: Company, other_company: Company, tmp_path: Path
) -> None:
    # given two tenants with goals, check-ins, KPIs and their audit trail
    add_goals(company)
    add_goals(other_company)
    before = table_entries()
    path = tmp_path / "all.zip"

    # when everything is backed up, the database emptied and the archive restored
    manifest = backup_write(path)
    flush()
    assert not Organization.objects.exists()
    restored = backup_restore(path)

    # then every table holds the same rows: same counts, same canonical hashes
    assert restored.different == []
    assert table_entries() == before
    assert manifest.hashes == table_hashes() == archive_hashes(path)
    assert {e.table: e.rows for e in manifest.tables} == {e.table: e.rows for e in before}
    counts = {entry.table: entry.rows for entry in manifest.tables}
    for table in ("auth_user", "checkins_checkin", "audit_auditevent", "goals_alignment"):
        assert counts[table] > 0, table
    assert counts["indicators_measurement"] == 2  # one per tenant: the second value replaced it
    assert manifest.scope == "all"
    assert manifest.migrations["checkins"]
    # and the values are kept exactly: decimals at their scale, times in UTC, primary keys
    arr = next(
        r for r in archive_rows(path, "goals_keyresult") if r["title"].startswith("Increase")
    )
    assert arr["start"] == "1000000.000000"
    assert arr["current"] == "1100000.500000"
    assert arr["created_at"].endswith("+00:00")
    assert KeyResult.objects.get(pk=arr["id"]).current == Decimal("1100000.5")
    assert Organization.objects.get(slug="acme").settings == {
        "zeta": [1, 2.5, None], "alpha": {"b": True, "a": "é"}
    }  # fmt: skip


@transactional
def test_a_restored_database_takes_new_rows(company: Company, tmp_path: Path) -> None:
    [arr, _churn] = add_goals(company)
    last_id = CheckIn.objects.order_by("-pk").values_list("pk", flat=True).first()
    backup_write(tmp_path / "acme.zip")
    flush()
    backup_restore(tmp_path / "acme.zip")

    # the id sequences continue after the restored rows (PostgreSQL needs them reset)
    check_in = checkin_record(
        key_result=KeyResult.objects.get(pk=arr.pk), value=Decimal(1_200_000), author=None
    )
    assert last_id is not None
    assert check_in.pk > last_id


@transactional
def test_an_organization_backup_holds_no_row_of_the_other_tenant(
    company: Company, other_company: Company, tmp_path: Path
) -> None:
    add_goals(company)
    add_goals(other_company)
    path = tmp_path / "acme.zip"
    expected = table_hashes(organization=company.org)

    manifest = backup_write(path, organization="acme")

    assert manifest.organization == "acme"
    assert manifest.hashes == expected == archive_hashes(path)
    for entry in manifest.tables:
        for row in archive_rows(path, entry.table):
            if "organization_id" in row:
                assert row["organization_id"] == company.org.pk, entry.table
    assert [r["slug"] for r in archive_rows(path, "org_organization")] == ["acme"]
    usernames = {r["username"] for r in archive_rows(path, "auth_user")}
    assert usernames == set(
        User.objects.filter(people__organization=company.org).values_list("username", flat=True)
    )
    assert all(name.startswith("acme-") for name in usernames)

    # restored alone, it is the whole database; its people can still sign in
    flush()
    restored = backup_restore(path)
    assert restored.different == []
    assert table_hashes() == manifest.hashes
    assert list(Organization.objects.values_list("slug", flat=True)) == ["acme"]
    assert Client().login(username="acme-admin", password="pw-for-tests-only")
    assert Person.objects.get(email="admin@acme.test").user is not None


@pytest.mark.django_db
def test_restore_refuses_a_database_that_holds_rows(company: Company, tmp_path: Path) -> None:
    path = tmp_path / "acme.zip"
    backup_write(path)

    with pytest.raises(BackupError, match=r"needs an empty database.*org_organization \(1 rows\)"):
        backup_restore(path)
    assert Organization.objects.count() == 1


@pytest.mark.django_db
def test_restore_refuses_an_unknown_format_version(company: Company, tmp_path: Path) -> None:
    path = tmp_path / "acme.zip"
    backup_write(path)
    edit_manifest(path, lambda manifest: manifest.update(format_version=99))

    with pytest.raises(BackupError, match="format version 99 is not supported"):
        backup_restore(path)
    with pytest.raises(CommandError, match="format version 99 is not supported"):
        call_command("restore", str(path), stdout=io.StringIO(), stderr=io.StringIO())


@pytest.mark.django_db
def test_restore_refuses_what_is_not_an_archive(tmp_path: Path) -> None:
    text = tmp_path / "notes.zip"
    text.write_text("not a zip")
    with pytest.raises(BackupError, match="not a zip archive"):
        backup_restore(text)
    bare = tmp_path / "bare.zip"
    with zipfile.ZipFile(bare, "w") as archive:
        archive.writestr("hello.txt", "hi")
    with pytest.raises(BackupError, match=r"no manifest\.json"):
        backup_restore(bare)
    with pytest.raises(BackupError, match="no such file"):
        backup_restore(tmp_path / "missing.zip")


@transactional
def test_a_damaged_table_file_is_refused_and_nothing_is_loaded(
    company: Company, tmp_path: Path
) -> None:
    path = tmp_path / "acme.zip"
    backup_write(path)
    flush()

    def damage(name: str, data: bytes) -> bytes:
        return (
            data.replace(b"Ada Admin", b"Eve Admin") if name == "tables/org_person.jsonl" else data
        )

    rewrite(path, damage)
    with pytest.raises(BackupError, match=r"org_person\.jsonl is damaged"):
        backup_restore(path)
    assert not Organization.objects.exists()


@transactional
def test_a_value_the_database_cannot_keep_is_reported_different(
    company: Company, tmp_path: Path
) -> None:
    # given an archive whose key result weight has more places than the column keeps
    add_goals(company)
    path = tmp_path / "acme.zip"
    backup_write(path)
    flush()
    table = "tables/goals_keyresult.jsonl"

    def more_places(name: str, data: bytes) -> bytes:
        return data.replace(b'"1.0000"', b'"1.00001"', 1) if name == table else data

    rewrite(path, more_places)
    with zipfile.ZipFile(path) as archive:
        digest = hashlib.sha256(archive.read(table)).hexdigest()

    def record(manifest: dict[str, Any]) -> None:
        for entry in manifest["tables"]:
            if entry["table"] == "goals_keyresult":
                entry["sha256"] = digest

    edit_manifest(path, record)

    # when it is restored, the table is loaded but reported, and the command exits non-zero
    out = io.StringIO()
    with pytest.raises(CommandError, match="1 tables differ from the archive: goals_keyresult"):
        call_command("restore", str(path), stdout=out, stderr=io.StringIO())
    lines = out.getvalue().splitlines()
    assert any(line.startswith("goals_keyresult ") and line.endswith("DIFFERENT") for line in lines)
    assert any(line.startswith("goals_objective ") and line.endswith("OK") for line in lines)


@transactional
def test_the_commands_print_every_table_with_the_same_hashes(
    company: Company, tmp_path: Path
) -> None:
    add_goals(company)
    path = tmp_path / "acme.zip"
    backup_out, backup_err = io.StringIO(), io.StringIO()
    call_command(
        "backup", str(path), "--organization", "acme", stdout=backup_out, stderr=backup_err
    )
    flush()
    restore_out = io.StringIO()
    call_command("restore", str(path), stdout=restore_out, stderr=io.StringIO())

    tables = [entry.table for entry in archive_manifest(path).tables]
    backed_up = [line.split() for line in backup_out.getvalue().splitlines()[1:]]
    restored = [line.split() for line in restore_out.getvalue().splitlines()[1:]]
    assert [row[0] for row in backed_up] == tables
    assert [row[:3] for row in restored] == backed_up  # table, rows, sha256[:16]
    assert {row[3] for row in restored} == {"OK"}
    assert "scope organization acme" in backup_out.getvalue()
    assert "  org_person: 7 rows" in backup_err.getvalue()  # progress, table by table


@pytest.mark.django_db
def test_backup_of_an_unknown_organization_names_the_known_ones(
    company: Company, tmp_path: Path
) -> None:
    with pytest.raises(CommandError, match='no organization "initech"; known: acme'):
        call_command("backup", str(tmp_path / "x.zip"), "--organization", "initech")
    assert not (tmp_path / "x.zip").exists()
    assert not list(tmp_path.iterdir())  # no half-written archive left behind


def _older_migration(app: str) -> tuple[str, str] | None:
    """The app's newest migration and the one before, when going back is safe (reversible, and
    no other migration depends on the newest)."""
    loader = MigrationLoader(connection)
    [leaf] = [node for node in loader.graph.leaf_nodes() if node[0] == app]
    parents = [node for node in loader.graph.node_map[leaf].parents if node.key[0] == app]
    children = loader.graph.node_map[leaf].children
    migration = loader.graph.nodes[leaf]
    if len(parents) != 1 or children or not all(op.reversible for op in migration.operations):
        return None
    return leaf[1], parents[0].key[1]


@transactional
def test_an_archive_from_an_older_schema_restores_and_migrates_forward(
    company: Company, tmp_path: Path
) -> None:
    # check-ins' newest migration adds columns; an archive taken before it has none of them
    found = _older_migration("checkins")
    if found is None:
        pytest.skip("checkins has no newest migration that is safe to unapply")
    newest, older = found
    path = tmp_path / "old.zip"
    try:
        # given an archive written by a database at the older check-ins schema
        call_command("migrate", "checkins", older, verbosity=0)
        manifest = backup_write(path)
        assert manifest.migrations["checkins"] == [older]
        checkin_entry = next(e for e in manifest.tables if e.table == "checkins_checkin")
        assert "key_result_id" not in checkin_entry.columns

        # and an empty database at the newest schema
        call_command("migrate", verbosity=0)
        flush()

        # when it is restored
        restored = backup_restore(path)

        # then the database went back to the archive's schema, loaded, and migrated forward
        assert restored.migrated_to_archive == [f"checkins.{older}"]
        assert f"checkins.{newest}" in restored.migrated_forward
        assert restored.different == []
        assert ("checkins", newest) in MigrationRecorder(connection).applied_migrations()
        now = table_hashes()
        assert {t: h for t, h in now.items() if t != "checkins_checkin"} == {
            t: h for t, h in manifest.hashes.items() if t != "checkins_checkin"
        }
        assert Person.objects.filter(organization__slug="acme").count() == 7
    finally:
        call_command("migrate", verbosity=0)


class Stop(Exception):
    pass


@pytest.mark.django_db
def test_restore_migrates_each_app_to_the_state_the_archive_records(
    company: Company, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given an archive that says check-ins were at their first migration
    path = tmp_path / "acme.zip"
    backup_write(path)
    edit_manifest(path, lambda m: m["migrations"].update(checkins=["0001_initial"]))
    calls: list[tuple[Any, ...]] = []
    monkeypatch.setattr("headway.io.backup.call_command", lambda *args, **kw: calls.append(args))
    monkeypatch.setattr("headway.io.backup._refuse_non_empty", lambda *args: None)
    monkeypatch.setattr("headway.io.backup._refuse_in_transaction", lambda *args: None)

    def stop(*args: Any) -> None:
        raise Stop

    monkeypatch.setattr("headway.io.backup._state_apps", stop)

    # when it is restored, `migrate checkins 0001_initial` runs before any row is loaded
    with pytest.raises(Stop):
        backup_restore(path)
    assert calls == [("migrate", "checkins", "0001_initial")]


@transactional
def test_a_backup_taken_during_writes_is_one_consistent_snapshot(
    company: Company, tmp_path: Path
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the test database of SQLite is in memory, shared between threads by locks")
    # given a writer recording check-ins as fast as it can, in its own connection
    krs = add_goals(company)
    committed = 0
    failures: list[BaseException] = []
    stop = threading.Event()

    def write() -> None:
        nonlocal committed
        try:
            while not stop.is_set():
                kr = KeyResult.objects.get(pk=krs[committed % 2].pk)
                checkin_record(
                    key_result=kr, value=Decimal(committed), author=None, note=f"writer {committed}"
                )
                committed += 1
        except BaseException as error:
            failures.append(error)
        finally:
            connections.close_all()

    def wait_for_writes(table: str, rows: int) -> None:
        # between two tables, let the writer commit more check-ins (and their audit rows)
        if table == "audit_auditevent":
            target = committed + 3
            while committed < target and writer.is_alive():
                stop.wait(0.01)

    writer = threading.Thread(target=write)
    writer.start()
    path = tmp_path / "during.zip"
    try:
        while committed < 2:
            stop.wait(0.01)
        # when the backup runs while the writer commits
        manifest = backup_write(path, progress=wait_for_writes)
    finally:
        stop.set()
        writer.join()
    assert failures == []

    # then the archive is the database at one moment: every check-in it holds has its audit
    # row, and no audit row names a check-in it lacks, though more were committed meanwhile
    check_ins = {int(row["id"]) for row in archive_rows(path, "checkins_checkin")}
    audited = {
        int(row["object_id"])
        for row in archive_rows(path, "audit_auditevent")
        if row["object_type"] == "checkin" and row["action"] == "create"
    }
    assert check_ins == audited
    assert CheckIn.objects.count() > len(check_ins)
    assert manifest.hashes == archive_hashes(path)

    # and restoring it gives exactly those rows
    flush()
    restored = backup_restore(path)
    assert restored.different == []
    assert table_hashes() == manifest.hashes
    assert CheckIn.objects.count() == len(check_ins)
