"""Reading and writing spreadsheets: safely, within limits, with formulas neutralised."""

from __future__ import annotations

import csv
import datetime as dt
import io
import time
import zipfile
from decimal import Decimal
from typing import Any

import openpyxl
import pytest

from headway.io.sheets import (
    KINDS,
    CellError,
    SheetReadError,
    cell_text,
    kind_in_filename,
    neutralise,
    parse_cell,
    read_sheet,
    template,
    write_csv,
    write_xlsx,
)


def workbook(rows: list[list[Any]], title: str = "people", *extra: str) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title
    for row in rows:
        sheet.append(row)
    for name in extra:
        book.create_sheet(name).append(["x"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def replace_part(data: bytes, part: str, xml: bytes) -> bytes:
    """The same .xlsx with one of its XML parts swapped for another."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            body = xml if info.filename == part else source.read(info.filename)
            target.writestr(info.filename, body)
    return out.getvalue()


LAUGHS = "".join(
    f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">' for n in range(2, 10)
)  # lol9 expands to a billion "lol"s
BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol1 "lol">' + LAUGHS + "]>"
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    '<row r="1"><c r="A1" t="inlineStr"><is><t>email</t></is></c></row>'
    '<row r="2"><c r="A2" t="inlineStr"><is><t>&lol9;</t></is></c></row>'
    "</sheetData></worksheet>"
).encode()
EXTERNAL_ENTITY = (
    b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY secret SYSTEM "file:///etc/passwd">]>'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    b'<row r="1"><c r="A1" t="inlineStr"><is><t>&secret;</t></is></c></row>'
    b"</sheetData></worksheet>"
)


# -- reading CSV ---------------------------------------------------------------------------------
def test_it_reads_a_csv_with_a_byte_order_mark_and_keeps_line_numbers() -> None:
    text = '\ufeffemail,name\r\nana@example.com,Ana\r\n,\r\n\r\nbo@example.com,"Bo, Jr"\r\n'

    sheet = read_sheet(text.encode("utf-8"), filename="people.csv")

    assert sheet.format == "csv"
    assert sheet.table.columns == ["email", "name"]
    assert sheet.table.rows == [(2, ["ana@example.com", "Ana"]), (5, ["bo@example.com", "Bo, Jr"])]
    assert sheet.kind is KINDS["people"]  # said by the file name


def test_it_sniffs_a_semicolon_separated_csv() -> None:
    text = "kpi;date;value\nmrr;2026-10-31;12,5\n"

    table = read_sheet(text.encode(), filename="values.csv").table

    assert table.columns == ["kpi", "date", "value"]
    assert table.rows == [(2, ["mrr", "2026-10-31", "12,5"])]


def test_a_quoted_cell_over_several_lines_counts_as_one_spreadsheet_row() -> None:
    text = 'key,description\nk1,"two\nlines"\nk2,x\n'

    table = read_sheet(text.encode(), filename="kras.csv").table

    assert [line for line, _ in table.rows] == [2, 3]
    assert table.rows[0][1][1] == "two\nlines"


def test_a_csv_that_is_not_utf8_is_refused_with_what_to_do() -> None:
    with pytest.raises(SheetReadError, match=r"not UTF-8.*CSV UTF-8"):
        read_sheet("name\nJosé\n".encode("latin-1"), filename="people.csv")


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("people.xls", b"\xd0\xcf\x11\xe0", "save the sheet as .xlsx"),
        ("people.pdf", b"%PDF", "not a spreadsheet"),
        ("people.csv", b"   ", "empty"),
        ("people.xlsx", b"PK\x03\x04 not really a zip", "not a readable .xlsx"),
        ("people.csv", b"\n\n", "empty"),
    ],
)
def test_files_that_are_not_sheets_are_refused_cleanly(
    name: str, data: bytes, message: str
) -> None:
    with pytest.raises(SheetReadError, match=message):
        read_sheet(data, filename=name)


# -- reading .xlsx -------------------------------------------------------------------------------
def test_it_reads_an_xlsx_as_the_spreadsheet_shows_it() -> None:
    data = workbook(
        [
            ["key", "value", "date", "flag", "note"],
            ["a", 12, dt.datetime(2026, 10, 31), True, "'=not a formula"],
            [None, None, None, None, None],
            ["b", 0.1 + 0.2, dt.date(2026, 11, 1), False, -5],
        ],
        "measurements",
    )

    sheet = read_sheet(data, filename="upload.xlsx")

    assert sheet.kind is KINDS["measurements"]  # said by the sheet's name
    assert sheet.table.rows == [
        (2, ["a", "12", "2026-10-31", "yes", "=not a formula"]),
        (4, ["b", "0.3", "2026-11-01", "no", "-5"]),
    ]


def test_a_workbook_names_its_kind_by_a_sheet_and_the_notes_are_skipped() -> None:
    data = workbook([["path"], ["Sales"]], "Notes", "Units")

    sheet = read_sheet(data, filename="book.xlsx", kind="units")

    assert sheet.table.sheet == "Units"
    assert sheet.kind is KINDS["units"]


def test_without_a_kind_a_workbook_of_several_kinds_is_ambiguous() -> None:
    data = workbook([["email"]], "people", "units")

    with pytest.raises(SheetReadError, match="several kinds"):
        read_sheet(data, filename="book.xlsx")


def test_the_first_sheet_is_read_when_none_is_named_like_the_kind() -> None:
    data = workbook([["email", "name"], ["ana@example.com", "Ana"]], "Sheet1")

    sheet = read_sheet(data, filename="book.xlsx", kind="people")

    assert sheet.kind is None
    assert sheet.table.rows == [(2, ["ana@example.com", "Ana"])]


@pytest.mark.parametrize(
    "part",
    ["xl/worksheets/sheet1.xml", "xl/workbook.xml", "docProps/core.xml", "xl/styles.xml",
     "[Content_Types].xml", "xl/_rels/workbook.xml.rels"],
)  # fmt: skip
def test_a_billion_laughs_workbook_is_refused_quickly(part: str) -> None:
    data = replace_part(workbook([["email"], ["x"]]), part, BILLION_LAUGHS)
    started = time.monotonic()

    with pytest.raises(SheetReadError, match="entity declarations"):
        read_sheet(data, filename="evil.xlsx")

    assert time.monotonic() - started < 5  # refused, not expanded


def test_an_external_entity_workbook_is_refused() -> None:
    data = replace_part(workbook([["email"]]), "xl/worksheets/sheet1.xml", EXTERNAL_ENTITY)

    with pytest.raises(SheetReadError, match="entity declarations"):
        read_sheet(data, filename="evil.xlsx")


def test_openpyxl_parses_with_defusedxml() -> None:
    from defusedxml import ElementTree as defused
    from openpyxl import xml as openpyxl_xml
    from openpyxl.xml import functions

    assert openpyxl_xml.DEFUSEDXML
    assert functions.iterparse is defused.iterparse


# -- limits --------------------------------------------------------------------------------------
def test_a_file_over_the_size_limit_is_refused_with_the_sizes(settings: Any) -> None:
    settings.HEADWAY_SHEET_MAX_BYTES = 1024

    with pytest.raises(SheetReadError, match=r"The file is 2.1 KB, over the limit of 1 KB\. Split"):
        read_sheet(b"email\n" + b"a@example.com\n" * 150, filename="people.csv")


def test_a_sheet_over_the_row_limit_is_refused(settings: Any) -> None:
    settings.HEADWAY_SHEET_MAX_ROWS = 100
    text = "email\n" + "".join(f"p{n}@example.com\n" for n in range(101))

    with pytest.raises(SheetReadError, match="more than 100 rows"):
        read_sheet(text.encode(), filename="people.csv")


def test_an_xlsx_over_the_row_limit_is_refused(settings: Any) -> None:
    settings.HEADWAY_SHEET_MAX_ROWS = 10
    data = workbook([["email"]] + [[f"p{n}@example.com"] for n in range(11)])

    with pytest.raises(SheetReadError, match="more than 10 rows"):
        read_sheet(data, filename="people.xlsx")


def test_exactly_the_row_limit_is_fine(settings: Any) -> None:
    settings.HEADWAY_SHEET_MAX_ROWS = 10
    text = "email\n" + "".join(f"p{n}@example.com\n" for n in range(10))

    assert len(read_sheet(text.encode(), filename="people.csv").table.rows) == 10


def test_a_workbook_that_unpacks_too_big_is_refused(settings: Any) -> None:
    settings.HEADWAY_SHEET_MAX_UNZIPPED_BYTES = 2000

    with pytest.raises(SheetReadError, match="unpacks to"):
        read_sheet(workbook([["email"], ["a@example.com"]]), filename="people.xlsx")


def test_a_huge_csv_row_cell_is_a_clean_message() -> None:
    text = "name\n" + "x" * 200_000 + "\n"

    with pytest.raises(SheetReadError, match="line 2"):
        read_sheet(text.encode(), filename="people.csv")


# -- cells ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "value"),
    [("12", Decimal(12)), ("12.50", Decimal("12.50")), ("12,5", Decimal("12.5")),
     ("-3", Decimal(-3)), ("1 000", Decimal(1000)), ("1e3", Decimal(1000))],
)  # fmt: skip
def test_numbers_are_read_exactly(text: str, value: Decimal) -> None:
    assert parse_cell(KINDS["measurements"].column("value"), text) == value


@pytest.mark.parametrize(
    ("text", "message"),
    [("1,234", "ambiguous"), ("1.5.2", "not a number"), ("0.1234567", "more than 6 decimals"),
     ("123456789012345", "too large"), ("nan", "not a number"), ("45%", "not a number")],
)  # fmt: skip
def test_numbers_that_cannot_be_kept_exactly_are_refused(text: str, message: str) -> None:
    with pytest.raises(CellError, match=message):
        parse_cell(KINDS["measurements"].column("value"), text)


def test_cells_are_read_by_their_column_type() -> None:
    kras, krs = KINDS["kras"], KINDS["key_results"]

    assert parse_cell(kras.column("scope"), "unit: Sales / Sales EMEA") == (
        "unit",
        "Sales/Sales EMEA",
    )
    assert parse_cell(kras.column("scope"), "person:Ana@Example.com") == (
        "person",
        "ana@example.com",
    )
    assert parse_cell(kras.column("scope"), "org") == ("org", "")
    assert parse_cell(kras.column("state"), "") == "active"  # the default
    assert parse_cell(kras.column("review_cadence_days"), "30") == 30
    assert parse_cell(krs.column("direction"), "At least") == "at_least"
    assert parse_cell(krs.column("due"), "2026-12-31") == dt.date(2026, 12, 31)
    assert parse_cell(KINDS["people"].column("active"), "TRUE") is True
    assert parse_cell(KINDS["objectives"].column("aligns_to"), "o-a, kr:kr-b") == ["o-a", "kr:kr-b"]
    assert parse_cell(krs.column("owner"), "") is None


@pytest.mark.parametrize(
    ("kind", "column", "text", "message"),
    [("kras", "key", "", "required"), ("kras", "key", "has space", "not a key"),
     ("kras", "scope", "team:x", "not a scope"), ("kras", "weight", "120", "above 100"),
     ("key_results", "confidence", "11", "above 10"), ("key_results", "confidence", "2.5", "decimals"),
     ("key_results", "due", "31/12/2026", "YYYY-MM-DD"), ("people", "email", "ana", "not an email"),
     ("people", "role", "boss", "one of: admin"), ("people", "active", "maybe", "yes or no"),
     ("units", "path", "Sales//EMEA", "not a unit path"), ("people", "name", "x" * 201, "longer")],
)  # fmt: skip
def test_bad_cells_say_what_the_column_needs(
    kind: str, column: str, text: str, message: str
) -> None:
    with pytest.raises(CellError, match=message):
        parse_cell(KINDS[kind].column(column), text)


def test_a_file_name_can_say_the_kind() -> None:
    assert kind_in_filename("acme-key_results-2026-11-15.csv") is KINDS["key_results"]
    assert kind_in_filename("people.csv") is KINDS["people"]
    assert kind_in_filename("book.csv") is None


# -- writing -------------------------------------------------------------------------------------
DANGEROUS = ['=HYPERLINK("http://evil")', "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx", "'=x"]


def test_csv_exports_neutralise_formulas_but_keep_negative_numbers() -> None:
    body = write_csv(["a", "b"], [[text, Decimal(-5)] for text in DANGEROUS])

    assert body.startswith(b"\xef\xbb\xbf")  # a byte order mark, so Excel reads UTF-8
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))
    assert [r[0] for r in rows[1:]] == ["'" + text for text in DANGEROUS]
    assert {r[1] for r in rows[1:]} == {"-5"}
    table = read_sheet(body, filename="x.csv").table  # and reading takes the apostrophe off
    assert [cells[0] for _, cells in table.rows] == DANGEROUS


def test_xlsx_exports_neutralise_formulas_but_keep_negative_numbers() -> None:
    body = write_xlsx(["a", "b"], [[text, Decimal(-5)] for text in DANGEROUS], sheet_name="kras")

    sheet = openpyxl.load_workbook(io.BytesIO(body))["kras"]
    for row in sheet.iter_rows(min_row=2):
        assert row[0].data_type == "s"  # text, never a formula
        assert str(row[0].value).startswith("'")
        assert row[1].value == -5
        assert row[1].data_type == "n"
    table = read_sheet(body, filename="x.xlsx").table
    read = [cells[0] for _, cells in table.rows]
    assert [t for t in read if t != "\nx"] == [t for t in DANGEROUS if t != "\rx"]


def test_numbers_a_spreadsheet_cannot_keep_exactly_are_written_as_text() -> None:
    exact = Decimal("12345678901234.123456")

    body = write_xlsx(["v"], [[exact], [Decimal("0.5")]], sheet_name="s")

    sheet = openpyxl.load_workbook(io.BytesIO(body))["s"]
    assert sheet["A2"].value == "12345678901234.123456"
    assert sheet["A3"].value == 0.5
    assert read_sheet(body, filename="s.xlsx").table.rows[0][1] == ["12345678901234.123456"]


def test_neutralise_leaves_ordinary_text_alone() -> None:
    assert neutralise("Revenue growth") == "Revenue growth"
    assert neutralise("-5 users") == "'-5 users"
    assert cell_text("'-5 users") == "-5 users"
    assert cell_text("'plain") == "'plain"


@pytest.mark.parametrize("kind", list(KINDS))
def test_every_template_has_the_columns_an_example_and_notes(kind: str) -> None:
    sheet_kind = KINDS[kind]

    book = openpyxl.load_workbook(io.BytesIO(template(sheet_kind, "xlsx")))

    assert book.sheetnames == [kind, "Notes"]
    rows = list(book[kind].iter_rows(values_only=True))
    assert list(rows[0]) == sheet_kind.names
    assert len(rows) == 2
    notes = [row[0] for row in book["Notes"].iter_rows(values_only=True)]
    assert all(name in notes for name in sheet_kind.names)
    table = read_sheet(template(sheet_kind, "csv"), filename=f"{kind}.csv").table
    assert table.columns == sheet_kind.names
    for column, text in zip(sheet_kind.columns, table.rows[0][1], strict=True):
        parse_cell(column, text)  # every example is a valid cell
