"""TODO docstring."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from petitions.cases.models import Case


class Alert(models.Model):
    """A notice to a member of staff: a reminder, an overdue case, an important case.

    `key` names the event (e.g. "reminder:deadline:42"); the unique constraint on
    (recipient, key) makes every alert happen at most once, whatever the worker retries.
    """

    class Kind(models.TextChoices):
        REMINDER = "reminder", _("到期提醒")
        OVERDUE = "overdue", _("逾期督办")
        IMPORTANT = "important", _("重要信访案件")
        SEVERE = "severe", _("情节严重")
        SOCIAL_IMPACT = "social_impact", _("可能造成重大社会影响")
        MESSAGE_FAILED = "message_failed", _("通知信访人失败")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="petition_alerts"
    )
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="alerts")
    kind = models.CharField(_("类别"), max_length=20, choices=Kind.choices)
    key = models.CharField(max_length=100)
    message = models.TextField(_("内容"))
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("邮件发送时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("工作提醒")
        verbose_name_plural = _("工作提醒")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["recipient", "key"], name="one_alert_per_event")
        ]
        indexes = [models.Index(fields=["recipient", "read_at"], name="alert_unread")]

    def __str__(self) -> str:
        return self.message
