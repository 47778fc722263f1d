"""Background work of data imports, run by `headway worker`: a large sheet is applied here
rather than in the web request (a million measurements take minutes; a web worker times out
after thirty seconds), and the person who applied it is notified of the outcome."""

from __future__ import annotations

import json
import logging

from django.conf import settings
from django.urls import reverse
from django_tasks import task

from headway.io.sheet_import import kind_importable, sheet_import
from headway.io.sheets import Table
from headway.io.uploads import upload_dir
from headway.notify.services import notification_send
from headway.org.models import Person

logger = logging.getLogger(__name__)
KIND = "import"  # the notification's kind
ERRORS_LISTED = 20


def background_rows() -> int:
    """Sheets with more rows than this are applied by the worker (HEADWAY_SHEET_BACKGROUND_ROWS)."""
    return int(getattr(settings, "HEADWAY_SHEET_BACKGROUND_ROWS", 20_000))


@task()
def sheet_apply(*, upload: str, person_id: int) -> str:
    """Apply a previewed upload for the person who applied it, all or nothing as on the page,
    then tell them how it went."""
    person = Person.objects.select_related("organization").filter(pk=person_id).first()
    path = upload_dir() / f"{upload}.json"
    if person is None or not path.is_file():
        return "gone: the upload or the person no longer exists"
    payload = json.loads(path.read_text(encoding="utf-8"))
    kind, filename = payload["kind"], payload["filename"]
    if not person.active or not kind_importable(person, kind):
        path.unlink(missing_ok=True)
        return "refused: the person may no longer import this"
    result = sheet_import(
        organization=person.organization,
        kind=kind,
        rows=Table.from_json(payload["table"]),
        actor=person,
        dry_run=False,
        label=f"spreadsheet {filename}",
    )
    path.unlink(missing_ok=True)
    if result.ok:
        counts = result.counts
        title = (
            f"Imported {filename} ({result.kind.title}): {counts['create']:,} created, "
            f"{counts['update']:,} updated, {counts['unchanged']:,} unchanged."
        )
        body = ""
        items: list[dict[str, str]] = []
    else:  # the data changed since the preview
        title = f"{filename} was not imported: {result.bad_lines:,} bad row(s)."
        body = "Nothing was saved. Correct the rows below and upload the file again."
        items = [{"title": str(error)} for error in result.errors[:ERRORS_LISTED]]
    notification_send(
        person=person, kind=KIND, title=title, body=body, url=reverse("data"),
        key=f"import:{upload}", items=items,
    )  # fmt: skip
    logger.info("%s (person %s)", title, person.pk)
    return title
