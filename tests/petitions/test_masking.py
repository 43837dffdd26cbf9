"""The petitioner's identity is masked wherever it is not needed (A6.1, A24.3).

Every page, export and notice a case produces is rendered and searched for the unmasked phone
number, ID number, name and address; the masked forms must be there wherever the identity is
shown, and the objection letter to the superior names nobody at all.
"""

import csv
import io

import openpyxl
import pytest
from django.core.management import call_command
from django.test import Client
from factories import DepartmentFactory, UserFactory, a_category, issue_reply, step
from wagtail.models import ModelLogEntry

from petitions.cases.deadlines import local_today
from petitions.cases.filing import Filing, PetitionerData, file_case
from petitions.cases.notices import available_notices
from petitions.cases.privacy import mask_address, mask_id_number, mask_name
from petitions.cases.validators import validate_id_number
from petitions.models import Case
from rules.roles import Role
from snippets.models import Channel

pytestmark = pytest.mark.django_db

NAME = "张三丰"
PHONE = "13812345678"
ID_NUMBER = "50010119900101123X"  # a valid check digit (GB 11643)
ADDRESS = "九龙坡区杨家坪正街1号3单元"
MASKED_NAME = "张**"
MASKED_PHONE = "138****5678"
MASKED_ID = "5001**********123X"
SECRETS = {"phone": PHONE, "id number": ID_NUMBER, "name": NAME, "address": ADDRESS}
TICKET = "12345-0088"


def test_a6_1_the_masks_are_the_ones_these_tests_look_for():
    validate_id_number(ID_NUMBER)
    assert mask_name(NAME) == MASKED_NAME
    assert mask_id_number(ID_NUMBER) == MASKED_ID
    assert ADDRESS not in mask_address(ADDRESS)


def _file(user, channel_code: str = "phone", **extra) -> Case:
    return file_case(
        Filing(
            channel=Channel.objects.get(code=channel_code),
            place="九龙坡区石坪桥",
            description="夜间异味扰民",
            petitioners=[
                PetitionerData(name=NAME, phone=PHONE, id_number=ID_NUMBER, address=ADDRESS)
            ],
            **extra,
        ),
        user=user,
    )


def _registered(user, channel_code: str = "phone", kind: str = "pollution", **extra) -> Case:
    case = _file(user, channel_code, **extra)
    return step(case, "register", user, kind=kind, categories=[a_category()])


@pytest.fixture
def bureau(monkeypatch):
    """The starter configuration, the people, and one case for every notice there is."""
    monkeypatch.setenv("PETITIONS_ADMIN_PASSWORD", "starter-pass-1")
    call_command("load_starter", stdout=io.StringIO())
    users = {
        "detachment": UserFactory(username="zhidui", roles=[Role.DETACHMENT]),
        "handler": UserFactory(username="jingban_a", roles=[Role.HANDLER]),
        "head": UserFactory(username="kezhang_a", roles=[Role.DEPARTMENT_HEAD]),
        "leader": UserFactory(username="fenguan_a", roles=[Role.SUPERVISING_LEADER]),
        "bureau_head": UserFactory(username="juzhang", roles=[Role.BUREAU_HEAD]),
        "office": UserFactory(username="bangongshi", roles=[Role.OFFICE]),
        "discipline": UserFactory(username="jijian", roles=[Role.DISCIPLINE]),
    }
    dept = DepartmentFactory(code="dept_a", name="甲科")
    dept.head, dept.supervising_leader = users["head"], users["leader"]
    dept.save()
    dept.staff.add(users["handler"])
    detachment = users["detachment"]
    today = local_today()

    # Accepted, dispatched and answered: the acceptance notice and the reply letter.
    replied = _registered(detachment)
    replied = step(replied, "accept", detachment, accepted_on=today, notice_method="phone")
    replied = step(
        replied, "dispatch", detachment, host_department=dept, basis="responsibility_table"
    )
    replied = issue_reply(
        replied,
        "reply",
        detachment,
        reply_text="经现场核查，已责令整改。",
        replied_on=today,
        received_on=today,
    )
    # Dispatched, not yet answered: what a handler works on.
    open_case = _registered(detachment)
    open_case = step(open_case, "accept", detachment, accepted_on=today, notice_method="phone")
    open_case = step(
        open_case, "dispatch", detachment, host_department=dept, basis="responsibility_table"
    )
    declined = step(
        _registered(detachment),
        "decline",
        detachment,
        reason_kind="statutory_route",
        reason="属于民事赔偿纠纷。",
        legal_route="向九龙坡区人民法院提起民事诉讼。",
    )
    referred = step(
        _registered(detachment),
        "refer",
        detachment,
        competent_agency="九龙坡区城市管理局",
        agency_contact="12319",
        guidance="露天烧烤油烟请向城管部门反映。",
    )
    objected = step(
        _registered(detachment, "hotline_12345", kind="superior", source_ticket_number=TICKET),
        "object",
        detachment,
        objection_reasons="属公安机关管辖的社会生活噪声。",
    )
    cases = {
        "replied": replied,
        "open": open_case,
        "declined": declined,
        "referred": referred,
        "objected": objected,
    }
    found = {n.key for case in cases.values() for n in available_notices(case)}
    assert found == {"acceptance", "reply_letter", "non_acceptance", "referral", "objection"}
    return {"users": users, "cases": cases}


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def _get(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code, response.get("Location"))
    return _body(response).decode("utf-8-sig")


def _xlsx_text(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    workbook = openpyxl.load_workbook(io.BytesIO(_body(response)))
    return "\n".join(
        "\t".join("" if v is None else str(v) for v in row)
        for sheet in workbook.worksheets
        for row in sheet.iter_rows(values_only=True)
    )


def _leaks(rendered: dict[str, str], secrets=SECRETS) -> list[str]:
    return [
        f"{where}: unmasked {what} {value}"
        for where, text in rendered.items()
        for what, value in secrets.items()
        if value in text
    ]


def _case_pages(client, cases, label: str) -> dict[str, str]:
    return {
        f"case page of {key} as {label}": _get(client, f"/admin/cases/inspect/{case.pk}/")
        for key, case in cases.items()
    }


def test_a6_1_no_rendered_page_or_export_shows_the_unmasked_identity(bureau):
    users, cases = bureau["users"], bureau["cases"]
    rendered: dict[str, str] = {}
    for label in ("detachment", "office", "discipline", "handler", "bureau_head"):
        client = _client(users[label])
        rendered[f"ledger as {label}"] = _get(client, "/admin/cases/")
        rendered[f"dashboard as {label}"] = _get(client, "/admin/")
        rendered[f"CSV export as {label}"] = _get(client, "/admin/cases/?export=csv")
        rendered[f"XLSX export as {label}"] = _xlsx_text(client, "/admin/cases/?export=xlsx")
    # The case page for readers who do not handle the case, and for those who do, before a reveal.
    for label in ("office", "discipline", "detachment", "bureau_head"):
        rendered.update(_case_pages(_client(users[label]), cases, label))
    handler = _client(users["handler"])
    for key in ("replied", "open"):
        url = f"/admin/cases/inspect/{cases[key].pk}/"
        rendered[f"case page of {key} as handler"] = _get(handler, url)
    detachment = _client(users["detachment"])
    for key, case in cases.items():
        rendered[f"audit log of {key} as detachment"] = _get(
            detachment, f"/admin/cases/history/{case.pk}/"
        )
    rendered["transfer form as detachment"] = _get(
        detachment, f"/admin/cases/{cases['open'].pk}/step/transfer/"
    )
    rendered["edit form as detachment"] = _get(detachment, f"/admin/cases/edit/{cases['open'].pk}/")
    rendered["recusal form as detachment"] = _get(
        detachment, f"/admin/cases/{cases['open'].pk}/step/record_recusal/"
    )
    assert not _leaks(rendered), "\n".join(_leaks(rendered))

    # Where the identity is shown, it is shown masked.
    for where, text in rendered.items():
        if where.startswith("case page"):
            for masked in (MASKED_NAME, MASKED_PHONE, MASKED_ID):
                assert masked in text, (where, masked)
    for label in ("detachment", "office"):
        rows = list(csv.reader(io.StringIO(rendered[f"CSV export as {label}"])))
        for case in cases.values():
            row = next(r for r in rows if r and r[0] == case.number)
            assert MASKED_NAME in row and MASKED_PHONE in row, (label, row)
        xlsx = rendered[f"XLSX export as {label}"]
        assert xlsx.count(MASKED_PHONE) == len(cases) and MASKED_NAME in xlsx


def test_a6_1_every_notice_leaves_out_the_phone_and_id_number(bureau):
    users, cases = bureau["users"], bureau["cases"]
    detachment = _client(users["detachment"])
    printed = {
        f"{notice.key} of {key}": _get(detachment, f"/admin/cases/{case.pk}/notice/{notice.key}/")
        for key, case in cases.items()
        for notice in available_notices(case)
    }
    assert len(printed) == 6
    hidden = {
        "phone": PHONE,
        "id number": ID_NUMBER,
        "address": ADDRESS,
        "masked phone": MASKED_PHONE,
        "masked id number": MASKED_ID,
    }
    assert not _leaks(printed, hidden), "\n".join(_leaks(printed, hidden))
    # Addressed to the petitioner, the acceptance notice names them.
    assert NAME in printed["acceptance of open"]


def test_a6_1_a_handler_sees_the_identity_only_after_a_logged_reveal(bureau):
    users, case = bureau["users"], bureau["cases"]["open"]
    handler = _client(users["handler"])
    url = f"/admin/cases/inspect/{case.pk}/"
    page = _get(handler, url)
    assert not _leaks({"before reveal": page}), _leaks({"before reveal": page})
    assert MASKED_PHONE in page and f"/admin/cases/{case.pk}/reveal/" in page

    assert handler.post(f"/admin/cases/{case.pk}/reveal/").status_code == 302
    page = _get(handler, url)
    assert PHONE in page and ID_NUMBER in page and NAME in page and ADDRESS in page
    assert ModelLogEntry.objects.filter(
        object_id=str(case.pk), action="petitions.reveal_identity", user=users["handler"]
    ).exists()
    # Revealed on this case only, for this session only.
    other = bureau["cases"]["replied"]
    assert PHONE not in _get(handler, f"/admin/cases/inspect/{other.pk}/")
    assert PHONE not in _get(_client(users["handler"]), url)


def test_a24_3_exports_and_printouts_stay_masked_after_a_reveal(bureau):
    """Masked by default: what one reveals on screen is not carried into a file or a print."""
    users, cases = bureau["users"], bureau["cases"]
    detachment = _client(users["detachment"])
    for case in cases.values():
        assert detachment.post(f"/admin/cases/{case.pk}/reveal/").status_code == 302
    assert PHONE in _get(detachment, f"/admin/cases/inspect/{cases['open'].pk}/")
    rendered = {
        "CSV export": _get(detachment, "/admin/cases/?export=csv"),
        "XLSX export": _xlsx_text(detachment, "/admin/cases/?export=xlsx"),
        "ledger": _get(detachment, "/admin/cases/"),
    }
    assert not _leaks(rendered), "\n".join(_leaks(rendered))
    printed = {
        f"{notice.key} of {key}": _get(detachment, f"/admin/cases/{case.pk}/notice/{notice.key}/")
        for key, case in cases.items()
        for notice in available_notices(case)
    }
    hidden = {"phone": PHONE, "id number": ID_NUMBER, "address": ADDRESS}
    assert not _leaks(printed, hidden), "\n".join(_leaks(printed, hidden))


def test_a24_3_the_objection_letter_to_the_superior_names_nobody(bureau):
    users, case = bureau["users"], bureau["cases"]["objected"]
    detachment = _client(users["detachment"])
    detachment.post(f"/admin/cases/{case.pk}/reveal/")  # even after a reveal on screen
    letter = _get(detachment, f"/admin/cases/{case.pk}/notice/objection/")
    assert "异议函" in letter and TICKET in letter and "属公安机关管辖" in letter
    for value in (NAME, MASKED_NAME, PHONE, MASKED_PHONE, ID_NUMBER, MASKED_ID, ADDRESS):
        assert value not in letter, value
