"""What the public website keeps of a filing besides the case: its one-time token and the
hash of its query code."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from petitions.cases.models import Case


class PublicSubmission(models.Model):
    """A filing from the public website, keyed by its one-time form token (X.1, B2).

    The unique token makes a double submit (a double click, a resent POST, two requests at once)
    file one case. The query code is kept only as a hash: it is shown once, on the receipt.
    """

    token = models.CharField(max_length=64, unique=True)
    case = models.OneToOneField(
        Case, on_delete=models.PROTECT, related_name="public_submission", verbose_name=_("案件")
    )
    query_code_hash = models.CharField(_("查询码（散列）"), max_length=200)
    created_at = models.DateTimeField(_("提交时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("网上信访提交")
        verbose_name_plural = _("网上信访提交")

    def __str__(self) -> str:
        return str(self.case)


class QueryCode(models.Model):
    """查询码: the query code staff issue for a case not filed online (by phone, letter, visit,
    12345…), so its petitioner can look it up and ask for a review on the website too.

    Shown once in plain text (on the printed acceptance notice, in the SMS) and kept only as a
    hash. Issuing it again replaces the hash, so the code given before no longer works; every
    issue is in the audit log (petitions.issue_query_code), never the code itself.
    """

    case = models.OneToOneField(
        Case, on_delete=models.PROTECT, related_name="query_code", verbose_name=_("案件")
    )
    code_hash = models.CharField(_("查询码（散列）"), max_length=200)
    issued_at = models.DateTimeField(_("签发时间"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("签发人"),
    )
    times_issued = models.PositiveIntegerField(_("签发次数"), default=1)

    class Meta:
        verbose_name = _("查询码")
        verbose_name_plural = _("查询码")

    def __str__(self) -> str:
        return str(self.case)
