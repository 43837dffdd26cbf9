"""Records the yearly evaluation counts besides the cases: spot checks and talks."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from petitions.cases.models import Case
from snippets.models import Department


class SpotCheck(models.Model):
    """抽查 by the office (第二条, A21.1): a finding about how a case was handled."""

    class Finding(models.TextChoices):
        COMPLIANT = "compliant", _("符合规定")
        MINOR = "minor", _("存在一般问题")
        SERIOUS = "serious", _("存在严重问题")

    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, related_name="spot_checks", verbose_name=_("案件")
    )
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="spot_checks",
        verbose_name=_("被抽查科室"),
        help_text=_("默认为案件的承办科室。"),
    )
    checked_on = models.DateField(_("抽查日期"))
    finding = models.CharField(_("抽查结论"), max_length=20, choices=Finding.choices)
    notes = models.TextField(_("发现的问题及整改要求"), blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("抽查人"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("抽查记录")
        verbose_name_plural = _("抽查记录")
        ordering = ["-checked_on", "-id"]
        indexes = [models.Index(fields=["checked_on"], name="spotcheck_checked_on")]

    def __str__(self) -> str:
        return f"{self.case} {self.get_finding_display()}"


class Talk(models.Model):
    """约谈 (第二十一条): a recorded talk with staff about petition work."""

    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="talks",
        verbose_name=_("被约谈人"),
    )
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="talks",
        verbose_name=_("所在科室"),
    )
    case = models.ForeignKey(
        Case,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="talks",
        verbose_name=_("相关案件"),
    )
    held_on = models.DateField(_("约谈日期"))
    reason = models.TextField(_("约谈事由"))
    outcome = models.TextField(_("约谈情况"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("记录人"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("约谈记录")
        verbose_name_plural = _("约谈记录")
        ordering = ["-held_on", "-id"]

    def __str__(self) -> str:
        return f"{self.staff} {self.held_on}"
