"""Alerts to staff (工作提醒), each at most once; who answers for a case; 第十条's important cases."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _

from petitions.cases.bulk_rows import insert_new
from petitions.cases.models import Alert, Case
from rules.roles import ROLE_GROUP_NAMES, Role
from snippets.models import BureauLeadership

User = get_user_model()


def _detachment() -> list:
    return list(User.objects.filter(groups__name=ROLE_GROUP_NAMES[Role.DETACHMENT], is_active=True))


def _unique(users: Iterable) -> list:
    seen, result = set(), []
    for user in users:
        if user is not None and user.is_active and user.pk not in seen:
            seen.add(user.pk)
            result.append(user)
    return result


def responsible_for(case: Case) -> list:
    """Who is reminded of a case's deadline: its handler and the host department's head.

    Before dispatch nobody in a department holds the case yet: the detachment does (第十三条).
    """
    if case.host_department_id is None:
        return _unique(_detachment())
    return _unique([case.handler, case.host_department.head]) or _unique(_detachment())


def supervising_leader_of(case: Case):
    """Who is told about a case at the leaders' level: its supervising leader, else the leader
    supervising petition work (分管信访工作的领导)."""
    return case.leader or BureauLeadership.load().petition_leader


def create_alerts(
    case: Case, recipients: Iterable, kind: str, key: str, message: str, *, link: str = ""
) -> int:
    """Create each alert at most once: the unique (recipient, key) pair absorbs repeats."""
    rows = [
        Alert(recipient=user, case=case, kind=kind, key=key, message=message, link=link)
        for user in _unique(recipients)
    ]
    before = Alert.objects.filter(key=key, case=case).count()
    Alert.objects.bulk_create(rows, ignore_conflicts=True)
    return Alert.objects.filter(key=key, case=case).count() - before


class Recipients:
    """`responsible_for` and `supervising_leader_of` for a batch of cases: the detachment and
    the bureau's leadership read once, not once per case."""

    def __init__(self) -> None:
        self._detachment: list | None = None
        self._petition_leader: list | None = None

    def detachment(self) -> list:
        if self._detachment is None:
            self._detachment = _detachment()
        return self._detachment

    def responsible_for(self, case: Case) -> list:
        if case.host_department_id is None:
            return _unique(self.detachment())
        return _unique([case.handler, case.host_department.head]) or _unique(self.detachment())

    def supervising_leader_of(self, case: Case):
        if case.leader is not None:
            return case.leader
        if self._petition_leader is None:
            self._petition_leader = [BureauLeadership.load().petition_leader]
        return self._petition_leader[0]


def create_alerts_set_wise(items: Iterable[tuple[Case, Iterable, str, str]], kind: str) -> int:
    """`create_alerts` for many (case, recipients, key, message) at once, in three statements;
    returns how many alerts are new."""
    rows = [
        {"recipient": user.pk, "case": case.pk, "kind": kind, "key": key, "message": message}
        for case, recipients, key, message in items
        for user in _unique(recipients)
    ]
    if not rows:
        return 0
    # By case first: the case's index finds them (the unique key is by recipient).
    mine = Alert.objects.filter(
        case_id__in={row["case"] for row in rows}, key__in={row["key"] for row in rows}
    )
    before = mine.count()
    # As values (bulk_rows); the unique (recipient, key) absorbs repeats (ON CONFLICT DO NOTHING).
    insert_new(Alert, rows, ignore_conflicts=True)
    return mine.count() - before


def notify_important(case: Case) -> int:
    """Tell the leaders of an important case at once (A10.1); repeated calls tell nobody twice."""
    if not case.is_important and not case.important_social_impact:
        return 0
    leaders = BureauLeadership.load()
    created = 0
    reasons = "；".join(case.important_reasons) or _("可能造成重大社会影响")
    if case.is_important:
        created += create_alerts(
            case,
            [leaders.petition_leader, supervising_leader_of(case)],
            Alert.Kind.IMPORTANT,
            f"important:{case.pk}",
            _("重要信访案件 %(number)s：%(reasons)s（第十条）。")
            % {"number": case.number, "reasons": reasons},
        )
    if case.important_severe:
        created += create_alerts(
            case,
            [leaders.bureau_head],
            Alert.Kind.SEVERE,
            f"severe:{case.pk}",
            _("情节严重的重要信访案件 %(number)s，请主要负责人阅示（第十条）。")
            % {"number": case.number},
        )
    if case.important_social_impact:
        created += create_alerts(
            case,
            [leaders.petition_leader, leaders.bureau_head, *_detachment()],
            Alert.Kind.SOCIAL_IMPACT,
            f"social_impact:{case.pk}",
            _(
                "案件 %(number)s 可能造成重大社会影响，应及时报告区政府、区信访办，"
                "并在案件页面“记录向区政府、区信访办报告”（第十条）。"
            )
            % {"number": case.number},
        )
    return created
