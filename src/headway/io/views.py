"""Pages of data in and out: spreadsheet import with a preview, templates and exports.

An upload is read and checked at once (a dry run), and the preview lists what would be created,
updated or left as it is, and every bad row. The parsed rows wait for "Apply" in a JSON file in
`HEADWAY_SHEET_UPLOAD_DIR` (default: the data directory's `uploads/`), named by a random token
that is signed for this person and organization and expires after an hour; applying checks
every row again, so what changed in between is never overwritten blindly. Several app servers
need that directory shared.
"""

from __future__ import annotations

import json
import re
import secrets
import time
from pathlib import Path
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from headway.io.sheet_import import (
    SheetImportResult,
    kind_importable,
    refusal,
    sheet_export,
    sheet_import,
)
from headway.io.sheets import (
    CONTENT_TYPES,
    FORMATS,
    KINDS,
    SheetKind,
    SheetReadError,
    Table,
    limits,
    read_sheet,
    size_label,
    template,
    too_big_message,
    write_csv,
    write_xlsx,
)
from headway.io.tasks import background_rows, sheet_apply
from headway.io.uploads import upload_dir
from headway.org.models import Person
from headway.web.current import require_person

UPLOAD_SALT = "headway.io.sheet-upload"
UPLOAD_MAX_AGE = 3600  # seconds a preview may wait for "Apply"
SHOWN = 500  # plan rows and errors listed on the preview page; the counts cover all
TOKEN_NAME = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


def _kind(kind: str, fmt: str) -> SheetKind:
    if kind not in KINDS or fmt not in FORMATS:
        raise Http404("No such sheet.")
    return KINDS[kind]


def _download(body: bytes, fmt: str, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _page(
    request: HttpRequest, person: Person, *, error: str = "", chosen: str = "", status: int = 200
) -> HttpResponse:
    importable = [k for k in KINDS.values() if kind_importable(person, k.name)]
    context: dict[str, Any] = {
        "person": person,
        "nav": "data",
        "kinds": list(KINDS.values()),
        "importable": importable,
        "viewer": not importable,
        "chosen": chosen,
        "error": error,
        "max_size": size_label(limits().max_bytes),
        "max_rows": limits().max_rows,
    }
    return render(request, "io/data.html", context, status=status)


def _preview(
    request: HttpRequest,
    person: Person,
    result: SheetImportResult,
    *,
    filename: str,
    token: str,
    status: int = 200,
) -> HttpResponse:
    changes = [row for row in result.plan if row.action != "unchanged"]
    context: dict[str, Any] = {
        "person": person,
        "nav": "data",
        "result": result,
        "kind": result.kind,
        "filename": filename,
        "token": token,
        "counts": result.counts,
        "changes": changes[:SHOWN],
        "more_changes": max(0, len(changes) - SHOWN),
        "errors": result.errors[:SHOWN],
        "more_errors": max(0, len(result.errors) - SHOWN),
    }
    return render(request, "io/preview.html", context, status=status)


# -- the waiting upload -------------------------------------------------------------------------
def _sweep(directory: Path) -> None:
    """Forget previews nobody applied."""
    cutoff = time.time() - UPLOAD_MAX_AGE
    for old in directory.glob("*.json"):
        try:
            if old.stat().st_mtime < cutoff:
                old.unlink()
        except OSError:
            continue  # another request swept it first


def _store(person: Person, kind: str, filename: str, table: Table) -> str:
    directory = upload_dir()
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    _sweep(directory)
    name = secrets.token_urlsafe(24)
    payload = {"kind": kind, "filename": filename, "table": table.to_json()}
    path = directory / f"{name}.json"
    path.write_text(json.dumps(payload), encoding="utf-8")
    path.chmod(0o600)
    return signing.dumps({"n": name, "p": person.pk, "o": person.organization_id}, salt=UPLOAD_SALT)


def _upload_path(person: Person, token: str) -> Path | None:
    try:
        data = signing.loads(token, salt=UPLOAD_SALT, max_age=UPLOAD_MAX_AGE)
    except signing.BadSignature:  # tampered with, or expired
        return None
    if not isinstance(data, dict) or (data.get("p"), data.get("o")) != (
        person.pk,
        person.organization_id,
    ):
        return None
    name = str(data.get("n", ""))
    if not TOKEN_NAME.match(name):
        return None
    path = upload_dir() / f"{name}.json"
    return path if path.is_file() else None


# -- pages ---------------------------------------------------------------------------------------
@login_required
@require_GET
def data(request: HttpRequest) -> HttpResponse:
    """Choose a kind of sheet: download its template, export it, or upload a file to import."""
    person = require_person(request)
    return _page(request, person, chosen=request.GET.get("kind", ""))


@login_required
@require_POST
def data_upload(request: HttpRequest) -> HttpResponse:
    """Read the file, check every row without saving, and show what applying it would do."""
    person = require_person(request)
    kind = request.POST.get("kind", "")
    if kind not in KINDS:
        return _page(request, person, error="Choose what the file holds.", status=400)
    if not kind_importable(person, kind):
        raise PermissionDenied(refusal(person, kind))
    upload = request.FILES.get("file")
    if upload is None:
        return _page(request, person, error="Choose a file to upload.", chosen=kind, status=400)
    filename = Path(upload.name or "upload").name
    if upload.size is not None and upload.size > limits().max_bytes:
        return _page(request, person, error=too_big_message(upload.size), chosen=kind, status=400)
    try:
        sheet = read_sheet(upload.read(), filename=filename, kind=kind)
    except SheetReadError as error:
        return _page(request, person, error=f"{filename}: {error}", chosen=kind, status=400)
    result = sheet_import(
        organization=person.organization, kind=kind, rows=sheet.table, actor=person, dry_run=True
    )
    token = _store(person, kind, filename, sheet.table) if result.ok and result.changed else ""
    return _preview(request, person, result, filename=filename, token=token)


@login_required
@require_POST
def data_apply(request: HttpRequest) -> HttpResponse:
    """Apply a previewed upload: every row is checked again, and all are saved or none."""
    person = require_person(request)
    path = _upload_path(person, request.POST.get("token", ""))
    if path is None:
        messages.error(request, "That preview has expired. Upload the file again.")
        return redirect("data")
    payload = json.loads(path.read_text(encoding="utf-8"))
    kind, filename = payload["kind"], payload["filename"]
    if kind not in KINDS or not kind_importable(person, kind):
        raise PermissionDenied(refusal(person, kind) if kind in KINDS else "")
    rows = Table.from_json(payload["table"])
    if len(rows.rows) > background_rows():
        sheet_apply.enqueue(upload=path.stem, person_id=person.pk)
        messages.info(
            request,
            f"{filename} has {len(rows.rows):,} rows: it is being imported in the background. "
            "You will be notified when it is done.",
        )
        return redirect("data")
    result = sheet_import(
        organization=person.organization,
        kind=kind,
        rows=rows,
        actor=person,
        dry_run=False,
        label=f"spreadsheet {filename}",
    )
    path.unlink(missing_ok=True)
    if not result.ok:  # the data changed since the preview
        return _preview(request, person, result, filename=filename, token="", status=409)
    messages.success(
        request,
        f"Imported {filename} ({result.kind.title}): {result.count('create')} created, "
        f"{result.count('update')} updated, {result.count('unchanged')} unchanged.",
    )
    return redirect("data")


@login_required
@require_GET
def data_template(request: HttpRequest, kind: str, fmt: str) -> HttpResponse:
    """A file to fill in: the columns, an example row and (xlsx) notes on every column."""
    require_person(request)
    sheet_kind = _kind(kind, fmt)
    return _download(template(sheet_kind, fmt), fmt, f"headway-{kind}-template.{fmt}")


@login_required
@require_GET
def data_export(request: HttpRequest, kind: str, fmt: str) -> HttpResponse:
    """The rows of one kind the person may see, in the columns an import reads back."""
    person = require_person(request)
    sheet_kind = _kind(kind, fmt)
    rows = sheet_export(organization=person.organization, kind=kind, person=person)
    if fmt == "xlsx":
        body = write_xlsx(sheet_kind.names, rows, sheet_name=kind)
    else:
        body = write_csv(sheet_kind.names, rows)
    day = timezone.localdate().isoformat()
    return _download(body, fmt, f"{person.organization.slug}-{kind}-{day}.{fmt}")
