"""Demo cases for the reports (演示数据): the current and previous quarter, across channels,
departments and categories, some handled late, some important, with reviews, satisfaction
ratings, spot checks and talks, so that every chart and table has something to show.

Idempotent: nothing is created when the demo cases are already there. Cases change only through
`file_case` and `perform_transition`; feedback, spot checks and talks are records of their own.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from petitions.cases.filing import Filing, PetitionerData, file_case
from petitions.cases.models import Case, Deadline, Feedback, Reply
from petitions.cases.transitions import perform_transition
from petitions.reports.models import SpotCheck, Talk
from petitions.reports.periods import previous_quarter, quarter_bounds, quarter_of
from rules.deadlines import RuleKey
from rules.roles import ROLE_GROUP_NAMES, Role
from snippets.models import Category, Channel, Department

DEMO_MARK = "【演示·统计】"

#: Department code → (category code, head's username and name, leader's username).
DEPARTMENTS = {
    "air": ("air", "kezhang", "王海", "fenguan"),
    "water": ("water", "shui_kezhang", "孙丽", "fenguan"),
    "soil": ("solid_waste", "turang_kezhang", "马强", "fenguan2"),
    "nature": ("ecology", "shengtai_kezhang", "胡兵", "fenguan2"),
    "detachment": ("noise", "zhidui_duizhang", "林涛", "fenguan2"),
}
#: Full names, family name first (one character here), as staff are shown everywhere.
LEADERS = {"fenguan": "李明", "fenguan2": "何军"}
CHANNELS = [
    "phone",
    "letter",
    "website",
    "hotline_12345",
    "visit",
    "government_mailbox",
    "internet_supervision",
]


@dataclass(frozen=True)
class Plan:
    """How a demo case goes: days after receipt for each step (None: the step is not taken)."""

    scenario: str
    accept_after: int | None = 1
    reply_after: int | None = 12  # days after acceptance
    review_after: int | None = None  # days after the reply
    important: bool = False


PLANS = [
    Plan("on_time"),
    Plan("late_reply", reply_after=40),
    Plan("on_time", reply_after=20),
    Plan("late_accept", accept_after=9),
    Plan("important", reply_after=10, important=True),
    Plan("declined", accept_after=None, reply_after=None),
    Plan("review", reply_after=15, review_after=5),
    Plan("open", reply_after=None),
    Plan("on_time", reply_after=25),
    Plan("referred", accept_after=None, reply_after=None),
    Plan("important_late", reply_after=25, important=True),
    Plan("on_time", reply_after=8),
    Plan("registered", accept_after=None, reply_after=None),
    Plan("open", reply_after=None),
]
RATINGS = [5, 4, 3, 5, 2, 4, 5, 1, 4]


def demo_password() -> str | None:
    """The demo logins share the administrator's password (bin/run prints it)."""
    path = settings.VAR_DIR / "initial_admin_password"
    return os.environ.get("PETITIONS_ADMIN_PASSWORD") or (
        path.read_text().strip() if path.exists() else None
    )


def _person(username: str, name: str, role: Role):
    user, created = get_user_model().objects.get_or_create(
        username=username, defaults={"last_name": name[0], "first_name": name[1:]}
    )
    if created:
        password = demo_password()
        user.set_password(password) if password else user.set_unusable_password()
        user.save()
    user.groups.add(Group.objects.get(name=ROLE_GROUP_NAMES[role]))
    return user


def _people() -> dict[str, Department]:
    """Heads and supervising leaders for the demo departments (kept if already set)."""
    leaders = {u: _person(u, name, Role.SUPERVISING_LEADER) for u, name in LEADERS.items()}
    departments = {}
    for code, (_cat, head, head_name, leader) in DEPARTMENTS.items():
        department = Department.objects.get(code=code)
        if department.head is None:
            department.head = _person(head, head_name, Role.DEPARTMENT_HEAD)
        if department.supervising_leader is None:
            department.supervising_leader = leaders[leader]
        department.save()
        departments[code] = department
    return departments


def load_report_demo(admin, today: dt.date | None = None) -> int:
    """Create the demo cases of the reports; returns how many were created (0 if present)."""
    if Case.objects.filter(description__startswith=DEMO_MARK).exists():
        return 0
    today = today or timezone.localdate()
    departments = _people()
    channels = {c.code: c for c in Channel.objects.filter(code__in=CHANNELS)}
    categories = {c.code: c for c in Category.objects.all()}
    year, quarter = quarter_of(today)
    current = quarter_bounds(year, quarter)
    previous = quarter_bounds(*previous_quarter(year, quarter))
    received_days = [previous.start + dt.timedelta(days=3 + 6 * i) for i in range(len(PLANS))] + [
        current.start + dt.timedelta(days=((today - current.start).days * i) // len(PLANS))
        for i in range(len(PLANS))
    ]
    codes = list(DEPARTMENTS)
    created = []
    for n, received in enumerate(received_days):
        plan = PLANS[n % len(PLANS)]
        code = codes[n % len(codes)]
        case = _demo_case(
            n,
            received,
            plan,
            today,
            admin=admin,
            department=departments[code],
            channel=channels[CHANNELS[n % len(CHANNELS)]],
            category=categories[DEPARTMENTS[code][0]],
        )
        created.append(case)
    _records(created, admin, today)
    return len(created)


def demo_verification(case: Case, on: dt.date) -> dict:
    """A verification (核查, 第六条) as a demo case records it before its reply is drafted."""
    return {
        "subject": f"{case.reported_party or '被反映单位'}的排放情况",
        "checked_on": on,
        "place": case.place,
        "checked_by": "演示核查组",
        "methods": ["on_site", "monitoring"],
        "findings": "现场检查并监测，发现反映的问题属实。",
        "conclusion": "resolved",
    }


def _demo_case(n, received, plan: Plan, today, *, admin, department, channel, category) -> Case:
    def on(day: dt.date) -> bool:
        return day <= today

    def step(case, name, **data):
        if name in {"reply", "reply_review"}:
            # 第六条: verified first; 第十七条: drafted, approved by the department head, then
            # by the leader.
            perform_transition(
                case,
                "record_verification",
                user=admin,
                data=demo_verification(case, data["replied_on"]),
            )
            perform_transition(
                case,
                "draft_reply",
                user=admin,
                data={"reply_text": data.pop("text"), "method": "letter"},
            )
            perform_transition(case, "approve_reply_head", user=department.head, data={})
            perform_transition(
                case, "approve_reply_leader", user=department.supervising_leader, data={}
            )
        return perform_transition(case, name, user=admin, data=data)

    case = file_case(
        Filing(
            channel=channel,
            received_at=timezone.make_aware(dt.datetime.combine(received, dt.time(10, 0))),
            place=f"九龙坡区演示路{n + 1}号",
            reported_party=f"演示企业{n + 1}",
            description=f"{DEMO_MARK}{category.name}问题反映（第{n + 1}件）。",
            demands="请依法处理并答复。",
            petitioners=[PetitionerData(name=f"李{n + 1}", phone=f"1390000{n + 1:04d}")],
            categories=[category],
            source_ticket_number=f"DEMO-R-{n + 1:04d}" if channel.is_superior_assigned else "",
            important={"important_leader_instruction": True} if plan.important else {},
        ),
        user=admin,
    )
    case = step(case, "register", kind="pollution", categories=[category])
    if plan.scenario in {"declined", "referred"}:
        case = _decide(case, plan.scenario, step)
        # The demo records today what was decided two days after receipt.
        decided = min(received + dt.timedelta(days=2), today)
        Deadline.objects.filter(case=case, status=Deadline.Status.MET).update(
            met_at=timezone.make_aware(dt.datetime.combine(decided, dt.time(16, 0)))
        )
        return case
    if plan.accept_after is None:
        return case
    accepted = min(received + dt.timedelta(days=plan.accept_after), today)
    case = step(case, "accept", accepted_on=accepted, notice_method="phone")
    case = step(
        case,
        "dispatch",
        host_department=department,
        co_departments=[],
        basis="responsibility_table",
    )
    if plan.reply_after is None:
        return case
    replied = accepted + dt.timedelta(days=plan.reply_after)
    if not on(replied):
        return case
    case = step(
        case, "reply", text="经现场核查，已责令整改。", replied_on=replied, received_on=replied
    )
    if plan.review_after is None:
        return case
    requested = replied + dt.timedelta(days=plan.review_after)
    if not on(requested):
        return case
    case = step(case, "request_review", requested_on=requested, request="对答复不满意。")
    opinion = requested + dt.timedelta(days=10)
    if on(opinion):
        # The previous quarter's review changes the reply, so the evaluation shows one
        # overturned (复查复核改变, A21.1); the current quarter's upholds it.
        changed = n < len(PLANS)
        case = step(
            case,
            "reply_review",
            text="复查意见：变更原答复，责令限期整改。" if changed else "复查意见：维持原答复。",
            replied_on=opinion,
            received_on=opinion,
            outcome="changed" if changed else "upheld",
        )
    return case


def _decide(case: Case, scenario: str, step) -> Case:
    if scenario == "declined":
        return step(
            case,
            "decline",
            reason_kind="statutory_route",
            reason="属于民事赔偿纠纷。",
            legal_route="向人民法院提起民事诉讼。",
        )
    return step(
        case,
        "refer",
        competent_agency="九龙坡区城市管理局",
        agency_contact="12319",
        guidance="由城市管理部门负责。",
    )


def _records(cases: list[Case], admin, today: dt.date) -> None:
    """Satisfaction ratings, spot checks and talks on the demo cases."""
    replies = list(
        Reply.objects.filter(case__in=cases, stage=Reply.Stage.REPLY).select_related(
            "case__host_department"
        )
    )
    for i, reply in enumerate(replies):
        if i % 4 == 3:
            continue  # not every petitioner rates the reply
        feedback = Feedback.objects.create(
            case=reply.case, reply=reply, rating=RATINGS[i % len(RATINGS)], comment=""
        )
        # The rating was given a few days after the reply was received.
        given = min(reply.received_on + dt.timedelta(days=3), today)
        Feedback.objects.filter(pk=feedback.pk).update(
            created_at=timezone.make_aware(dt.datetime.combine(given, dt.time(15, 0)))
        )
    findings = [
        SpotCheck.Finding.COMPLIANT,
        SpotCheck.Finding.MINOR,
        SpotCheck.Finding.COMPLIANT,
        SpotCheck.Finding.SERIOUS,
        SpotCheck.Finding.COMPLIANT,
        SpotCheck.Finding.MINOR,
    ]
    for reply, finding in zip(replies[::2], findings, strict=False):
        SpotCheck.objects.create(
            case=reply.case,
            department=reply.case.host_department,
            checked_on=min(reply.replied_on + dt.timedelta(days=7), today),
            finding=finding,
            notes=""
            if finding == SpotCheck.Finding.COMPLIANT
            else "答复未写明法律依据，限期整改。",
            checked_by=admin,
        )
    late = [
        r for r in replies if r.case.deadlines.filter(rule=RuleKey.REPLY, due_on__lt=r.replied_on)
    ]
    for reply in late[:2]:
        department = reply.case.host_department
        Talk.objects.create(
            staff=department.head,
            department=department,
            case=reply.case,
            held_on=min(reply.replied_on + dt.timedelta(days=5), today),
            reason="答复超过办理期限。",
            outcome="已说明原因，承诺整改。",
            recorded_by=admin,
        )
