"""第二十条: the worker closes a case whose objection window passed without a request."""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.utils.translation import gettext as _

from petitions.cases.models import Case, Deadline
from petitions.cases.transitions import close_set_wise
from rules.deadlines import RuleKey
from rules.states import State

logger = logging.getLogger("petitions.sweep")


def close_expired(today: dt.date) -> int:
    """Close every case whose objection window ended without a request (A20.1), a batch at a
    time, each batch set-wise (petitions.cases.transitions.close_set_wise)."""

    closed = 0
    refused: set[int] = set()  # not closable now: never let them hide the cases behind them
    window_rule = {
        RuleKey.OBJECTION_WINDOW: State.REPLIED,
        RuleKey.RE_REVIEW_REQUEST_WINDOW: State.REVIEW_REPLIED,
    }
    while True:
        ids = list(
            Deadline.objects.filter(
                status=Deadline.Status.OPEN,
                rule__in=list(window_rule),
                due_on__lt=today,
                case__state__in=list(window_rule.values()),
            )
            .exclude(case_id__in=refused)
            .order_by("due_on", "id")
            .values_list("case_id", "due_on")[: settings.PETITIONS_SWEEP_BATCH]
        )
        ids += [
            (pk, None)
            for pk in Case.objects.filter(state=State.RE_REVIEW_REPLIED)
            .exclude(pk__in=refused)
            .values_list("pk", flat=True)[: settings.PETITIONS_SWEEP_BATCH]
        ]
        if not ids:
            return closed
        comments: dict[int, str] = {}
        for case_id, due in ids:
            if case_id in comments:
                continue  # two windows ended: the first one closes it, as one at a time did
            if due is None:
                comments[case_id] = _(
                    "复核意见已答复，信访人不得再以同一事实和理由投诉（第十九条第三款），系统办结。"
                )
            else:
                comments[case_id] = _(
                    "信访人收到答复后30日内未提出异议（期满日 %(due)s），视为办结（第二十条），系统办结。"
                ) % {"due": due.isoformat()}
        # The batch in a fixed number of statements; every id is closed or set aside, so the
        # loop always moves on and ends.
        done, not_closable = close_set_wise(comments, today=today)
        for case_id in not_closable:
            logger.info("case id %s not closed: the closing's rules refuse it today", case_id)
        refused.update(not_closable)
        closed += len(done)
