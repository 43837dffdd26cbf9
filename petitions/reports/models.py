"""Records the yearly evaluation counts besides the cases: spot checks (with the draws that pick
their cases) and talks."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from petitions.cases.models import Case
from snippets.models import Department


class SpotCheckDraw(models.Model):
    """抽查抽样 (第二十二条, A22.1): a random sample of the cases handled in a period.

    The population is every case of the department (or of all departments) with a reply issued
    in the period, ordered by number; the sample is drawn from it by a generator seeded with
    `seed`. Anyone re-running the draw with the same parameters and seed gets the same cases
    (petitions.reports.spot_checks.rerun); `population_digest` shows whether the population is
    still the one drawn from.
    """

    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("抽查科室"),
        help_text=_("不选为全部科室。"),
    )
    period_start = models.DateField(_("答复日期自"))
    period_end = models.DateField(_("答复日期至"))
    share = models.PositiveSmallIntegerField(_("抽取比例（%）"), null=True, blank=True)
    count = models.PositiveIntegerField(_("抽取件数"), null=True, blank=True)
    seed = models.CharField(_("随机种子"), max_length=40)
    population_size = models.PositiveIntegerField(_("可抽案件数"))
    population_digest = models.CharField(_("可抽案件校验值"), max_length=64)
    cases = models.ManyToManyField(
        Case, related_name="spot_check_draws", verbose_name=_("抽中案件")
    )
    drawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("抽样人"),
    )
    drawn_at = models.DateTimeField(_("抽样时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("抽查抽样")
        verbose_name_plural = _("抽查抽样")
        ordering = ["-drawn_at", "-id"]

    def __str__(self) -> str:
        return f"{self.period_start}—{self.period_end} {self.department or ''}".strip()


class SpotCheck(models.Model):
    """抽查 by the office (第二十二条, A21.1, A22.1): a finding about how a case was handled.

    What was read, the phone follow-up, the finding; then, each step dated: the findings sent
    back to the department, its answer on the record, and a serious finding reported to the
    supervising leader and then to the bureau head.
    """

    class Finding(models.TextChoices):
        COMPLIANT = "compliant", _("符合规定")
        MINOR = "minor", _("存在一般问题")
        SERIOUS = "serious", _("存在严重问题")

    class Reached(models.TextChoices):
        REACHED = "reached", _("已接通")
        UNREACHED = "unreached", _("未接通")

    class Satisfied(models.TextChoices):
        SATISFIED = "satisfied", _("满意")
        DISSATISFIED = "dissatisfied", _("不满意")

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
    draw = models.ForeignKey(
        SpotCheckDraw,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="checks",
        verbose_name=_("抽样"),
    )
    materials_read = models.TextField(
        _("查阅的材料"), blank=True, help_text=_("如登记表、核查记录、答复意见书、送达回证。")
    )
    follow_up_on = models.DateField(_("电话回访日期"), null=True, blank=True)
    follow_up_reached = models.CharField(
        _("回访电话是否接通"), max_length=12, choices=Reached.choices, blank=True
    )
    petitioner_satisfied = models.CharField(
        _("信访人是否满意"), max_length=12, choices=Satisfied.choices, blank=True
    )
    petitioner_said = models.TextField(_("信访人的意见"), blank=True)
    feedback_sent_on = models.DateField(_("反馈科室日期"), null=True, blank=True)
    feedback_sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("反馈人"),
    )
    department_response = models.TextField(_("科室答复"), blank=True)
    responded_on = models.DateField(_("科室答复日期"), null=True, blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("答复人"),
    )
    leader_reported_on = models.DateField(_("报告分管领导日期"), null=True, blank=True)
    leader_reported_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("分管领导"),
    )
    head_reported_on = models.DateField(_("报告主要负责人日期"), null=True, blank=True)
    head_reported_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("主要负责人"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("抽查记录")
        verbose_name_plural = _("抽查记录")
        ordering = ["-checked_on", "-id"]
        indexes = [models.Index(fields=["checked_on"], name="spotcheck_checked_on")]

    def __str__(self) -> str:
        return f"{self.case} {self.get_finding_display()}"

    @property
    def is_serious(self) -> bool:
        return self.finding == self.Finding.SERIOUS

    @property
    def progress(self) -> str:
        """Where the check stands, in words."""
        if self.head_reported_on:
            return str(_("已报告主要负责人"))
        if self.leader_reported_on:
            return str(_("已报告分管领导"))
        if self.responded_on:
            return str(_("科室已答复"))
        if self.feedback_sent_on:
            return str(_("已反馈科室，待答复"))
        return str(_("已抽查，待反馈科室"))


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
