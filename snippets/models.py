"""The parts of the rules that administrators edit without code (Wagtail snippets)."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseGenericSetting, register_setting

from rules.deadlines import DEFAULT_RULES, Unit


@register_setting(icon="group")
class BureauLeadership(BaseGenericSetting):
    """The bureau's leaders who are told of important cases (第四条、第十条)."""

    bureau_head = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("主要负责人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    petition_leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("分管信访工作的领导"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    panels = [FieldPanel("bureau_head"), FieldPanel("petition_leader")]

    class Meta:
        verbose_name = _("局领导")


class Department(models.Model):
    """A department (科室) or subordinate unit that hosts cases."""

    name = models.CharField(_("名称"), max_length=100, unique=True)
    code = models.SlugField(_("代码"), max_length=40, unique=True)
    head = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("科室负责人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="headed_departments",
    )
    supervising_leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("分管领导"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="supervised_departments",
    )
    active = models.BooleanField(_("启用"), default=True)
    sort_order = models.PositiveIntegerField(_("排序"), default=0)

    panels = [
        FieldPanel("name"),
        FieldPanel("code"),
        FieldPanel("head"),
        FieldPanel("supervising_leader"),
        FieldPanel("active"),
        FieldPanel("sort_order"),
    ]

    class Meta:
        verbose_name = _("科室")
        verbose_name_plural = _("科室")
        ordering = ["sort_order", "name"]

    def __str__(self) -> str:
        return self.name


class Category(models.Model):
    """A category of the matter (大气, 水, 噪声 …); a case may have several."""

    name = models.CharField(_("名称"), max_length=50, unique=True)
    code = models.SlugField(_("代码"), max_length=40, unique=True)
    sort_order = models.PositiveIntegerField(_("排序"), default=0)

    panels = [FieldPanel("name"), FieldPanel("code"), FieldPanel("sort_order")]

    class Meta:
        verbose_name = _("问题类别")
        verbose_name_plural = _("问题类别")
        ordering = ["sort_order", "name"]

    def __str__(self) -> str:
        return self.name


class Channel(ClusterableModel):
    """A channel through which petitions arrive (A14.1), with its own time limits."""

    class Source(models.TextChoices):
        DIRECT = "direct", _("信访人直接提出")
        SUPERIOR = "superior", _("上级交办")
        TRANSFERRED = "transferred", _("其他信访部门转办")
        LEADER_RECEPTION = "leader_reception", _("区领导接访")

    name = models.CharField(_("名称"), max_length=100, unique=True)
    code = models.SlugField(_("代码"), max_length=40, unique=True)
    source = models.CharField(_("来源类型"), max_length=20, choices=Source.choices)
    active = models.BooleanField(_("启用"), default=True)
    sort_order = models.PositiveIntegerField(_("排序"), default=0)
    notes = models.TextField(_("说明"), blank=True)

    panels = [
        FieldPanel("name"),
        FieldPanel("code"),
        FieldPanel("source"),
        FieldPanel("active"),
        FieldPanel("sort_order"),
        FieldPanel("notes"),
        InlinePanel("deadline_overrides", label=_("本渠道的办理时限")),
    ]

    class Meta:
        verbose_name = _("信访渠道")
        verbose_name_plural = _("信访渠道")
        ordering = ["sort_order", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_superior_assigned(self) -> bool:
        """上级交办、转办: the 5-working-day limits of 第十五条第二款 apply."""
        return self.source in {self.Source.SUPERIOR, self.Source.TRANSFERRED}

    def rule_overrides(self) -> dict[str, tuple[int, str]]:
        return {o.rule: (o.length, o.unit) for o in self.deadline_overrides.all()}


class ChannelDeadline(models.Model):
    """A time limit a channel sets for itself (第十七条第三款: 来源渠道另有规定的，从其规定)."""

    channel = ParentalKey(Channel, on_delete=models.CASCADE, related_name="deadline_overrides")
    rule = models.CharField(
        _("时限"),
        max_length=40,
        choices=[(key, rule.label) for key, rule in DEFAULT_RULES.items()],
    )
    length = models.PositiveIntegerField(_("时长"))
    unit = models.CharField(_("单位"), max_length=20, choices=[(u.value, u.label) for u in Unit])

    panels = [FieldPanel("rule"), FieldPanel("length"), FieldPanel("unit")]

    class Meta:
        verbose_name = _("渠道时限")
        verbose_name_plural = _("渠道时限")
        constraints = [
            models.UniqueConstraint(fields=["channel", "rule"], name="unique_channel_rule")
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.rule}"


class HolidayNotice(ClusterableModel):
    """A year's holiday arrangement from the State Council notice (国务院办公厅节假日安排通知).

    Once entered, the year is no longer provisional: its listed days are holidays or adjusted
    working days and every other day follows the weekend rule (A26.1).
    """

    year = models.PositiveIntegerField(_("年份"), unique=True)
    source = models.CharField(_("来源（通知文号或标题）"), max_length=200)
    published_on = models.DateField(_("发布日期"), null=True, blank=True)

    panels = [
        FieldPanel("year"),
        FieldPanel("source"),
        FieldPanel("published_on"),
        InlinePanel("days", label=_("放假和调休上班日")),
    ]

    class Meta:
        verbose_name = _("年度节假日安排")
        verbose_name_plural = _("年度节假日安排")
        ordering = ["-year"]

    def __str__(self) -> str:
        return f"{self.year} {self.source}"


class HolidayNoticeDay(models.Model):
    notice = ParentalKey(HolidayNotice, on_delete=models.CASCADE, related_name="days")
    date = models.DateField(_("日期"))
    is_working_day = models.BooleanField(_("调休上班"), default=False)
    name = models.CharField(_("名称"), max_length=50, help_text=_("例如：春节、调休上班"))

    panels = [FieldPanel("date"), FieldPanel("is_working_day"), FieldPanel("name")]

    class Meta:
        verbose_name = _("节假日")
        verbose_name_plural = _("节假日")
        ordering = ["date"]
        constraints = [models.UniqueConstraint(fields=["notice", "date"], name="unique_notice_day")]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"

    def clean(self) -> None:
        if self.notice_id and self.date and self.date.year != self.notice.year:
            raise ValidationError({"date": _("日期不在该通知的年份内。")})


class CalendarCorrection(models.Model):
    """A single-day correction of the working-day calendar; it takes precedence over all else."""

    date = models.DateField(_("日期"), unique=True)
    is_working_day = models.BooleanField(_("工作日"), default=False)
    name = models.CharField(_("名称"), max_length=50)
    source = models.CharField(_("依据"), max_length=200)

    panels = [
        MultiFieldPanel(
            [FieldPanel("date"), FieldPanel("is_working_day"), FieldPanel("name")],
            heading=_("日期"),
        ),
        FieldPanel("source"),
    ]

    class Meta:
        verbose_name = _("工作日更正")
        verbose_name_plural = _("工作日更正")
        ordering = ["-date"]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"
