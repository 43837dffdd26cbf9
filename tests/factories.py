"""Factories for the tests: configuration rows directly, cases only through the real services."""

import datetime as dt
import itertools

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.utils import timezone

from petitions.cases.filing import Filing, PetitionerData, file_case
from petitions.cases.transitions import perform_transition
from petitions.intake.receipts import RECEIPT_COOKIE, remembered_code
from petitions.models import Case
from petitions.office.models import DutyKind, DutyOfficer
from rules.roles import ROLE_GROUP_NAMES, Role
from snippets.models import BureauLeadership, Category, Channel, Department

_seq = itertools.count(1)


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department
        django_get_or_create = ("code",)

    name = factory.Sequence(lambda n: f"科室{n}")
    code = factory.Sequence(lambda n: f"dept{n}")


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ("code",)

    name = factory.Sequence(lambda n: f"类别{n}")
    code = factory.Sequence(lambda n: f"cat{n}")


class ChannelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Channel
        django_get_or_create = ("code",)

    name = factory.Sequence(lambda n: f"渠道{n}")
    code = factory.Sequence(lambda n: f"channel{n}")
    source = Channel.Source.DIRECT


def direct_channel() -> Channel:
    return ChannelFactory(code="phone", name="来电", source=Channel.Source.DIRECT)


def website_channel() -> Channel:
    """The channel the public website files into (petitions.intake.WEBSITE_CHANNEL_CODE)."""
    return ChannelFactory(code="website", name="网站", source=Channel.Source.DIRECT)


def file_online(client, **changes) -> tuple[Case, str]:
    """File through the public form as a resident would: (case, query code from the receipt)."""
    from petitions.intake.filing import new_submission_token

    website_channel()
    token = new_submission_token()
    data = {
        "kind": "pollution",
        "place": "九龙坡区谢家湾正街3号",
        "description": "工地夜间施工噪声扰民。",
        "name": "王小明",
        "phone": "13700001111",
        "privacy_consent": "on",
        "submission_token": token,
        **changes,
    }
    assert client.post("/xinfang/file/", data).status_code == 302
    return Case.objects.get(public_submission__token=token), receipt_code(client, token)


def receipt_code(client, token: str) -> str:
    """The query code this browser's receipt shows (kept in its sealed receipt cookie)."""
    code = remembered_code(client.cookies[RECEIPT_COOKIE].value, token)
    assert code is not None
    return code


def superior_channel() -> Channel:
    return ChannelFactory(
        code="hotline_12345", name="12345市民热线", source=Channel.Source.SUPERIOR
    )


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.PostGenerationMethodCall("set_password", "pw-123456")

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        self.save()
        for role in extracted or []:
            self.groups.add(role_group(role))


ROLE_CASE_PERMS = {
    Role.DETACHMENT: ["view_case", "add_case", "change_case", "handle_case", "reveal_identity"],
    Role.HANDLER: ["view_case", "handle_case", "reveal_identity"],
    Role.DEPARTMENT_HEAD: ["view_case", "handle_case", "reveal_identity"],
    Role.DISCIPLINE: ["view_case"],
}


def role_group(role: Role) -> Group:
    group, created = Group.objects.get_or_create(name=ROLE_GROUP_NAMES[role])
    if created:
        group.permissions.add(
            Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin"),
            *Permission.objects.filter(
                content_type__app_label="petitions",
                codename__in=ROLE_CASE_PERMS.get(role, ["view_case"]),
            ),
        )
    return group


def detachment_user(username: str = "zhidui"):
    return UserFactory(username=username, roles=[Role.DETACHMENT])


def aware(day: dt.date, hour: int = 9) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))


def make_case(
    *, channel: Channel | None = None, received_on: dt.date | None = None, user=None, **extra
) -> Case:
    """File a case through the real intake service."""
    n = next(_seq)
    filing = Filing(
        channel=channel or direct_channel(),
        received_at=aware(received_on) if received_on else None,
        place=extra.pop("place", f"九龙坡区测试路{n}号"),
        description=extra.pop("description", f"夜间异味扰民 {n}"),
        petitioners=[
            PetitionerData(
                name="张三", phone="13812340000", id_number="", address="九龙坡区杨家坪正街1号"
            )
        ],
        **extra,
    )
    return file_case(filing, user=user)


def step(case: Case, name: str, user, **data) -> Case:
    return perform_transition(case, name, user=user, data=data)


#: The smallest valid PNG (1×1 pixel).
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000b49444154789c6360000200000500017a5eab3f0000000049454e44ae426082"
)


def a_photo(name: str = "现场照片.png"):
    """An uploaded photo as a form hands it to a step: checked by its content."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from petitions.cases.validators import checked_attachment

    return checked_attachment(SimpleUploadedFile(name, PNG, content_type="image/png"))


def a_category() -> Category:
    return CategoryFactory(code="air", name="大气")


REPLY_STEPS = {"reply", "reply_review", "reply_re_review"}
STAGE_OF_REPLY_STEP = {"reply": "reply", "reply_review": "review", "reply_re_review": "re_review"}


def record_verification(case: Case, user, **changes) -> Case:
    """A verification (核查, 第六条) as a handler records it; a reply draft needs one."""
    data = {
        "subject": "被反映单位的排放情况",
        "checked_on": case.received_on,
        "place": case.place,
        "checked_by": "王五、李四",
        "methods": ["on_site"],
        "findings": "现场检查发现排放口无异常。",
        "conclusion": "explained",
        **changes,
    }
    return perform_transition(case, "record_verification", user=user, data=data)


def issue_reply(
    case: Case,
    name: str,
    user,
    *,
    reply_text: str = "答复",
    method: str = "letter",
    replied_on=None,
    received_on=None,
    outcome: str = "upheld",
) -> Case:
    """A reply through the two-level approval (第十七条): draft, department head, leader, issue.

    A review or re-review opinion also records its outcome (A21.1), upheld unless told.
    """
    from rules.roles import Role

    dept = case.host_department
    if dept.head is None:
        dept.head = UserFactory(username=f"head_{dept.code}", roles=[Role.DEPARTMENT_HEAD])
        dept.save()
    leader = case.supervising_leader or dept.supervising_leader
    if leader is None:
        leader = UserFactory(username=f"leader_{dept.code}", roles=[Role.SUPERVISING_LEADER])
        dept.supervising_leader = leader
        dept.save()
    head = dept.head
    head.groups.add(role_group(Role.DEPARTMENT_HEAD))
    leader.groups.add(role_group(Role.SUPERVISING_LEADER))
    for u in (head, leader):
        u.__dict__.pop("_petition_group_names", None)
    if not case.verifications.filter(stage=STAGE_OF_REPLY_STEP[name]).exists():
        case = record_verification(case, user)
    case = perform_transition(
        case, "draft_reply", user=user, data={"reply_text": reply_text, "method": method}
    )
    case = perform_transition(case, "approve_reply_head", user=head, data={})
    case = perform_transition(case, "approve_reply_leader", user=leader, data={})
    data = {"replied_on": replied_on, "received_on": received_on}
    if name in ("reply_review", "reply_re_review"):
        data["outcome"] = outcome
    return perform_transition(case, name, user=user, data=data)


# --- the bureau's working systems (petitions.office) ------------------------------------------


def person(username: str, name: str, *roles: Role):
    """A member of staff with a full name (王五) in the given role groups."""
    return UserFactory(username=username, first_name=name, roles=list(roles))


def duty_officer(username: str, name: str, kind: str, *roles: Role):
    """Someone on the duty list (值班人员), enforcement or monitoring, in the duty group."""
    user = person(username, name, Role.DUTY, *roles)
    officer, _created = DutyOfficer.objects.get_or_create(user=user, defaults={"kind": kind})
    return officer


def duty_team() -> dict:
    """Two enforcement officers, one more, and one monitoring officer."""
    return {
        "zhang": duty_officer("zhifa_zhang", "张执法", DutyKind.ENFORCEMENT),
        "li": duty_officer("zhifa_li", "李执法", DutyKind.ENFORCEMENT),
        "zhao": duty_officer("zhifa_zhao", "赵执法", DutyKind.ENFORCEMENT),
        "wang": duty_officer("jiance_wang", "王监测", DutyKind.MONITORING),
    }


def leadership_members(*people):
    """班子成员 in the bureau's leadership setting (设置 › 局领导)."""
    setting = BureauLeadership.load()
    setting.members.set(people)
    return setting
