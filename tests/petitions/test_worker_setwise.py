"""The worker's set-wise steps (issue 14) do what the single steps do, in fewer statements.

A set-wise closing must leave each case exactly as `perform_transition(case, "close", system=True)`
leaves it: state, due date, lapsed windows, the petitioner's message, and the audit entry its
timeline shows. Each comparison runs both on the same cases, the single one rolled back.
"""

import datetime as dt

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from factories import UserFactory, detachment_user, issue_reply
from freezegun import freeze_time
from test_worker import _replied, dispatched_case
from wagtail.models import ModelLogEntry

from petitions.cases.selectors import timeline_of
from petitions.cases.transitions import close_set_wise, perform_transition
from petitions.models import Alert, Case, Deadline, Petitioner, Supervision
from petitions.worker.closing import close_expired
from petitions.worker.reminders import send_reminders, supervise_overdue
from rules.states import State
from rules.transitions import TransitionRefused
from snippets.models import BureauLeadership

pytestmark = pytest.mark.django_db

COMMENT = "信访人收到答复后30日内未提出异议（期满日 2026-04-09），视为办结（第二十条），系统办结。"


def _snapshot(cases: list[Case]) -> list:
    """Everything closing touches, per case, without database ids."""
    result = []
    for case in cases:
        case = Case.objects.get(pk=case.pk)
        entries = ModelLogEntry.objects.filter(object_id=str(case.pk)).order_by("timestamp", "id")
        result.append(
            {
                "case": (case.state, case.next_due_on, case.next_due_label, case.updated_at),
                "deadlines": sorted(case.deadlines.values_list("rule", "status", "met_at")),
                "supervisions": sorted(
                    case.supervisions.values_list("deadline__rule", "resolved_at")
                ),
                "messages": list(
                    case.messages.order_by("id").values_list(
                        "event", "to", "body", "status", "redact", "next_attempt_at"
                    )
                ),
                "log": [
                    (
                        e.content_type_id,
                        e.label,
                        e.action,
                        e.data,
                        e.user_id,
                        e.uuid,
                        e.timestamp,
                        e.content_changed,
                        e.deleted,
                    )
                    for e in entries
                ],
                "timeline": [
                    (e.title, e.actor, e.details, e.state_change) for e in timeline_of(case)
                ],
            }
        )
    return result


def _one_at_a_time(cases: list[Case], today: dt.date) -> list[int]:
    closed = []
    for case in cases:
        try:
            perform_transition(case, "close", system=True, data={"comment": COMMENT}, today=today)
        except TransitionRefused:
            continue
        closed.append(case.pk)
    return closed


def _cases() -> list[Case]:
    two_phones = _replied(dt.date(2026, 3, 10))  # window to 2026-04-09
    Petitioner.objects.create(case=two_phones, name="李四", phone="13900001111")
    plain = _replied(dt.date(2026, 3, 10))
    not_yet = _replied(dt.date(2026, 3, 20))  # window to 2026-04-19
    return [two_phones, plain, not_yet]


def test_a20_1_a_set_wise_closing_writes_what_the_single_closing_writes():
    cases = _cases()
    today = dt.date(2026, 4, 10)
    with freeze_time("2026-04-10 08:00:00+08:00"):
        with transaction.atomic():
            single = _one_at_a_time(cases, today)
            expected = _snapshot(cases)
            transaction.set_rollback(True)
        assert _snapshot(cases) != expected  # rolled back: nothing closed yet
        closed, refused = close_set_wise({c.pk: COMMENT for c in cases}, today=today)
        got = _snapshot(cases)
    assert closed == single == [cases[0].pk, cases[1].pk]
    assert refused == [cases[2].pk]
    assert got == expected
    # What the comparison covers: the closing, its entry in the timeline, both messages.
    first = got[0]
    assert first["case"][0] == State.CLOSED
    assert first["log"][-1][2] == "petitions.close" and first["log"][-1][3]["system"] is True
    assert first["timeline"][-1][0] == "办结"
    assert {m[1] for m in first["messages"] if m[0] == "close"} == {"13812340000", "13900001111"}
    assert got[2]["case"][0] == State.REPLIED


def test_a20_1_closing_a_batch_costs_the_same_statements_for_two_cases_as_for_four(settings):
    settings.PETITIONS_SWEEP_BATCH = 100
    small = [_replied(dt.date(2026, 3, 10)) for _ in range(2)]

    def statements(today: str) -> int:
        with freeze_time(f"{today} 08:00:00+08:00"), CaptureQueriesContext(connection) as ctx:
            assert close_expired(dt.date.fromisoformat(today)) > 0
        return len(ctx.captured_queries)

    two = statements("2026-04-10")
    for _ in range(4):
        _replied(dt.date(2026, 3, 11))
    four = statements("2026-04-11")
    assert four == two, (two, four)
    assert all(Case.objects.get(pk=c.pk).state == State.CLOSED for c in small)


def test_a20_1_a_review_replied_case_closes_set_wise_with_its_re_review_window():
    user = detachment_user()
    case = _replied(dt.date(2026, 3, 10))
    with freeze_time("2026-03-20 10:00:00+08:00"):
        case = perform_transition(
            case,
            "request_review",
            user=user,
            data={"requested_on": dt.date(2026, 3, 20), "request": "复查"},
        )
        case = issue_reply(
            case,
            "reply_review",
            user,
            replied_on=dt.date(2026, 3, 20),
            received_on=dt.date(2026, 3, 20),
        )
    comment = {case.pk: COMMENT}
    with freeze_time("2026-04-19 08:00:00+08:00"):
        assert close_set_wise(comment, today=dt.date(2026, 4, 19)) == ([], [case.pk])
    with freeze_time("2026-04-20 08:00:00+08:00"):
        assert close_set_wise(comment, today=dt.date(2026, 4, 20)) == ([case.pk], [])
    assert Case.objects.get(pk=case.pk).state == State.CLOSED


def test_a18_1_reminding_and_supervising_a_batch_cost_the_same_statements_for_two_as_for_four(
    settings,
):
    settings.PETITIONS_SWEEP_BATCH = 100
    BureauLeadership.load()  # the settings row, created on first use, exists as deployed
    heads = iter(UserFactory(username=f"kezhang-batch{i}") for i in range(6))
    with freeze_time("2026-03-02 10:00:00+08:00"):
        early = [dispatched_case(dt.date(2026, 3, 2), head=next(heads)) for _ in range(2)]
    with freeze_time("2026-03-09 10:00:00+08:00"):
        later = [dispatched_case(dt.date(2026, 3, 9), head=next(heads)) for _ in range(4)]

    def reply_deadline(case: Case) -> Deadline:
        return case.deadlines.get(rule="reply")

    def statements(step, day: dt.date) -> tuple[int, int]:
        with (
            freeze_time(f"{day.isoformat()} 08:00:00+08:00"),
            CaptureQueriesContext(connection) as ctx,
        ):
            done = step(day)
        return len(ctx.captured_queries), done

    remind_two = statements(send_reminders, reply_deadline(early[0]).remind_on)
    remind_four = statements(send_reminders, reply_deadline(later[0]).remind_on)
    overdue = dt.timedelta(days=1)
    supervise_two = statements(supervise_overdue, reply_deadline(early[0]).due_on + overdue)
    supervise_four = statements(supervise_overdue, reply_deadline(later[0]).due_on + overdue)
    # One alert each, to the host department's head (read with the batch, not case by case).
    assert (remind_two[1], remind_four[1]) == (2, 4)
    assert (supervise_two[1], supervise_four[1]) == (2, 4)
    assert remind_two[0] == remind_four[0], (remind_two, remind_four)
    assert supervise_two[0] == supervise_four[0], (supervise_two, supervise_four)
    # Each supervision is in its case's timeline, by the system.
    for case in early + later:
        entries = timeline_of(case)
        assert [e.action for e in entries].count("petitions.supervise") == 1
        assert Supervision.objects.filter(case=case).count() == 1
        assert Alert.objects.filter(case=case, kind=Alert.Kind.REMINDER).count() == 1


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's planner, without statistics")
def test_a18_1_an_idle_sweep_finds_reminders_from_the_index_of_deadlines_still_to_remind():
    """SQLite has no statistics (nothing runs ANALYZE), so among indexes that fit it takes the
    one with more matching columns: the reminders' query must get the partial index of
    deadlines still to remind, not an index of every open deadline (an idle sweep at 1,000,000
    cases read all 112,000 open deadlines that way: docs/benchmarks.md, "Sweep")."""
    from petitions.worker.reminders import deadlines_to_remind

    query = deadlines_to_remind(dt.date(2026, 12, 1)).order_by("remind_on", "id")[:500]
    sql, params = query.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        plan = " ".join(str(row[-1]) for row in cursor.fetchall())
    assert "USING INDEX deadline_to_remind_by_status" in plan, plan
    assert "TEMP B-TREE" not in plan, plan
