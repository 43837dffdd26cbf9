"""Who may use which address of a case (A2.1, A6.1, A6.2): every address, every actor, on the server.

Two cases: one hosted by department A with B co-handling it, one hosted by C that nobody of A or B
sees. Each address of each case is tried by every role (with the groups and permissions of the
starter configuration), by a user of A recused from the first case, and by an anonymous visitor,
and the answer is compared with the matrix below.
"""

import csv
import io

import openpyxl
import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from factories import DepartmentFactory, UserFactory, a_category, record_verification, step
from wagtail.models import ModelLogEntry

from petitions.cases.deadlines import local_today
from petitions.cases.filing import Filing, PetitionerData, file_case
from petitions.models import (
    Attachment,
    Case,
    Contribution,
    Recusal,
    ReplyDraft,
    Transfer,
    Verification,
)
from rules.roles import ROLE_GROUP_NAMES, Role
from rules.states import State
from rules.transitions import TRANSITIONS, FieldKind
from snippets.models import BureauLeadership, Channel, ReferralGuideEntry

pytestmark = pytest.mark.django_db

PHONE = "13812345678"
MASKED_PHONE = "138****5678"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64

ADDRESSES = (
    "ledger",
    "page",
    "edit",
    "history",
    "attachment",
    "notice",
    "export_csv",
    "export_xlsx",
    "reveal",
)
EVERYTHING = frozenset(ADDRESSES)
# Those handling a case: they read it, its audit log and attachments, print its notices and
# reveal who petitioned. Correcting the intake record (edit, change_case) is the detachment's
# alone: the starter configuration grants change_case to no other role.
HANDLING = EVERYTHING - {"edit"}
# Reading only (the office, discipline inspection, a recused user): no notice, no identity,
# and no attachment, which identifies a petitioner as surely as a name (A6.1, A6.2).
READING = frozenset({"ledger", "page", "history", "export_csv", "export_xlsx"})
NOTHING = frozenset()

ACTORS = (
    "detachment",
    "handler_a",
    "head_a",
    "leader_a",
    "staff_b",
    "staff_c",
    "bureau_head",
    "office",
    "discipline",
    "duty",
    "administrator",
    "recused_a",
    "anonymous",
)

#: The case hosted by A, co-handled by B: actor → the addresses they may use.
EXPECTED_HOSTED_BY_A = {
    "detachment": EVERYTHING,
    "handler_a": HANDLING,
    "head_a": HANDLING,
    "leader_a": HANDLING,
    "staff_b": HANDLING,  # co-handling: they handle it too
    "staff_c": NOTHING,
    "bureau_head": HANDLING,
    "office": READING,
    "discipline": READING,
    "duty": NOTHING,  # did not register it
    "administrator": NOTHING,  # configuration only
    "recused_a": READING,  # A6.2: no identity, no notice, no step
    "anonymous": NOTHING,
}
#: The case hosted by C alone.
EXPECTED_HOSTED_BY_C = {
    **dict.fromkeys(ACTORS, NOTHING),
    "detachment": EVERYTHING,
    "staff_c": HANDLING,
    "bureau_head": HANDLING,
    "office": READING,
    "discipline": READING,
}


def _starter(monkeypatch) -> None:
    monkeypatch.setenv("PETITIONS_ADMIN_PASSWORD", "starter-pass-1")
    call_command("load_starter", stdout=io.StringIO())


def _file(user, *, place: str) -> Case:
    return file_case(
        Filing(
            channel=Channel.objects.get(code="phone"),
            place=place,
            description="夜间异味扰民",
            petitioners=[
                PetitionerData(name="张三丰", phone=PHONE, address="九龙坡区杨家坪正街1号3单元")
            ],
        ),
        user=user,
    )


def _attach(case: Case, user) -> Attachment:
    return Attachment.objects.create(
        case=case,
        file=SimpleUploadedFile("现场.png", PNG, "image/png"),
        original_name="现场.png",
        content_type="image/png",
        size=len(PNG),
        uploaded_by=user,
    )


def _dispatched(user, *, host, co=(), place: str) -> Case:
    case = _file(user, place=place)
    case = step(case, "register", user, kind="pollution", categories=[a_category()])
    case = step(case, "accept", user, accepted_on=local_today(), notice_method="phone")
    return step(
        case,
        "dispatch",
        user,
        host_department=host,
        co_departments=list(co),
        basis="responsibility_table",
    )


@pytest.fixture
def world(monkeypatch):
    """The departments, one user per actor, and the two cases with an attachment each."""
    _starter(monkeypatch)
    # The factories' groups are the starter's groups, with the starter's permissions.
    assert UserFactory(username="probe", roles=[Role.OFFICE]).groups.get() == Group.objects.get(
        name=ROLE_GROUP_NAMES[Role.OFFICE]
    )
    users = {
        "detachment": UserFactory(username="zhidui", roles=[Role.DETACHMENT]),
        "handler_a": UserFactory(username="jingban_a", roles=[Role.HANDLER]),
        "head_a": UserFactory(username="kezhang_a", roles=[Role.DEPARTMENT_HEAD]),
        "leader_a": UserFactory(username="fenguan_a", roles=[Role.SUPERVISING_LEADER]),
        "staff_b": UserFactory(username="jingban_b", roles=[Role.HANDLER]),
        "staff_c": UserFactory(username="jingban_c", roles=[Role.HANDLER]),
        "bureau_head": UserFactory(username="juzhang", roles=[Role.BUREAU_HEAD]),
        "office": UserFactory(username="bangongshi", roles=[Role.OFFICE]),
        "discipline": UserFactory(username="jijian", roles=[Role.DISCIPLINE]),
        "duty": UserFactory(username="zhiban", roles=[Role.DUTY]),
        "administrator": UserFactory(username="guanli", roles=[Role.ADMINISTRATOR]),
        "recused_a": UserFactory(username="huibi_a", roles=[Role.HANDLER]),
    }
    assert not any(u.is_superuser for u in users.values())
    dept_a = DepartmentFactory(code="dept_a", name="甲科")
    dept_a.head = users["head_a"]
    dept_a.supervising_leader = users["leader_a"]
    dept_a.save()
    dept_a.staff.add(users["handler_a"], users["recused_a"])
    dept_b = DepartmentFactory(code="dept_b", name="乙科")
    dept_b.staff.add(users["staff_b"])
    dept_c = DepartmentFactory(code="dept_c", name="丙科")
    dept_c.staff.add(users["staff_c"])

    detachment = users["detachment"]
    case_a = _dispatched(detachment, host=dept_a, co=[dept_b], place="九龙坡区甲路1号")
    step(case_a, "record_recusal", detachment, person=users["recused_a"], reason="与信访人系亲属")
    case_c = _dispatched(detachment, host=dept_c, place="九龙坡区丙路3号")
    return {
        "users": users,
        "departments": {"a": dept_a, "b": dept_b, "c": dept_c},
        "cases": {"a": case_a, "c": case_c},
        "attachments": {"a": _attach(case_a, detachment), "c": _attach(case_c, detachment)},
    }


# --- trying one address -------------------------------------------------------------------------


def _client(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def _refused(response) -> bool:
    """403, 404, Wagtail's redirect to the dashboard, or the login page for the anonymous."""
    if response.status_code in {403, 404}:
        return True
    if response.status_code == 302:
        location = response["Location"]
        return location == "/admin/" or location.startswith("/admin/login/")
    return False


def _outcome(response, *, shown: bool = True) -> str:
    if response.status_code == 200:
        return "allowed" if shown else "refused"
    if _refused(response):
        return "refused"
    return f"unexpected {response.status_code} {response.get('Location', '')}".strip()


def _csv_numbers(body: bytes) -> set[str]:
    return {row[0] for row in csv.reader(io.StringIO(body.decode("utf-8-sig"))) if row}


def _xlsx_values(body: bytes) -> set[str]:
    workbook = openpyxl.load_workbook(io.BytesIO(body), read_only=True)
    return {
        str(value)
        for sheet in workbook.worksheets
        for row in sheet.iter_rows(values_only=True)
        for value in row
        if value is not None
    }


def _reveal_logged(case: Case, user) -> bool:
    return (
        user is not None
        and ModelLogEntry.objects.filter(
            object_id=str(case.pk), action="petitions.reveal_identity", user=user
        ).exists()
    )


def try_address(address: str, user, case: Case, attachment: Attachment) -> str:
    """'allowed', 'refused', or what else happened, for one address of `case` as `user`."""
    client = _client(user)
    pk = case.pk
    match address:
        case "ledger":
            response = client.get("/admin/cases/")
            return _outcome(response, shown=case.number in response.content.decode())
        case "page":
            return _outcome(client.get(f"/admin/cases/inspect/{pk}/"))
        case "edit":
            return _outcome(client.get(f"/admin/cases/edit/{pk}/"))
        case "history":
            return _outcome(client.get(f"/admin/cases/history/{pk}/"))
        case "attachment":
            response = client.get(f"/admin/cases/{pk}/attachment/{attachment.pk}/")
            return _outcome(response, shown=response.status_code == 200 and _body(response) == PNG)
        case "notice":
            response = client.get(f"/admin/cases/{pk}/notice/acceptance/")
            return _outcome(response, shown="受理告知书" in response.content.decode())
        case "export_csv":
            response = client.get("/admin/cases/?export=csv")
            shown = response.status_code == 200 and case.number in _csv_numbers(_body(response))
            return _outcome(response, shown=shown)
        case "export_xlsx":
            response = client.get("/admin/cases/?export=xlsx")
            shown = response.status_code == 200 and case.number in _xlsx_values(_body(response))
            return _outcome(response, shown=shown)
        case "reveal":
            response = client.post(f"/admin/cases/{pk}/reveal/")
            page = client.get(f"/admin/cases/inspect/{pk}/")
            full_phone_shown = page.status_code == 200 and PHONE in page.content.decode()
            logged = _reveal_logged(case, user)
            if (
                response.status_code == 302
                and response["Location"] == f"/admin/cases/inspect/{pk}/"
            ):
                if full_phone_shown and logged:
                    return "allowed"
                return f"redirected, but phone shown={full_phone_shown} logged={logged}"
            if _refused(response):
                if not full_phone_shown and not logged:
                    return "refused"
                return f"refused, but phone shown={full_phone_shown} logged={logged}"
            return f"unexpected {response.status_code}"
    raise AssertionError(address)


def _mismatches(world, actor: str, key: str, expected: dict) -> list[str]:
    user = world["users"].get(actor)
    case, attachment = world["cases"][key], world["attachments"][key]
    found = []
    for address in ADDRESSES:
        want = "allowed" if address in expected[actor] else "refused"
        got = try_address(address, user, case, attachment)
        if got != want:
            found.append(f"case hosted by {key.upper()}: {address}: expected {want}, got {got}")
    return found


@pytest.mark.parametrize("actor", ACTORS)
def test_a2_1_a6_1_every_address_of_a_case_as_every_actor(world, actor):
    """A2.1, A6.1: ledger row, page, edit, audit log, attachment, notice, both exports, reveal."""
    failures = _mismatches(world, actor, "a", EXPECTED_HOSTED_BY_A)
    failures += _mismatches(world, actor, "c", EXPECTED_HOSTED_BY_C)
    assert not failures, f"{actor}:\n" + "\n".join(failures)


def test_a2_1_the_matrix_covers_every_actor_and_address():
    for expected in (EXPECTED_HOSTED_BY_A, EXPECTED_HOSTED_BY_C):
        assert set(expected) == set(ACTORS)
        assert all(allowed <= EVERYTHING for allowed in expected.values())


# --- recusal (A6.2) -----------------------------------------------------------------------------


def test_a6_2_a_recused_user_sees_the_case_masked_and_cannot_reveal_print_or_act(world):
    case = world["cases"]["a"]
    recused = world["users"]["recused_a"]
    client = _client(recused)
    before = ModelLogEntry.objects.filter(object_id=str(case.pk)).count()

    page = client.get(f"/admin/cases/inspect/{case.pk}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert MASKED_PHONE in text and PHONE not in text
    assert "张三丰" not in text
    assert f"/admin/cases/{case.pk}/reveal/" not in text  # no reveal button either

    assert _refused(client.post(f"/admin/cases/{case.pk}/reveal/"))
    text = client.get(f"/admin/cases/inspect/{case.pk}/").content.decode()
    assert PHONE not in text and MASKED_PHONE in text
    assert _refused(client.get(f"/admin/cases/{case.pk}/notice/acceptance/"))
    assert _refused(client.get(f"/admin/cases/edit/{case.pk}/"))
    # Drafting the reply is a step of the host department's members; not for a recused one.
    response = client.post(
        f"/admin/cases/{case.pk}/step/draft_reply/", {"reply_text": "答复", "method": "letter"}
    )
    assert response.status_code in {200, 302, 403}
    assert not ReplyDraft.objects.filter(case=case).exists()
    assert (
        not ModelLogEntry.objects.filter(object_id=str(case.pk), user=recused)
        .exclude(action="petitions.download_attachment")
        .exists()
    )
    assert ModelLogEntry.objects.filter(object_id=str(case.pk)).count() == before


def test_a6_2_a_recused_user_cannot_be_assigned_the_case(world):
    detachment = world["users"]["detachment"]
    recused = world["users"]["recused_a"]
    case = _file(detachment, place="九龙坡区甲路2号")
    case = step(case, "register", detachment, kind="pollution", categories=[a_category()])
    case = step(case, "accept", detachment, accepted_on=local_today(), notice_method="phone")
    step(case, "record_recusal", detachment, person=recused, reason="与被反映单位有利害关系")
    client = _client(detachment)
    response = client.post(
        f"/admin/cases/{case.pk}/step/dispatch/",
        {
            "host_department": world["departments"]["a"].pk,
            "handler": recused.pk,
            "basis": "responsibility_table",
        },
    )
    assert response.status_code == 200
    assert "回避" in response.content.decode()
    case.refresh_from_db()
    assert case.state == State.ACCEPTED and case.handler_id is None


def test_a6_2_a_recused_department_head_cannot_approve_the_reply(world):
    detachment = world["users"]["detachment"]
    head = world["users"]["head_a"]
    case = world["cases"]["a"]
    step(case, "record_recusal", detachment, person=head, reason="与信访人系同学")
    # A case for 甲科 and 乙科: the lead named, 乙科's contribution in, a verification made.
    leadership = BureauLeadership.load()
    leadership.petition_leader = world["users"]["leader_a"]
    leadership.save()
    step(
        case,
        "designate_lead",
        world["users"]["leader_a"],
        lead_department=world["departments"]["a"],
    )
    step(
        case,
        "record_contribution",
        world["users"]["staff_b"],
        department=world["departments"]["b"],
        opinion="乙科会办意见",
    )
    record_verification(case, world["users"]["handler_a"])
    step(case, "draft_reply", world["users"]["handler_a"], reply_text="答复", method="letter")
    response = _client(head).post(f"/admin/cases/{case.pk}/step/approve_reply_head/", {})
    assert response.status_code in {200, 403}
    assert ReplyDraft.objects.get(case=case).status == ReplyDraft.Status.SUBMITTED
    assert _refused(_client(head).post(f"/admin/cases/{case.pk}/reveal/"))
    assert not _reveal_logged(case, head)


# --- reading without changing (A2.1) ------------------------------------------------------------


def test_a2_1_discipline_inspection_reads_the_audit_log_of_every_case(world):
    discipline = _client(world["users"]["discipline"])
    for case in world["cases"].values():
        response = discipline.get(f"/admin/cases/history/{case.pk}/")
        assert response.status_code == 200, (
            case.number,
            response.status_code,
            response.get("Location"),
        )
        text = response.content.decode()
        assert "交办" in text  # the dispatch step is in the log
        assert PHONE not in text


def _step_data(transition, user, world) -> dict:
    """A filled-in form for any step, so a refusal is the rule's and not a missing field's."""
    today = local_today().isoformat()
    data = {}
    for spec in transition.fields:
        match spec.kind:
            case FieldKind.LINE | FieldKind.TEXT:
                data[spec.name] = "测试"
            case FieldKind.DATE:
                data[spec.name] = today
            case FieldKind.CHOICE:
                data[spec.name] = spec.choices[0][0]
            case FieldKind.KIND:
                data[spec.name] = "pollution"
            case FieldKind.CATEGORIES:
                data[spec.name] = [a_category().pk]
            case FieldKind.DEPARTMENT:
                data[spec.name] = world["departments"]["c"].pk
            case FieldKind.DEPARTMENTS:
                data[spec.name] = [world["departments"]["b"].pk]
            case FieldKind.HANDLER:
                data[spec.name] = world["users"]["staff_c"].pk
            case FieldKind.STAFF:
                data[spec.name] = user.pk
            case FieldKind.REFERRAL:
                data[spec.name] = ReferralGuideEntry.objects.order_by("sort_order").first().pk
            case FieldKind.CHOICES:
                data[spec.name] = [spec.choices[0][0]]
            case FieldKind.PHONE:
                data[spec.name] = "13800001111"
            case FieldKind.FILES:
                data[spec.name] = SimpleUploadedFile("证据.png", PNG, "image/png")
    return data


def _snapshot(case: Case) -> tuple:
    case = Case.objects.get(pk=case.pk)
    return (
        case.state,
        case.host_department_id,
        case.handler_id,
        case.description,
        dict(case.decision),
        ModelLogEntry.objects.filter(object_id=str(case.pk))
        .exclude(action__in=["petitions.download_attachment"])
        .count(),
        Recusal.objects.filter(case=case).count(),
        Transfer.objects.filter(case=case).count(),
        ReplyDraft.objects.filter(case=case).count(),
        Verification.objects.filter(case=case).count(),
        Contribution.objects.filter(case=case).count(),
        Attachment.objects.filter(case=case).count(),
        case.lead_status,
    )


@pytest.mark.parametrize("actor", ["discipline", "office"])
def test_a2_1_reading_roles_change_nothing(world, actor):
    """Discipline inspection (and the office, which only reads) take no step of the transition
    table on a case they see, not even 回避 for themselves, and cannot edit it."""
    user = world["users"][actor]
    client = _client(user)
    case = world["cases"]["a"]
    changed = []
    for name, transition in TRANSITIONS.items():
        before = _snapshot(case)
        response = client.post(
            f"/admin/cases/{case.pk}/step/{name}/", _step_data(transition, user, world)
        )
        if _snapshot(case) != before or response.status_code not in {200, 403, 404}:
            changed.append(f"step {name}: {response.status_code} {response.get('Location', '')}")
    before = _snapshot(case)
    response = client.post(
        f"/admin/cases/edit/{case.pk}/", {"place": "改过", "description": "改过的内容"}
    )
    if not _refused(response) or _snapshot(case) != before:
        changed.append(f"edit: {response.status_code}")
    assert not changed, f"{actor} changed the case:\n" + "\n".join(changed)


@pytest.mark.parametrize("actor", ["staff_c", "duty", "administrator", "anonymous"])
def test_a2_1_users_outside_the_case_cannot_post_a_step_on_it(world, actor):
    """A step form is a case address too: refused before any rule is asked, nothing changes."""
    user = world["users"].get(actor)
    client = _client(user)
    case = world["cases"]["a"]
    before = _snapshot(case)
    today = local_today().isoformat()
    posts = {
        "transfer": {"agency": "区城管局", "content": "转交", "transferred_on": today},
        "record_recusal": {
            "person": (user or world["users"]["handler_a"]).pk,
            "reason": "测试",
        },
    }
    for name, data in posts.items():
        response = client.post(f"/admin/cases/{case.pk}/step/{name}/", data)
        assert _refused(response), (name, response.status_code)
        assert response.status_code != 200
    assert _snapshot(case) == before


def test_a2_1_an_attachment_is_served_only_under_its_own_case(world):
    """The attachment id of a case one cannot see is not reachable through a case one can."""
    handler = _client(world["users"]["handler_a"])
    case_a, other = world["cases"]["a"], world["attachments"]["c"]
    assert handler.get(f"/admin/cases/{case_a.pk}/attachment/{other.pk}/").status_code == 404


def test_a2_1_duty_staff_see_the_cases_they_registered_only(world):
    duty = world["users"]["duty"]
    own = _file(duty, place="九龙坡区值班路9号")
    client = _client(duty)
    ledger = client.get("/admin/cases/").content.decode()
    assert own.number in ledger
    assert world["cases"]["a"].number not in ledger
    assert client.get(f"/admin/cases/inspect/{own.pk}/").status_code == 200
