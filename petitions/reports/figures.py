"""Report figures (统计报表): dashboards (A5.1), the quarterly report (季度汇报, A5.2), the bulletin
(通报, A20.2), the yearly department evaluation (年度科室考评, A21.1) and the due-soon and overdue
lists (A24.2).

Every figure is an aggregate computed by the database; each function issues a fixed number of
queries whatever the number of cases. Figures are limited to a `Scope` built from the user's
access (petitions.cases.access): a department sees its own department, a leader the departments
they supervise, the detachment, the bureau head, the office and discipline inspection all.

Definitions (documented here so that anyone can check a figure):

- A period is [start, end): a case counts in it when it was *received* in it.
- On time (按期): a staff deadline (not a petitioner's window) *due* in the period that was done
  on or before its due date. The day it was done is the date entered for the act (受理日期 for
  acceptance, the reply's 答复日期 for a reply or opinion), else the day it was recorded.
  Late: done after the due date, or still open after it. Deadlines not yet due are left out, and
  so are deadlines that no longer apply (cancelled, e.g. a voided case).
- Overdue cases (逾期案件): the cases with at least one late deadline due in the period.
- Reviews (复查/复核): requests received in the period (the opinion's time limit starts on the
  request) and opinions issued in the period. Whether an opinion overturned the reply is not
  recorded in the data model, so no “overturned” figure is given.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db.models import Avg, Count, DateField, F, OuterRef, Q, QuerySet, Subquery, When
from django.db.models import Case as CaseWhen
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from petitions.cases.models import Case, Deadline, Feedback, Reply, important_q
from petitions.reports.models import SpotCheck, Talk
from petitions.reports.periods import Period
from petitions.reports.scope import Scope
from rules.deadlines import ACCEPTANCE_RULES, REPLY_RULES, RuleKey
from rules.kinds import Kind
from rules.states import State
from snippets.models import Department

#: The limit for objecting to an assigned case is a right, not a duty: an accepted case never
#: “misses” it, so it counts in no rate (the acceptance limit runs beside it).
NOT_A_DUTY = (RuleKey.OBJECTION_ASSIGNED,)
REVIEW_RULES = (RuleKey.REVIEW_OPINION, RuleKey.RE_REVIEW_OPINION)
#: The reply stage whose 答复日期 marks each opinion rule as done.
STAGE_OF_RULE = {
    RuleKey.REPLY: Reply.Stage.REPLY,
    RuleKey.REPLY_IMPORTANT: Reply.Stage.REPLY,
    RuleKey.SOURCE_DEADLINE: Reply.Stage.REPLY,
    RuleKey.REVIEW_OPINION: Reply.Stage.REVIEW,
    RuleKey.RE_REVIEW_OPINION: Reply.Stage.RE_REVIEW,
}
UNASSIGNED = _("未交办")
UNCLASSIFIED = _("未分类")


# --- rows ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    label: str
    count: int


@dataclass(frozen=True)
class Rate:
    """按期率: on time / (on time + late); None when nothing was due."""

    on_time: int
    late: int

    @property
    def total(self) -> int:
        return self.on_time + self.late

    @property
    def percent(self) -> float | None:
        return round(100 * self.on_time / self.total, 1) if self.total else None

    def __str__(self) -> str:
        return "—" if self.percent is None else f"{self.percent:.1f}%"


@dataclass(frozen=True)
class CaseCounts:
    total: int
    important: int
    by_channel: list[Row]
    by_kind: list[Row]
    by_category: list[Row]
    by_department: list[Row]
    by_outcome: list[Row]


def _label(value, names: dict, default) -> str:
    return str(names.get(value, value) if value not in (None, "") else default)


def case_counts(scope: Scope, period: Period) -> CaseCounts:
    """Cases received in the period, by channel, kind, category, department and state (6 queries)."""
    cases = scope.cases.filter(period.received_q())
    totals = cases.aggregate(total=Count("pk"), important=Count("pk", filter=important_q()))
    by_channel = [
        Row(r["channel__name"], r["n"])
        for r in cases.values("channel__name", "channel__sort_order")
        .annotate(n=Count("pk"))
        .order_by("channel__sort_order", "channel__name")
    ]
    kinds = dict(Kind.choices)
    by_kind = [
        Row(_label(r["kind"], kinds, UNCLASSIFIED), r["n"])
        for r in cases.values("kind").annotate(n=Count("pk")).order_by("-n", "kind")
    ]
    # A case of two categories counts under each.
    by_category = [
        Row(_label(r["categories__name"], {}, UNCLASSIFIED), r["n"])
        for r in cases.values("categories__name", "categories__sort_order")
        .annotate(n=Count("pk", distinct=True))
        .order_by("categories__sort_order", "categories__name")
    ]
    by_department = [
        Row(_label(r["host_department__name"], {}, UNASSIGNED), r["n"])
        for r in cases.values("host_department__name", "host_department__sort_order")
        .annotate(n=Count("pk"))
        .order_by("host_department__sort_order", "host_department__name")
    ]
    order = {s.value: i for i, s in enumerate(State)}
    by_outcome = sorted(
        (
            (order.get(r["state"], 99), Row(str(State(r["state"]).label), r["n"]))
            for r in cases.values("state").annotate(n=Count("pk")).order_by()
        ),
        key=lambda pair: pair[0],
    )
    return CaseCounts(
        total=totals["total"],
        important=totals["important"],
        by_channel=by_channel,
        by_kind=by_kind,
        by_category=by_category,
        by_department=by_department,
        by_outcome=[row for _, row in by_outcome],
    )


# --- deadlines: on time and late -----------------------------------------------------------


def _reply_day(stage: str) -> Subquery:
    return Subquery(
        Reply.objects.filter(case=OuterRef("case_id"), stage=stage)
        .order_by("replied_on", "id")
        .values("replied_on")[:1],
        output_field=DateField(),
    )


def _done_on():
    """The day a deadline was done: the date entered for the act, else the day it was recorded."""
    recorded = TruncDate("met_at", tzinfo=timezone.get_default_timezone())
    return CaseWhen(
        When(rule__in=ACCEPTANCE_RULES, then=Coalesce(F("case__accepted_on"), recorded)),
        *[
            When(rule=rule, then=Coalesce(_reply_day(stage), recorded))
            for rule, stage in STAGE_OF_RULE.items()
        ],
        default=recorded,
        output_field=DateField(),
    )


def staff_deadlines(scope: Scope, period: Period, today: dt.date) -> QuerySet:
    """The staff deadlines of the scope due in the period, with `done_on`, `on_time`, `late`."""
    return (
        Deadline.objects.filter(case__in=scope.cases.values("pk"), is_window=False)
        .filter(period.day_q("due_on"))
        .exclude(status=Deadline.Status.CANCELLED)
        .exclude(rule__in=NOT_A_DUTY)
        .annotate(done_on=_done_on())
    )


def _on_time_q(rules: Sequence[str] | None = None) -> Q:
    q = Q(status=Deadline.Status.MET, done_on__lte=F("due_on"))
    return q & Q(rule__in=rules) if rules else q


def _late_q(today: dt.date, rules: Sequence[str] | None = None) -> Q:
    q = Q(status=Deadline.Status.MET, done_on__gt=F("due_on")) | Q(
        status__in=[Deadline.Status.OPEN, Deadline.Status.LAPSED], due_on__lt=today
    )
    return q & Q(rule__in=rules) if rules else q


def rate_annotations(today: dt.date) -> dict:
    return {
        "acceptance_on_time": Count("pk", filter=_on_time_q(ACCEPTANCE_RULES)),
        "acceptance_late": Count("pk", filter=_late_q(today, ACCEPTANCE_RULES)),
        "reply_on_time": Count("pk", filter=_on_time_q(REPLY_RULES)),
        "reply_late": Count("pk", filter=_late_q(today, REPLY_RULES)),
        "review_on_time": Count("pk", filter=_on_time_q(REVIEW_RULES)),
        "review_late": Count("pk", filter=_late_q(today, REVIEW_RULES)),
        "overdue_cases": Count("case", filter=_late_q(today), distinct=True),
    }


@dataclass(frozen=True)
class OnTime:
    acceptance: Rate
    reply: Rate
    review: Rate
    overdue_cases: int


def on_time_from(row: dict) -> OnTime:
    return OnTime(
        acceptance=Rate(row["acceptance_on_time"], row["acceptance_late"]),
        reply=Rate(row["reply_on_time"], row["reply_late"]),
        review=Rate(row["review_on_time"], row["review_late"]),
        overdue_cases=row["overdue_cases"],
    )


def on_time(scope: Scope, period: Period, today: dt.date) -> OnTime:
    """受理、答复、复查复核意见按期率 and the number of overdue cases (1 query)."""
    row = staff_deadlines(scope, period, today).aggregate(**rate_annotations(today))
    return on_time_from(row)


@dataclass(frozen=True)
class LateItem:
    """A late deadline: the case number and department, never the petitioner."""

    case_id: int
    number: str
    department: str
    label: str
    due_on: dt.date
    done_on: dt.date | None
    important: bool


def overdue_items(scope: Scope, period: Period, today: dt.date) -> list[LateItem]:
    """Every late deadline due in the period (1 query)."""
    rows = (
        staff_deadlines(scope, period, today)
        .filter(_late_q(today))
        .values(
            "case_id",
            "case__number",
            "case__host_department__name",
            "label",
            "due_on",
            "done_on",
            "status",
            *[f"case__{name}" for name in Case.IMPORTANT_FLAGS],
        )
        .order_by("due_on", "case__number")
    )
    return [
        LateItem(
            case_id=r["case_id"],
            number=r["case__number"],
            department=str(r["case__host_department__name"] or UNASSIGNED),
            label=r["label"],
            due_on=r["due_on"],
            done_on=r["done_on"] if r["status"] == Deadline.Status.MET else None,
            important=any(r[f"case__{name}"] for name in Case.IMPORTANT_FLAGS),
        )
        for r in rows
    ]


@dataclass(frozen=True)
class ImportantItem:
    case_id: int
    number: str
    department: str
    state: str
    received_on: dt.date
    reasons: list[str]


def important_items(scope: Scope, period: Period) -> list[ImportantItem]:
    """重要信访案件 received in the period, with the reasons (1 query)."""
    flags = list(Case.IMPORTANT_FLAGS)
    rows = (
        scope.cases.filter(period.received_q())
        .filter(important_q())
        .values("pk", "number", "host_department__name", "state", "received_at", *flags)
        .order_by("received_at", "number")
    )
    names = {f: str(Case._meta.get_field(f).verbose_name) for f in flags}
    return [
        ImportantItem(
            case_id=r["pk"],
            number=r["number"],
            department=str(r["host_department__name"] or UNASSIGNED),
            state=str(State(r["state"]).label),
            received_on=timezone.localtime(r["received_at"]).date(),
            reasons=[names[f] for f in flags if r[f]],
        )
        for r in rows
    ]


# --- reviews, satisfaction, spot checks, talks ---------------------------------------------


@dataclass(frozen=True)
class Reviews:
    review_requested: int
    review_replied: int
    review_pending: int
    re_review_requested: int
    re_review_replied: int
    re_review_pending: int
    #: Opinions issued in the period that changed or set aside the handling (A21.1).
    review_overturned: int = 0
    re_review_overturned: int = 0


def overturned_q() -> Q:
    """A review or re-review opinion that changed or set aside the handling (复查复核改变)."""
    return Q(stage__in=(Reply.Stage.REVIEW, Reply.Stage.RE_REVIEW), outcome__in=Reply.OVERTURNED)


def reviews(scope: Scope, period: Period) -> Reviews:
    """复查、复核: requests received and opinions issued in the period (2 queries)."""
    case_ids = scope.cases.values("pk")
    asked = (
        Deadline.objects.filter(case__in=case_ids, rule__in=REVIEW_RULES)
        .filter(period.day_q("start_on"))
        .exclude(status=Deadline.Status.CANCELLED)
        .aggregate(
            review=Count("pk", filter=Q(rule=RuleKey.REVIEW_OPINION)),
            review_open=Count("pk", filter=Q(rule=RuleKey.REVIEW_OPINION, status="open")),
            re_review=Count("pk", filter=Q(rule=RuleKey.RE_REVIEW_OPINION)),
            re_review_open=Count("pk", filter=Q(rule=RuleKey.RE_REVIEW_OPINION, status="open")),
        )
    )
    replied = (
        Reply.objects.filter(case__in=case_ids)
        .filter(period.day_q("replied_on"))
        .aggregate(
            review=Count("pk", filter=Q(stage=Reply.Stage.REVIEW)),
            re_review=Count("pk", filter=Q(stage=Reply.Stage.RE_REVIEW)),
            review_overturned=Count(
                "pk", filter=Q(stage=Reply.Stage.REVIEW, outcome__in=Reply.OVERTURNED)
            ),
            re_review_overturned=Count(
                "pk", filter=Q(stage=Reply.Stage.RE_REVIEW, outcome__in=Reply.OVERTURNED)
            ),
        )
    )
    return Reviews(
        review_requested=asked["review"],
        review_replied=replied["review"],
        review_pending=asked["review_open"],
        re_review_requested=asked["re_review"],
        re_review_replied=replied["re_review"],
        re_review_pending=asked["re_review_open"],
        review_overturned=replied["review_overturned"],
        re_review_overturned=replied["re_review_overturned"],
    )


@dataclass(frozen=True)
class Satisfaction:
    """满意度: ratings given in the period (1 very dissatisfied … 5 very satisfied)."""

    count: int
    average: float | None
    distribution: list[Row]

    @property
    def satisfied(self) -> int:
        """Ratings of 基本满意 or better."""
        return sum(
            row.count
            for rating, row in zip((1, 2, 3, 4, 5), self.distribution, strict=True)
            if rating >= 3
        )

    @property
    def satisfied_percent(self) -> float | None:
        return round(100 * self.satisfied / self.count, 1) if self.count else None


def _rating_annotations() -> dict:
    counts = {
        f"r{value}": Count("pk", filter=Q(rating=value))
        for value, _label in Feedback.Rating.choices
    }
    return {"n": Count("pk"), "avg": Avg("rating"), **counts}


def _satisfaction_from(row: dict) -> Satisfaction:
    return Satisfaction(
        count=row["n"],
        average=round(float(row["avg"]), 2) if row["avg"] is not None else None,
        distribution=[
            Row(str(label), row[f"r{value}"]) for value, label in Feedback.Rating.choices
        ],
    )


def satisfaction(scope: Scope, period: Period) -> Satisfaction:
    row = (
        Feedback.objects.filter(case__in=scope.cases.values("pk"))
        .filter(period.time_q("created_at"))
        .aggregate(**_rating_annotations())
    )
    return _satisfaction_from(row)


@dataclass(frozen=True)
class SpotChecks:
    """抽查 by the office in the period, by finding."""

    total: int
    by_finding: list[Row]

    @property
    def with_problems(self) -> int:
        return sum(row.count for row in self.by_finding[1:])


def _finding_annotations() -> dict:
    return {
        "n": Count("pk"),
        **{
            f"f_{value}": Count("pk", filter=Q(finding=value))
            for value, _ in SpotCheck.Finding.choices
        },
    }


def _spot_checks_from(row: dict) -> SpotChecks:
    return SpotChecks(
        total=row["n"],
        by_finding=[
            Row(str(label), row[f"f_{value}"]) for value, label in SpotCheck.Finding.choices
        ],
    )


def spot_check_rows(scope: Scope) -> QuerySet:
    """The spot checks a scope counts: of its departments, or of its cases."""
    if scope.departments is None:
        return SpotCheck.objects.filter(case__in=scope.cases.values("pk"))
    return SpotCheck.objects.filter(scope.department_q())


def spot_checks(scope: Scope, period: Period) -> SpotChecks:
    row = (
        spot_check_rows(scope)
        .filter(period.day_q("checked_on"))
        .aggregate(**_finding_annotations())
    )
    return _spot_checks_from(row)


def talk_rows(scope: Scope) -> QuerySet:
    if scope.departments is None:
        return Talk.objects.filter(Q(case__isnull=True) | Q(case__in=scope.cases.values("pk")))
    return Talk.objects.filter(scope.department_q())


def talks(scope: Scope, period: Period) -> int:
    """约谈 held in the period (1 query)."""
    return talk_rows(scope).filter(period.day_q("held_on")).count()


# --- handling in the period (通报) ----------------------------------------------------------


@dataclass(frozen=True)
class Handling:
    """What was done in the period, whenever the case came in."""

    received: int
    accepted: int
    replied: int


def handling(scope: Scope, period: Period) -> Handling:
    """Received, accepted and replied in the period (2 queries)."""
    case_ids = scope.cases.values("pk")
    row = scope.cases.aggregate(
        received=Count("pk", filter=period.received_q()),
        accepted=Count("pk", filter=period.day_q("accepted_on")),
    )
    replied = (
        Reply.objects.filter(case__in=case_ids, stage=Reply.Stage.REPLY)
        .filter(period.day_q("replied_on"))
        .count()
    )
    return Handling(received=row["received"], accepted=row["accepted"], replied=replied)


# --- whole reports -------------------------------------------------------------------------


@dataclass(frozen=True)
class Report:
    """The quarterly report (季度汇报, A5.2) or the bulletin (通报, A20.2) of one period."""

    period: Period
    today: dt.date
    counts: CaseCounts
    on_time: OnTime
    overdue: list[LateItem]
    important: list[ImportantItem]
    reviews: Reviews
    satisfaction: Satisfaction
    spot_checks: SpotChecks
    talks: int
    handling: Handling
    departments: list[DepartmentRow] = field(default_factory=list)


def period_report(scope: Scope, period: Period, today: dt.date) -> Report:
    """Every figure of a period: a fixed number of queries (about 24)."""
    return Report(
        period=period,
        today=today,
        counts=case_counts(scope, period),
        on_time=on_time(scope, period, today),
        overdue=overdue_items(scope, period, today),
        important=important_items(scope, period),
        reviews=reviews(scope, period),
        satisfaction=satisfaction(scope, period),
        spot_checks=spot_checks(scope, period),
        talks=talks(scope, period),
        handling=handling(scope, period),
        departments=department_rows(scope, period, today),
    )


# --- per department (年度科室考评, A21.1) ----------------------------------------------------


@dataclass
class DepartmentRow:
    department_id: int | None
    name: str
    volume: int = 0
    important: int = 0
    acceptance: Rate = Rate(0, 0)
    reply: Rate = Rate(0, 0)
    overdue_cases: int = 0
    review_requested: int = 0
    re_review_requested: int = 0
    #: Review and re-review opinions issued in the period that changed or set aside the
    #: department's handling (复查复核改变).
    overturned: int = 0
    spot_checks: SpotChecks = SpotChecks(0, [])
    satisfaction: Satisfaction = Satisfaction(0, None, [])
    talks: int = 0


def department_rows(scope: Scope, period: Period, today: dt.date) -> list[DepartmentRow]:
    """A row per department with every A21.1 figure for the period (8 queries)."""
    if scope.departments is None:
        departments = Department.objects.all()
    else:
        departments = Department.objects.filter(pk__in=scope.departments.values("pk"))
    rows = {
        d.pk: DepartmentRow(d.pk, d.name)
        for d in departments.order_by("sort_order", "name").only("pk", "name")
    }
    used: set[int] = set()

    def row_for(pk) -> DepartmentRow | None:
        if pk is None:
            return None
        used.add(pk)
        return rows.get(pk)

    for r in (
        scope.cases.filter(period.received_q())
        .values("host_department")
        .annotate(n=Count("pk"), imp=Count("pk", filter=important_q()))
        .order_by()
    ):
        if row := row_for(r["host_department"]):
            row.volume, row.important = r["n"], r["imp"]
    for r in (
        staff_deadlines(scope, period, today)
        .values("case__host_department")
        .annotate(**rate_annotations(today))
        .order_by()
    ):
        if row := row_for(r["case__host_department"]):
            figures = on_time_from(r)
            row.acceptance, row.reply = figures.acceptance, figures.reply
            row.overdue_cases = figures.overdue_cases
    for r in (
        Deadline.objects.filter(case__in=scope.cases.values("pk"), rule__in=REVIEW_RULES)
        .filter(period.day_q("start_on"))
        .exclude(status=Deadline.Status.CANCELLED)
        .values("case__host_department")
        .annotate(
            review=Count("pk", filter=Q(rule=RuleKey.REVIEW_OPINION)),
            re_review=Count("pk", filter=Q(rule=RuleKey.RE_REVIEW_OPINION)),
        )
        .order_by()
    ):
        if row := row_for(r["case__host_department"]):
            row.review_requested, row.re_review_requested = r["review"], r["re_review"]
    for r in (
        Reply.objects.filter(case__in=scope.cases.values("pk"))
        .filter(period.day_q("replied_on"), overturned_q())
        .values("case__host_department")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        if row := row_for(r["case__host_department"]):
            row.overturned = r["n"]
    for r in (
        spot_check_rows(scope)
        .filter(period.day_q("checked_on"))
        .values("department")
        .annotate(**_finding_annotations())
        .order_by()
    ):
        if row := row_for(r["department"]):
            row.spot_checks = _spot_checks_from(r)
    for r in (
        Feedback.objects.filter(case__in=scope.cases.values("pk"))
        .filter(period.time_q("created_at"))
        .values("case__host_department")
        .annotate(**_rating_annotations())
        .order_by()
    ):
        if row := row_for(r["case__host_department"]):
            row.satisfaction = _satisfaction_from(r)
    for r in (
        talk_rows(scope)
        .filter(period.day_q("held_on"))
        .values("department")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        if row := row_for(r["department"]):
            row.talks = r["n"]
    # Inactive departments with nothing to show stay out; those with figures stay in.
    active = set(departments.filter(active=True).values_list("pk", flat=True))
    return [row for pk, row in rows.items() if pk in active or pk in used]
