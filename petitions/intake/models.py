"""What the public website keeps of a filing besides the case: its one-time token and the
hash of its query code."""

from __future__ import annotations

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
