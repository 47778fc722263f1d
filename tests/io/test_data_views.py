"""The data pages: templates, upload → preview → apply, exports; per persona and per tenant."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse
from tests.conftest import Company, signed_in

from headway.goals.models import ResultArea
from headway.goals.services import objective_create, result_area_create
from headway.io.sheets import KINDS, write_csv
from headway.notify.models import Notification
from headway.org.models import Person

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_today")]
PEOPLE = "email,name,unit,manager\nbo@acme.test,Bo Berg,Sales EMEA,ana@acme.test\nana@acme.test,Ana Diaz,Sales,leader@acme.test\n"  # fmt: skip


@pytest.fixture(autouse=True)
def upload_dir(settings: Any, tmp_path: Path) -> Path:
    settings.HEADWAY_SHEET_UPLOAD_DIR = tmp_path / "uploads"
    return tmp_path / "uploads"


def upload(client: Client, kind: str, body: bytes | str, name: str = "upload.csv") -> HttpResponse:
    data = body.encode() if isinstance(body, str) else body
    return client.post(  # type: ignore[return-value]
        reverse("data-upload"), {"kind": kind, "file": SimpleUploadedFile(name, data)}
    )


def apply(client: Client, token: str) -> HttpResponse:
    return client.post(reverse("data-apply"), {"token": token})  # type: ignore[return-value]


def text(response: HttpResponse) -> str:
    return response.content.decode()


# -- the page ------------------------------------------------------------------------------------
def test_signing_in_is_required(client: Client) -> None:
    for url in (reverse("data"), reverse("data-export", args=["kras", "csv"])):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_the_page_offers_each_persona_what_they_may_import(
    company: Company, django_assert_max_num_queries: Any
) -> None:
    client = signed_in(company.admin)
    with django_assert_max_num_queries(8):
        page = text(client.get(reverse("data")))
    assert page.count("<option value=") == len(KINDS)

    page = text(signed_in(company.member).get(reverse("data")))
    options = [k for k in KINDS if f'<option value="{k}"' in page]
    assert options == ["kras", "kpis", "measurements", "objectives", "key_results"]

    page = text(signed_in(company.viewer).get(reverse("data")))
    assert "<option" not in page
    assert "Viewers can export what they can see but cannot import." in page
    assert reverse("data-export", args=["objectives", "xlsx"]) in page


@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_every_template_downloads(company: Company, kind: str, fmt: str) -> None:
    response = signed_in(company.viewer).get(reverse("data-template", args=[kind, fmt]))

    assert response.status_code == 200
    assert (
        response["Content-Disposition"] == f'attachment; filename="headway-{kind}-template.{fmt}"'
    )
    if fmt == "xlsx":
        book = openpyxl.load_workbook(io.BytesIO(response.content))
        assert book.sheetnames == [kind, "Notes"]
    else:
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        assert response.content.decode("utf-8-sig").splitlines()[0] == ",".join(KINDS[kind].names)


@pytest.mark.parametrize(
    "url", ["/data/templates/secrets.csv", "/data/templates/people.pdf", "/data/export/users.xlsx",
            "/data/export/people.json"],
)  # fmt: skip
def test_unknown_sheets_are_not_found(company: Company, url: str) -> None:
    assert signed_in(company.admin).get(url).status_code == 404


# -- upload, preview, apply ----------------------------------------------------------------------
def test_upload_previews_then_apply_saves(company: Company, upload_dir: Path) -> None:
    client = signed_in(company.hr)

    preview = upload(client, "people", PEOPLE)

    assert preview.status_code == 200
    page = text(preview)
    assert "2 to create, 0 to update, 0 unchanged" in page
    assert "person bo@acme.test" in page
    assert "person ana@acme.test" in page
    assert not Person.objects.filter(email="bo@acme.test").exists()  # nothing saved yet
    token = preview.context["token"]
    assert token
    assert len(list(upload_dir.glob("*.json"))) == 1

    applied = apply(client, token)

    assert applied.status_code == 302
    assert applied["Location"] == reverse("data")
    bo = Person.objects.get(organization=company.org, email="bo@acme.test")
    assert bo.manager is not None
    assert bo.manager.email == "ana@acme.test"
    assert [str(m) for m in get_messages(applied.wsgi_request)] == [
        "Imported upload.csv (People): 2 created, 0 updated, 0 unchanged."
    ]
    assert list(upload_dir.glob("*.json")) == []  # the waiting rows are gone
    again = apply(client, token)
    assert again["Location"] == reverse("data")
    assert Person.objects.filter(email="bo@acme.test").count() == 1


def test_a_large_upload_is_applied_by_the_worker_and_the_person_notified(
    company: Company, upload_dir: Path, settings: Any
) -> None:
    settings.HEADWAY_SHEET_BACKGROUND_ROWS = 1  # tests run tasks at once (immediate backend)
    client = signed_in(company.hr)
    token = upload(client, "people", PEOPLE).context["token"]

    applied = apply(client, token)

    assert applied["Location"] == reverse("data")
    assert [str(m) for m in get_messages(applied.wsgi_request)] == [
        "upload.csv has 2 rows: it is being imported in the background. You will be notified "
        "when it is done."
    ]
    assert Person.objects.filter(organization=company.org, email="bo@acme.test").exists()
    [note] = Notification.objects.filter(person=company.hr, kind="import")
    assert note.title == "Imported upload.csv (People): 2 created, 0 updated, 0 unchanged."
    assert list(upload_dir.glob("*.json")) == []


def test_a_bad_upload_lists_every_bad_row_and_offers_no_apply(company: Company) -> None:
    body = "email,name\nok@acme.test,OK\nnope,Nope\nalso@acme.test,\n"

    response = upload(signed_in(company.admin), "people", body)

    page = text(response)
    assert "Nothing was saved: 2 rows have problems" in page
    assert "&quot;nope&quot; is not an email address" in page
    assert "required: this cell is empty" in page
    assert response.context["token"] == ""
    assert 'name="token"' not in page
    assert not Person.objects.filter(email="ok@acme.test").exists()


def test_an_upload_that_changes_nothing_says_so(company: Company) -> None:
    body = "path,kind,head\nSales,division,leader@acme.test\n"

    page = text(upload(signed_in(company.admin), "units", body))

    assert "Nothing to change: what is stored already matches this file." in page
    assert 'name="token"' not in page


def test_an_xlsx_upload_is_previewed(company: Company) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "kras"
    sheet.append(["key", "name", "scope", "owner"])
    sheet.append(["kra-mine", "Mine", "person:member@acme.test", "member@acme.test"])
    buffer = io.BytesIO()
    book.save(buffer)

    response = upload(signed_in(company.member), "kras", buffer.getvalue(), "mine.xlsx")

    assert response.context["result"].count("create") == 1
    apply(signed_in(company.member), response.context["token"])
    assert ResultArea.objects.get(key="kra-mine").owner == company.member


@pytest.mark.parametrize(
    ("persona", "kind", "status"),
    [("viewer", "kras", 403), ("viewer", "people", 403), ("member", "people", 403),
     ("leader", "units", 403), ("member", "objectives", 200), ("hr", "units", 200)],
)  # fmt: skip
def test_who_may_upload_what(company: Company, persona: str, kind: str, status: int) -> None:
    body = write_csv(KINDS[kind].names, [])

    response = upload(signed_in(getattr(company, persona)), kind, body)

    assert response.status_code == status


def test_a_refused_row_is_named_in_the_preview(company: Company) -> None:
    body = "key,name,scope\nkra-org,Org wide,org\n"

    response = upload(signed_in(company.member), "kras", body)

    assert "you may not add KRAs to this scope" in text(response)
    assert not ResultArea.objects.exists()


def test_apply_checks_every_row_again(company: Company) -> None:
    client = signed_in(company.member)
    body = "key,name,scope\nkra-new,Mine,person:member@acme.test\n"
    token = upload(client, "kras", body).context["token"]
    result_area_create(organization=company.org, name="Taken", owner=company.admin, key="kra-new")

    response = apply(client, token)

    assert response.status_code == 409
    assert "you may not change the KRA &quot;kra-new&quot;" in text(response)
    assert ResultArea.objects.get(key="kra-new").name == "Taken"


def test_a_preview_is_only_applied_by_the_person_who_made_it(
    company: Company, other_company: Company
) -> None:
    token = upload(signed_in(company.admin), "people", PEOPLE).context["token"]

    for someone in (company.hr, other_company.admin):
        response = apply(signed_in(someone), token)
        assert response["Location"] == reverse("data")
        assert [str(m) for m in get_messages(response.wsgi_request)] == [
            "That preview has expired. Upload the file again."
        ]
    apply(signed_in(company.admin), token[:-2] + "xx")  # tampered with
    assert not Person.objects.filter(email="bo@acme.test").exists()


def test_an_old_preview_expires(company: Company, monkeypatch: pytest.MonkeyPatch) -> None:
    client = signed_in(company.admin)
    token = upload(client, "people", PEOPLE).context["token"]
    monkeypatch.setattr("headway.io.views.UPLOAD_MAX_AGE", -1)

    apply(client, token)

    assert not Person.objects.filter(email="bo@acme.test").exists()


def test_a_file_over_the_limit_is_refused_with_a_message(company: Company, settings: Any) -> None:
    settings.HEADWAY_SHEET_MAX_BYTES = 1024

    response = upload(signed_in(company.admin), "people", "email,name\n" + "a@acme.test,A\n" * 100)

    assert response.status_code == 400
    assert "The file is 1.4 KB, over the limit of 1 KB." in text(response)
    assert not Person.objects.filter(email="a@acme.test").exists()


def test_a_malicious_workbook_is_refused_with_a_message(company: Company) -> None:
    from tests.io.test_sheets import BILLION_LAUGHS, replace_part, workbook

    evil = replace_part(workbook([["email"]]), "xl/worksheets/sheet1.xml", BILLION_LAUGHS)

    response = upload(signed_in(company.admin), "people", evil, "evil.xlsx")

    assert response.status_code == 400
    assert "refuses to read" in text(response)


def test_an_upload_needs_a_kind_and_a_file(company: Company) -> None:
    client = signed_in(company.admin)

    assert client.post(reverse("data-upload"), {"kind": "people"}).status_code == 400
    assert upload(client, "secrets", PEOPLE).status_code == 400
    assert client.get(reverse("data-upload")).status_code == 405


# -- exports -------------------------------------------------------------------------------------
def test_exports_hold_only_what_the_person_may_see(company: Company) -> None:
    objective_create(
        organization=company.org, title="Secret plan", owner=company.member,
        period=company.quarter, visibility="private", key="o-secret",
    )  # fmt: skip
    objective_create(
        organization=company.org, title="Open plan", owner=company.member,
        period=company.quarter, key="o-open",
    )  # fmt: skip
    url = reverse("data-export", args=["objectives", "csv"])

    viewer = signed_in(company.viewer).get(url)
    member = signed_in(company.member).get(url)

    assert viewer["Content-Disposition"] == 'attachment; filename="acme-objectives-2026-11-15.csv"'
    assert "o-open" in viewer.content.decode()
    assert "o-secret" not in viewer.content.decode()
    assert "o-secret" in member.content.decode()


def test_an_xlsx_export_opens_as_a_workbook(company: Company) -> None:
    response = signed_in(company.outsider).get(reverse("data-export", args=["people", "xlsx"]))

    sheet = openpyxl.load_workbook(io.BytesIO(response.content))["people"]
    emails = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert "admin@acme.test" in emails
    assert len(emails) == 7


def test_another_tenant_exports_nothing_of_ours(company: Company, other_company: Company) -> None:
    result_area_create(organization=company.org, name="Ours", owner=company.admin, key="kra-ours")

    response = signed_in(other_company.admin).get(reverse("data-export", args=["kras", "csv"]))
    people = signed_in(other_company.admin).get(reverse("data-export", args=["people", "csv"]))

    assert "kra-ours" not in response.content.decode()
    assert "acme.test" not in people.content.decode()
    assert "admin@globex.test" in people.content.decode()
