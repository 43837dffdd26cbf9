"""导入上级交办件 (X.3, A15.2): dry-run preview with row errors, confirm, no duplicates."""

import datetime as dt
import io
import re

import pytest
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from factories import (
    CategoryFactory,
    ChannelFactory,
    UserFactory,
    detachment_user,
    make_case,
    superior_channel,
)
from openpyxl import Workbook
from wagtail.models import ModelLogEntry

from petitions.models import Case, CaseNumberSequence
from petitions.transfer.importing import (
    DEFAULT_MAPPINGS,
    import_rows,
    install_default_mappings,
    parse_sheet,
    preview_rows,
)
from rules import calendar
from rules.roles import Role
from snippets.models import Category, Channel, ChannelImportColumn

pytestmark = pytest.mark.django_db

URL = "/admin/cases-import/"
HEADERS = [
    "工单编号",
    "来电时间",
    "诉求地址",
    "被反映对象",
    "诉求内容",
    "诉求目的",
    "来电人",
    "联系电话",
    "办结时限",
    "问题分类",
]
# (ticket, received, place, party, content, demand, caller, phone, deadline, category)
ROWS = [
    # line 3: a clean row; the date and the phone as Excel stores them (datetime, number)
    (
        "GD2026110300017",
        dt.datetime(2026, 11, 3, 9, 15),
        "九龙坡区白市驿镇海龙村5社",
        "重庆某某建材有限公司",
        "搅拌站夜间施工噪声扰民，晚上11点后仍在作业。",
        "要求停止夜间施工",
        "刘先生",
        13983001234,
        dt.datetime(2026, 11, 17),
        "生态环境/噪声污染",
    ),
    # line 4: no ticket number
    (
        "",
        "2026-11-03 10:20",
        "九龙坡区杨家坪",
        "",
        "河道有异味",
        "",
        "王女士",
        "13500001111",
        "",
        "",
    ),
    # line 5: a date nobody can read
    (
        "GD2026110300031",
        "昨天下午",
        "九龙坡区谢家湾",
        "",
        "烧垃圾冒黑烟",
        "",
        "",
        "13500002222",
        "",
        "",
    ),
    # line 6: a phone that is no phone
    (
        "GD2026110300045",
        "2026-11-03 11:02",
        "九龙坡区石桥铺",
        "",
        "餐馆油烟",
        "",
        "赵先生",
        "12345",
        "",
        "",
    ),
    # line 7: typed as text, with a deadline of its own
    (
        "GD2026110400002",
        "2026/11/04 14:05",
        "九龙坡区华岩镇",
        "某汽修厂",
        "露天喷漆，气味刺鼻",
        "",
        "陈女士",
        "023-68781234",
        "2026-11-20",
        "大气污染",
    ),
    # line 8: the same ticket as line 3 again
    (
        "GD2026110300017",
        "2026-11-03 09:15",
        "九龙坡区白市驿镇海龙村5社",
        "",
        "重复派单",
        "",
        "刘先生",
        "13983001234",
        "",
        "",
    ),
    # line 9: a ticket already in the ledger
    ("GD2026102900008", "2026-10-29 16:40", "九龙坡区二郎", "", "工厂废水", "", "", "", "", ""),
    # line 10: no caller details (the hotline keeps them)
    (
        "GD2026110500123",
        "2026年11月5日 08:30",
        "九龙坡区陶家镇",
        "",
        "焚烧秸秆",
        "",
        "",
        "",
        "",
        "其他",
    ),
]


def xlsx(rows=ROWS, headers=HEADERS) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(["九龙坡区12345热线交办工单（导出）"])  # a title line above the headers
    sheet.append(headers)
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def csv_bytes(encoding: str) -> bytes:
    lines = [",".join(HEADERS)]
    lines.append(
        "GD2026110600001,2026-11-06 09:00,九龙坡区黄桷坪,,工地扬尘,,李先生,13600001234,,大气"
    )
    lines.append("GD2026110600002,2026-11-06 10:00,九龙坡区铜罐驿,,养殖场臭味,,,,,")
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


@pytest.fixture
def hotline():
    channel = superior_channel()
    install_default_mappings()
    CategoryFactory(code="noise", name="噪声")
    CategoryFactory(code="air", name="大气")
    return channel


def upload(client, content: bytes, name: str = "12345工单.xlsx", channel=None):
    from django.core.files.uploadedfile import SimpleUploadedFile

    channel = channel or Channel.objects.get(code="hotline_12345")
    return client.post(URL, {"channel": channel.pk, "file": SimpleUploadedFile(name, content)})


def confirm(client, preview_response):
    html = preview_response.content.decode()
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', html))
    fields.pop("csrfmiddlewaretoken", None)
    return client.post(URL, fields)


def statuses(response) -> dict[int, str]:
    return {
        int(line): status
        for line, status in re.findall(
            r'data-row="(\d+)" data-status="(\w+)"', response.content.decode()
        )
    }


def test_x_3_the_starter_gives_the_12345_channel_its_column_mapping(hotline):
    mapping = {c.field: c.column_header for c in hotline.import_columns.all()}
    assert mapping["source_ticket_number"] == "工单编号"
    assert mapping["received_at"] == "来电时间"
    assert len(mapping) == len(DEFAULT_MAPPINGS["hotline_12345"])
    # An administrator's own mapping is never overwritten by the starter.
    ChannelImportColumn.objects.filter(channel=hotline, field="place").update(
        column_header="事发地址"
    )
    install_default_mappings()
    assert hotline.import_columns.get(field="place").column_header == "事发地址"


def test_x_3_dry_run_shows_every_row_with_plain_chinese_errors_and_creates_nothing(client, hotline):
    existing = make_case(
        channel=hotline, source_ticket_number="GD2026102900008", received_on=dt.date(2026, 10, 29)
    )
    sequence_before = CaseNumberSequence.objects.get(year=2026).last
    client.force_login(detachment_user())
    response = upload(client, xlsx())
    assert response.status_code == 200
    html = response.content.decode()
    assert statuses(response) == {
        3: "new",
        4: "error",
        5: "error",
        6: "error",
        7: "new",
        8: "duplicate",
        9: "duplicate",
        10: "new",
    }
    assert "共 8 行：新建 3 行，重复 2 行，错误 3 行。" in html
    assert "第4行：缺少工单编号" in html
    assert "第5行：来电时间无法识别：昨天下午" in html
    assert "第6行：联系电话格式不正确：12345" in html
    assert "第8行：工单编号 GD2026110300017 与第3行相同" in html
    assert f"已登记为案件 {existing.number}" in html
    # A dry run: no case, no number used, nothing logged.
    assert Case.objects.count() == 1
    assert CaseNumberSequence.objects.get(year=2026).last == sequence_before
    # The upload waits in private storage, not in the session.
    token = re.search(r'name="token" value="([^"]+)"', html).group(1)
    user_id = response.wsgi_request.user.pk
    assert (settings.PRIVATE_FILES_ROOT / "imports" / str(user_id) / token).exists()


def test_x_3_a15_2_confirmed_rows_are_filed_like_typed_ones_and_a_reimport_adds_nothing(
    client, hotline
):
    make_case(
        channel=hotline, source_ticket_number="GD2026102900008", received_on=dt.date(2026, 10, 29)
    )
    user = detachment_user()
    client.force_login(user)
    result = confirm(client, upload(client, xlsx()))
    assert result.status_code == 200
    assert "新建 3 件" in result.content.decode()

    imported = Case.objects.filter(created_by=user).order_by("source_ticket_number")
    assert [c.source_ticket_number for c in imported] == [
        "GD2026110300017",
        "GD2026110400002",
        "GD2026110500123",
    ]
    case_type = ContentType.objects.get_for_model(Case)
    for case in imported:
        assert re.fullmatch(rf"{settings.PETITIONS_NUMBER_PREFIX}-2026-\d{{6}}", case.number)
        assert case.number in result.content.decode()
        assert f"/admin/cases/inspect/{case.pk}/" in result.content.decode()
        assert case.kind == "superior"
        acceptance = case.deadlines.get(rule="acceptance_assigned", status="open")
        assert acceptance.due_on == calendar.add_working_days(case.received_on, 5)
        assert ModelLogEntry.objects.filter(
            content_type=case_type, object_id=str(case.pk), action="petitions.file", user=user
        ).exists()

    first = imported[0]
    assert first.received_at.isoformat() == "2026-11-03T01:15:00+00:00"  # 09:15 in Shanghai
    assert first.place == "九龙坡区白市驿镇海龙村5社"
    assert first.reported_party == "重庆某某建材有限公司"
    assert first.demands == "要求停止夜间施工"
    assert first.category_names == "噪声"
    assert first.source_deadline == dt.date(2026, 11, 17)
    petitioner = first.petitioners.get()
    assert (petitioner.name, petitioner.phone) == ("刘先生", "13983001234")
    assert imported[1].deadlines.filter(rule="source_deadline", due_on="2026-11-20").exists()
    assert imported[2].contact_unclear and not imported[2].petitioners.exists()

    # The same file again: every row is a duplicate, and confirming creates nothing.
    again = upload(client, xlsx())
    assert set(statuses(again).values()) == {"duplicate", "error"}
    assert "新建 0 行" in again.content.decode()
    count = Case.objects.count()
    assert "新建 0 件" in confirm(client, again).content.decode()
    assert Case.objects.count() == count


def test_x_3_a_ticket_filed_between_preview_and_confirmation_is_not_filed_twice(client, hotline):
    client.force_login(detachment_user())
    preview = upload(client, xlsx())
    assert "新建 4 行" in preview.content.decode()
    # Someone files line 3's ticket by hand (or a second import finishes first).
    make_case(channel=hotline, source_ticket_number="GD2026110300017")
    result = confirm(client, preview)
    assert "新建 3 件" in result.content.decode()
    assert Case.objects.filter(source_ticket_number="GD2026110300017").count() == 1


def test_x_3_import_rows_checks_each_ticket_again_inside_its_own_transaction(hotline):
    """Two imports of one file at once: the second finds the ticket the first has just filed."""
    user = detachment_user()
    sheet = parse_sheet(xlsx(), "12345.xlsx", hotline)
    first, second = preview_rows(sheet), preview_rows(sheet)
    assert import_rows(first, user=user).created
    result = import_rows(second, user=user)
    assert result.created == []
    assert sorted(r.line for r in result.duplicates) == [3, 7, 9, 10]
    assert Case.objects.count() == 4


@pytest.mark.parametrize("encoding", ["gbk", "utf-8-sig"])
def test_x_3_csv_in_gbk_or_utf8_with_bom_is_read(client, hotline, encoding):
    client.force_login(detachment_user())
    preview = upload(client, csv_bytes(encoding), name="12345工单.csv")
    assert statuses(preview) == {2: "new", 3: "new"}
    confirm(client, preview)
    case = Case.objects.get(source_ticket_number="GD2026110600001")
    assert case.place == "九龙坡区黄桷坪" and case.description == "工地扬尘"
    assert case.category_names == "大气"


def test_x_3_a_file_that_is_not_a_sheet_of_this_channel_is_refused_with_a_reason(client, hotline):
    client.force_login(detachment_user())
    response = upload(client, b"MZ\x90\x00", name="tickets.exe")
    assert "只能导入 Excel（.xlsx）或 CSV（.csv）文件。" in response.content.decode()
    other = xlsx(headers=["线索编号", *HEADERS[1:]])
    response = upload(client, other)
    assert "找不到标题行" in response.content.decode()
    assert "“工单编号”" in response.content.decode()
    unmapped = ChannelFactory(code="other_superior", name="其他上级交办", source="superior")
    response = upload(client, xlsx(), channel=unmapped)
    assert "导入列对应缺少" in response.content.decode()
    assert not Case.objects.exists()


def test_x_3_an_upload_over_the_row_limit_is_refused_before_anything_is_filed(
    client, hotline, monkeypatch
):
    monkeypatch.setattr("petitions.transfer.views.MAX_ROWS_PER_UPLOAD", 5)
    client.force_login(detachment_user())
    response = upload(client, xlsx())
    assert "表格超过 5 行，请分批导入" in response.content.decode()
    assert "data-row=" not in response.content.decode()
    assert not Case.objects.exists()


@pytest.mark.parametrize("role", [Role.DUTY, Role.HANDLER, Role.DISCIPLINE])
def test_x_3_only_the_detachment_and_administrators_may_import(client, hotline, role):
    client.force_login(UserFactory(roles=[role]))
    response = client.get(URL)
    assert (response.status_code, response.get("Location")) == (302, "/admin/")
    response = upload(client, xlsx())
    assert (response.status_code, response.get("Location")) == (302, "/admin/")
    assert not Case.objects.exists()
    assert URL not in client.get("/admin/").content.decode()  # not in the menu


def test_x_3_the_import_page_is_in_the_menu_of_those_who_may_import(client, hotline):
    client.force_login(UserFactory(roles=[Role.ADMINISTRATOR]))
    assert URL in client.get("/admin/").content.decode()  # the sidebar menu item
    page = client.get(URL)
    assert page.status_code == 200
    assert "12345市民热线" in page.content.decode()


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        (dt.datetime(2026, 11, 3, 9, 15), "2026-11-03 09:15"),
        ("2026-11-03 09:15:00", "2026-11-03 09:15"),
        ("2026/11/3 9:15", "2026-11-03 09:15"),
        ("2026年11月3日 09：15", "2026-11-03 09:15"),
        (46329.385416667, "2026-11-03 09:15"),  # a date cell that lost its format
        ("20261103091500", "2026-11-03 09:15"),
        ("11月3日上午", None),
        (13983001234, None),  # a phone number in the wrong column is no date
    ],
)
def test_x_3_times_are_read_as_12345_sheets_write_them(cell, expected):
    from django.utils import timezone

    from petitions.transfer.importing import parse_datetime

    moment = parse_datetime(cell)
    assert (timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else None) == expected


def test_x_3_administrators_edit_a_channels_column_mapping_in_the_channel_editor(client, hotline):
    client.force_login(UserFactory(username="root", is_superuser=True))
    page = client.get(f"/admin/snippets/snippets/channel/edit/{hotline.pk}/").content.decode()
    assert "导入表格的列对应" in page
    assert 'value="工单编号"' in page


def test_x_3_the_most_specific_part_of_a_12345_category_path_picks_the_category():
    from petitions.transfer.importing import _match_category

    names = ["大气", "水", "噪声", "生态", "其他"]
    categories = [Category(name=n, code=f"c{i}") for i, n in enumerate(names)]
    picked = {
        text: getattr(_match_category(text, categories), "name", None)
        for text in ["生态环境/噪声污染", "生态环境/其他", "生态环境-大气污染", "生态破坏", "交通"]
    }
    assert picked == {
        "生态环境/噪声污染": "噪声",
        "生态环境/其他": "其他",
        "生态环境-大气污染": "大气",
        "生态破坏": "生态",
        "交通": None,
    }
