"""Query codes for petitioners who did not file online (查询码, X.1).

A petitioner by phone, letter, visit or 12345 looks the case up and asks for a review on the
website with the case number and a query code, as one who filed online does. Staff issue the
code: at registration when the petitioner has a phone (it goes by SMS), and when they print the
acceptance notice (受理告知书), which shows it. The plain code exists only in that SMS and on
that page: the database keeps its hash (`petitions.intake.filing.hash_query_code`). Issuing it
again replaces the hash, so a lost code is replaced, never looked up; every issue is in the
audit log, without the code.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from wagtail.log_actions import log

from petitions.cases.models import Case
from petitions.cases.notices import enqueue_petitioner_message
from petitions.intake.filing import WEBSITE_CHANNEL_CODE, hash_query_code, new_query_code
from petitions.intake.models import PublicSubmission, QueryCode

ISSUE_LOG_ACTION = "petitions.issue_query_code"

#: The message that carries a code issued by staff (snippets.default_templates: sms_query_code).
QUERY_CODE_MESSAGE = "query_code"


def may_have_query_code(case: Case) -> bool:
    """A petitioner who can be told a code: the case names one (not an anonymous report)."""
    return not case.anonymous and case.petitioners.exists()


def has_query_code(case: Case) -> bool:
    """Whether a code was ever given for this case (online receipt or issued by staff)."""
    return (
        QueryCode.objects.filter(case=case).exists()
        or PublicSubmission.objects.filter(case=case).exists()
    )


def last_issue(case: Case) -> QueryCode | None:
    return QueryCode.objects.filter(case=case).select_related("issued_by").first()


def issue_query_code(case: Case, *, user=None, send_message: bool = True) -> str:
    """Issue a new query code for the case and return it, in plain text, this once.

    Any code given before (on a receipt, a notice, in an SMS) stops working. With
    `send_message` the petitioner's phone gets the new code by SMS, so the phone never holds a
    code that no longer works.
    """
    code = new_query_code()
    with transaction.atomic():
        record = QueryCode.objects.select_for_update().filter(case=case).first()
        if record is None:
            record = QueryCode(case=case, times_issued=1)
        else:
            record.times_issued += 1
        record.code_hash = hash_query_code(code)
        record.issued_at = timezone.now()
        record.issued_by = user if user is not None and user.is_authenticated else None
        record.save()
        _log_issue(case, user, record.times_issued)
        if send_message:
            # One message per issue: the first is `query_code`, a re-issue `query_code_2`, ….
            event = QUERY_CODE_MESSAGE
            if record.times_issued > 1:
                event = f"{QUERY_CODE_MESSAGE}_{record.times_issued}"
            enqueue_petitioner_message(case, event, query_code=code, template=QUERY_CODE_MESSAGE)
    return code


def issue_on_registration(case: Case, *, user=None) -> str | None:
    """Staff registered a petition (not one filed online): a petitioner with a phone gets a code
    by SMS at once. Without a phone the code is given on the printed acceptance notice."""
    if case.channel.code == WEBSITE_CHANNEL_CODE or not may_have_query_code(case):
        return None
    if not case.petitioners.exclude(phone="").exists():
        return None
    return issue_query_code(case, user=user)


def _log_issue(case: Case, user, times: int) -> None:
    log(instance=case, action=ISSUE_LOG_ACTION, user=user, data={"times": times})
