"""The parts of the rules that administrators edit without code (Wagtail snippets)."""

import datetime as dt

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseGenericSetting, register_setting
from wagtail.models import RevisionMixin

from rules.deadlines import DEFAULT_RULES, Unit
from rules.kinds import Kind
from snippets.forms import (
    BureauLeadershipForm,
    BureauProfileForm,
    BureauRulesForm,
    DepartmentForm,
    HolidayNoticeForm,
    OwnershipPlanForm,
    ResponsibilityRuleForm,
)
from snippets.panels import NumberFormatPanel, PlaceholderListPanel
from snippets.templating import unknown_placeholders


def starter_bureau_name() -> str:
    """A fresh install's bureau name: PETITIONS_BUREAU_NAME (the README's starter values)."""
    return settings.PETITIONS_BUREAU_NAME


def starter_bureau_name_en() -> str:
    return settings.PETITIONS_BUREAU_NAME_EN


def starter_bureau_short_name() -> str:
    return settings.PETITIONS_BUREAU_SHORT_NAME


def starter_number_prefix() -> str:
    return settings.PETITIONS_NUMBER_PREFIX


def starter_bureau_phone() -> str:
    return settings.PETITIONS_BUREAU_PHONE


def starter_move_natural_due_off_holidays() -> bool:
    return settings.PETITIONS_MOVE_NATURAL_DUE_OFF_HOLIDAYS


#: A prefix is two to twelve capital letters or digits, beginning with a letter: it stands before
#: "-<year>-<serial>" and must not itself contain the hyphen that separates them.
NUMBER_PREFIX_VALIDATOR = RegexValidator(
    r"^[A-Z][A-Z0-9]{1,11}$",
    _("编号前缀须为2至12个大写英文字母或数字，以字母开头，例如 YZXF。"),
)


@register_setting(icon="home", order=10)
class BureauProfile(BaseGenericSetting):
    """本局信息: the bureau's identity on every page, receipt, notice, letter and message.

    One row for the whole installation; read through `snippets.bureau.bureau_profile()`, which
    caches it, never per use.
    """

    name = models.CharField(
        _("本局全称"),
        max_length=100,
        default=starter_bureau_name,
        help_text=_(
            "例如：重庆市渝中区生态环境局。页面标题、回执、告知书的落款和短信的{局名称}用它。"
        ),
    )
    name_en = models.CharField(
        _("英文名称"),
        max_length=200,
        blank=True,
        default=starter_bureau_name_en,
        help_text=_("英文网站上显示；留空则英文网站也显示中文全称。"),
    )
    short_name = models.CharField(
        _("简称"),
        max_length=50,
        blank=True,
        default=starter_bureau_short_name,
        help_text=_("例如：渝中区生态环境局。短信的{局简称}用它；留空则用全称。"),
    )
    number_prefix = models.CharField(
        _("案件编号前缀"),
        max_length=12,
        default=starter_number_prefix,
        validators=[NUMBER_PREFIX_VALIDATOR],
        help_text=_(
            "案件编号为“前缀-年份-六位序号”。修改后只用于新编号，已编的编号不变；"
            "序号按年连续计数、不因前缀改变而重新开始，所以任何编号都不会重复。"
        ),
    )
    phone = models.CharField(
        _("信访电话"),
        max_length=50,
        blank=True,
        default=starter_bureau_phone,
        help_text=_("向公众公布的信访电话。"),
    )
    address = models.CharField(
        _("来访地址"), max_length=200, blank=True, help_text=_("接待群众来访的地址。")
    )
    office_hours = models.CharField(
        _("接待时间"),
        max_length=200,
        blank=True,
        help_text=_("例如：工作日 9:00–12:00，14:00–17:30。"),
    )
    letter_signature = models.CharField(
        _("文书落款"),
        max_length=200,
        blank=True,
        help_text=_("告知书、答复意见书等文书末尾的落款；留空则用本局全称。"),
    )
    regulation_title = models.CharField(
        _("本局信访工作管理办法名称"),
        max_length=200,
        blank=True,
        help_text=_(
            "例如：《重庆市渝中区生态环境局环境信访工作管理办法》。文书的{管理办法}用它；"
            "留空则为“《本局全称环境信访工作管理办法》”。"
        ),
    )

    panels = [
        MultiFieldPanel(
            [FieldPanel("name"), FieldPanel("name_en"), FieldPanel("short_name")],
            heading=_("名称"),
        ),
        MultiFieldPanel([FieldPanel("number_prefix"), NumberFormatPanel()], heading=_("案件编号")),
        MultiFieldPanel(
            [FieldPanel("phone"), FieldPanel("address"), FieldPanel("office_hours")],
            heading=_("联系方式（在公众网站和回执上显示）"),
        ),
        FieldPanel("letter_signature"),
        FieldPanel("regulation_title"),
    ]
    base_form_class = BureauProfileForm

    class Meta:
        verbose_name = _("本局信息")
        verbose_name_plural = _("本局信息")

    def __str__(self) -> str:
        return self.name


@register_setting(icon="time", order=20)
class BureauRules(BaseGenericSetting):
    """本局办理选项: what the regulation leaves to the bureau, each with its basis.

    A change is in force for deadlines opened after it; the form offers to recompute the open
    ones. Every change is in the audit log (snippets.bureau_rules_changed).
    """

    move_natural_due_off_holidays = models.BooleanField(
        _("自然日期限届满日遇节假日顺延至下一个工作日"),
        default=starter_move_natural_due_off_holidays,
        help_text=_(
            "依据：第二十六条“本办法所指的‘日’未特别说明的，均为自然日”，办法未规定届满日遇节假日"
            "是否顺延，由本局决定。不勾选：期限在哪天届满就是哪天。"
        ),
    )
    duplicate_lookback_days = models.PositiveIntegerField(
        _("查找重复信访事项的回溯天数"),
        default=365,
        validators=[MinValueValidator(1), MaxValueValidator(3650)],
        help_text=_(
            "依据：第十四条“已经受理或者正在办理，信访人在规定期限内提出同一信访事项的，不予受理”、"
            "第十九条第三款。登记时在这么多天内收到的信访事项中查找可能重复的。"
        ),
    )
    reminder_working_days = models.PositiveSmallIntegerField(
        _("催办提醒提前的工作日数"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(10)],
        help_text=_(
            "依据：第十八条“在信访事项办理期限到期前3个工作日，发出催办提醒”。"
            "台账和看板的“即将到期”也按这个天数计算。"
        ),
    )

    panels = [
        FieldPanel("move_natural_due_off_holidays"),
        FieldPanel("reminder_working_days"),
        FieldPanel("duplicate_lookback_days"),
        FieldPanel("recompute_open_deadlines"),
    ]
    base_form_class = BureauRulesForm

    class Meta:
        verbose_name = _("本局办理选项")
        verbose_name_plural = _("本局办理选项")

    def __str__(self) -> str:
        return str(self._meta.verbose_name)


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

    #: 班子成员 (第七条): each receives visitors at least once a month (A7.1); the duty roster's
    #: day leader (值班领导) is one of them.
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("班子成员"),
        blank=True,
        related_name="+",
        help_text=_("局领导班子成员：每人每月接待来访群众不少于1次（第七条），值班领导从中安排。"),
    )

    panels = [FieldPanel("bureau_head"), FieldPanel("petition_leader"), FieldPanel("members")]
    base_form_class = BureauLeadershipForm

    class Meta:
        verbose_name = _("局领导")


class Department(RevisionMixin, models.Model):
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
    staff = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("科室人员"),
        blank=True,
        related_name="petition_departments",
        help_text=_("科室人员可以查看和办理本科室承办或协办的案件。"),
    )
    active = models.BooleanField(_("启用"), default=True)
    sort_order = models.PositiveIntegerField(_("排序"), default=0)

    panels = [
        FieldPanel("name"),
        FieldPanel("code"),
        FieldPanel("head"),
        FieldPanel("supervising_leader"),
        FieldPanel("staff"),
        FieldPanel("active"),
        FieldPanel("sort_order"),
    ]
    base_form_class = DepartmentForm

    class Meta:
        verbose_name = _("科室")
        verbose_name_plural = _("科室")
        ordering = ["sort_order", "name"]

    def __str__(self) -> str:
        return self.name


class Category(RevisionMixin, models.Model):
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


class Channel(RevisionMixin, ClusterableModel):
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
        InlinePanel(
            "import_columns",
            label=_("导入表格的列对应"),
            help_text=_("上级交办件表格的列标题与案件字段的对应；导入“上级交办件”时使用。"),
        ),
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


class ChannelImportColumn(models.Model):
    """Which column of a channel's spreadsheet holds which field of a case (列对应, X.3).

    Each superior channel exports its tickets with its own headers (12345 writes 工单编号,
    互联网+督查 线索编号 …); administrators keep the mapping here, not in code.
    """

    class Field(models.TextChoices):
        SOURCE_TICKET_NUMBER = "source_ticket_number", _("来源工单号")
        RECEIVED_AT = "received_at", _("收到时间")
        PLACE = "place", _("问题发生地点")
        REPORTED_PARTY = "reported_party", _("被反映对象")
        DESCRIPTION = "description", _("反映内容")
        DEMANDS = "demands", _("诉求")
        PETITIONER_NAME = "petitioner_name", _("信访人姓名")
        PETITIONER_PHONE = "petitioner_phone", _("联系电话")
        PETITIONER_ADDRESS = "petitioner_address", _("信访人住址")
        SOURCE_DEADLINE = "source_deadline", _("来源渠道办理期限")
        CATEGORY = "category", _("问题类别")
        KIND = "kind", _("信访类型")

    channel = ParentalKey(Channel, on_delete=models.CASCADE, related_name="import_columns")
    field = models.CharField(_("案件字段"), max_length=30, choices=Field.choices)
    column_header = models.CharField(
        _("表格列标题"),
        max_length=100,
        help_text=_("与表格标题行中该列的文字一致（标题行须在前10行内）。"),
    )

    panels = [FieldPanel("field"), FieldPanel("column_header")]

    class Meta:
        verbose_name = _("导入列对应")
        verbose_name_plural = _("导入列对应")
        constraints = [
            models.UniqueConstraint(fields=["channel", "field"], name="unique_channel_import_field")
        ]

    def __str__(self) -> str:
        return f"{self.column_header} → {self.get_field_display()}"


class HolidayNotice(RevisionMixin, ClusterableModel):
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
        # Not a field of the notice: the form's (HolidayNoticeForm), asked only when needed.
        FieldPanel("confirm_missing_holidays"),
    ]
    base_form_class = HolidayNoticeForm

    class Meta:
        verbose_name = _("年度节假日安排")
        verbose_name_plural = _("年度节假日安排")
        ordering = ["-year"]

    def __str__(self) -> str:
        return f"{self.year} {self.source}"


class HolidayNoticeDay(models.Model):
    notice = ParentalKey(HolidayNotice, on_delete=models.CASCADE, related_name="days")
    date = models.DateField(_("日期"))
    #: A holiday of several days is one row, as the notice writes it (2月6日至12日放假).
    end_date = models.DateField(
        _("至（含）"),
        null=True,
        blank=True,
        help_text=_("连续几天的假期写成一行：填最后一天；只有一天的不填。"),
    )
    is_working_day = models.BooleanField(_("调休上班"), default=False)
    name = models.CharField(_("名称"), max_length=50, help_text=_("例如：春节、调休上班"))

    panels = [
        FieldPanel("date"),
        FieldPanel("end_date"),
        FieldPanel("is_working_day"),
        FieldPanel("name"),
    ]

    class Meta:
        verbose_name = _("节假日")
        verbose_name_plural = _("节假日")
        ordering = ["date"]
        constraints = [models.UniqueConstraint(fields=["notice", "date"], name="unique_notice_day")]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"

    def dates(self) -> list[dt.date]:
        """Every day of the row: the one date, or each day from the first to the last."""
        last = self.end_date or self.date
        return [self.date + dt.timedelta(days=n) for n in range((last - self.date).days + 1)]

    def clean(self) -> None:
        if self.notice_id and self.date and self.date.year != self.notice.year:
            raise ValidationError({"date": _("日期不在该通知的年份内。")})
        if self.date and self.end_date:
            if self.end_date < self.date:
                raise ValidationError({"end_date": _("结束日期不能早于开始日期。")})
            if self.end_date.year != self.date.year:
                raise ValidationError({"end_date": _("一行不能跨年：跨年的假期请按年份分别录入。")})


class CalendarCorrection(RevisionMixin, models.Model):
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


class ResponsibilityRule(RevisionMixin, models.Model):
    """One row of the 科室及下属事业单位信访职责分工方案: which department leads on what (A16.1).

    At dispatch the rule that matches the case best proposes its department; the person
    dispatching may follow it or record a leader's instruction instead.
    """

    kind = models.CharField(_("信访类型"), max_length=30, choices=Kind.choices, blank=True)
    category = models.ForeignKey(
        Category, verbose_name=_("问题类别"), null=True, blank=True, on_delete=models.PROTECT
    )
    keywords = models.CharField(
        _("关键词"),
        max_length=300,
        blank=True,
        help_text=_("用空格或逗号分隔；反映内容包含任一关键词即匹配。"),
    )
    department = models.ForeignKey(Department, verbose_name=_("牵头科室"), on_delete=models.PROTECT)
    note = models.CharField(_("说明"), max_length=300, blank=True)
    sort_order = models.PositiveIntegerField(_("排序"), default=0)

    # Short lists: plain selects rather than snippet choosers.
    panels = [
        FieldPanel("kind"),
        FieldPanel("category", widget=forms.Select),
        FieldPanel("keywords"),
        FieldPanel("department", widget=forms.Select),
        FieldPanel("note"),
        FieldPanel("sort_order"),
    ]
    base_form_class = ResponsibilityRuleForm

    class Meta:
        verbose_name = _("信访职责分工")
        verbose_name_plural = _("信访职责分工方案")
        ordering = ["sort_order", "id"]

    def __str__(self) -> str:
        parts = [
            self.get_kind_display() if self.kind else "",
            str(self.category or ""),
            self.keywords,
        ]
        return f"{' / '.join(p for p in parts if p) or _('（任何事项）')} → {self.department}"

    def keyword_list(self) -> list[str]:
        return [k for k in self.keywords.replace("，", ",").replace(",", " ").split() if k]


class ReferralGuideEntry(RevisionMixin, models.Model):
    """环境污染投诉受理指南: matters outside the bureau's remit and where they go (A14.4)."""

    matter = models.CharField(_("事项"), max_length=200)
    keywords = models.CharField(_("关键词"), max_length=300, blank=True)
    agency = models.CharField(_("有权处理的机关"), max_length=200)
    contact = models.CharField(_("联系方式"), max_length=200, blank=True)
    legal_basis = models.TextField(_("法律依据"), blank=True)
    how_to_complain = models.TextField(_("反映途径"), blank=True)
    remedy = models.TextField(_("不服处理的救济途径"), blank=True)
    confirmed = models.BooleanField(
        _("已经本局确认"), default=False, help_text=_("入门数据来自公开资料，须经本局确认。")
    )
    sort_order = models.PositiveIntegerField(_("排序"), default=0)

    panels = [
        FieldPanel("matter"),
        FieldPanel("keywords"),
        FieldPanel("agency"),
        FieldPanel("contact"),
        FieldPanel("legal_basis"),
        FieldPanel("how_to_complain"),
        FieldPanel("remedy"),
        FieldPanel("confirmed"),
        FieldPanel("sort_order"),
    ]

    class Meta:
        verbose_name = _("受理指南条目")
        verbose_name_plural = _("环境污染投诉受理指南")
        ordering = ["sort_order", "id"]

    def __str__(self) -> str:
        return f"{self.matter} → {self.agency}"


class MessageTemplate(RevisionMixin, models.Model):
    """The text of a notice, letter or message, with placeholders from a fixed list.

    Placeholders are written {案件编号}; nothing else in the text is interpreted, so no template
    code ever runs (see snippets.templating).
    """

    class Key(models.TextChoices):
        ACCEPTANCE = "acceptance", _("受理告知书")
        NON_ACCEPTANCE = "non_acceptance", _("不予受理告知书")
        REFERRAL = "referral", _("引导告知书（不属本局职权）")
        OBJECTION = "objection", _("异议函")
        REPLY_LETTER = "reply_letter", _("答复意见书")
        REPLY_DRAFT = "reply_draft", _("答复稿（起草时的初稿）")
        SMS_FILED_ONLINE = "sms_filed_online", _("短信：网上信访已收到（含查询码）")
        SMS_QUERY_CODE = "sms_query_code", _("短信：查询码（工作人员签发）")
        SMS_ACCEPT = "sms_accept", _("短信：已受理")
        SMS_DECLINE = "sms_decline", _("短信：不予受理")
        SMS_REFER = "sms_refer", _("短信：已引导")
        SMS_REPLY = "sms_reply", _("短信：已答复")
        SMS_REPLY_REVIEW = "sms_reply_review", _("短信：复查已答复")
        SMS_REPLY_RE_REVIEW = "sms_reply_re_review", _("短信：复核已答复")
        SMS_CLOSE = "sms_close", _("短信：已办结")
        SMS_REQUEST_REVIEW = "sms_request_review", _("短信：已收到复查请求")
        SMS_REQUEST_RE_REVIEW = "sms_request_re_review", _("短信：已收到复核请求")
        DISTRICT_RECEPTION_REPORT = (
            "district_reception_report",
            _("区领导公开接访办理情况报告（正式文件）"),
        )

    key = models.CharField(_("用途"), max_length=30, choices=Key.choices, unique=True)
    title = models.CharField(_("标题"), max_length=100)
    body = models.TextField(
        _("正文"),
        help_text=_("可用占位符见下方列表，写作 {案件编号}；其余文字原样输出。"),
    )

    panels = [
        FieldPanel("key"),
        FieldPanel("title"),
        FieldPanel("body"),
        PlaceholderListPanel(heading=_("可用占位符")),
    ]

    class Meta:
        verbose_name = _("文书和通知模板")
        verbose_name_plural = _("文书和通知模板")
        ordering = ["key"]

    def __str__(self) -> str:
        return self.get_key_display()

    def clean(self) -> None:

        if unknown := unknown_placeholders(self.body):
            raise ValidationError(
                {"body": _("没有这些占位符：%(names)s。") % {"names": "、".join(unknown)}}
            )


class OwnershipPlan(RevisionMixin, ClusterableModel):
    """领导包案方案 (第八条): drawn up by the detachment at the start of the year; in force once
    the Party group meeting approves it (A8.1)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("草拟")
        IN_FORCE = "in_force", _("党组会审议通过，实施中")

    year = models.PositiveIntegerField(_("年度"))
    title = models.CharField(_("名称"), max_length=200)
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default="draft")
    meeting_date = models.DateField(_("党组会日期"), null=True, blank=True)
    minutes_number = models.CharField(_("会议纪要号"), max_length=100, blank=True)

    panels = [
        FieldPanel("year"),
        FieldPanel("title"),
        MultiFieldPanel(
            [FieldPanel("status"), FieldPanel("meeting_date"), FieldPanel("minutes_number")],
            heading=_("审议"),
        ),
        InlinePanel("items", label=_("包案案件")),
    ]
    base_form_class = OwnershipPlanForm

    class Meta:
        verbose_name = _("领导包案方案")
        verbose_name_plural = _("领导包案方案")
        ordering = ["-year", "-id"]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        if self.status == self.Status.IN_FORCE and not (self.meeting_date and self.minutes_number):
            raise ValidationError(
                _("方案须经党组会审议通过后才能实施：请填写党组会日期和会议纪要号（第八条）。")
            )


class OwnershipPlanItem(models.Model):
    class Reason(models.TextChoices):
        SUPERIOR_IMPORTANT = "superior_important", _("上级交办的重要信访事项")
        BACKLOG = "backlog", _("信访积案")
        WIDE_IMPACT = "wide_impact", _("牵涉面广或政策性强")
        MASS_INCIDENT = "mass_incident", _("可能引发突发性或群体性事件")

    plan = ParentalKey(OwnershipPlan, on_delete=models.CASCADE, related_name="items")
    case = models.ForeignKey(
        "petitions.Case",
        verbose_name=_("案件"),
        on_delete=models.PROTECT,
        related_name="ownership_items",
    )
    reason = models.CharField(_("列入理由"), max_length=30, choices=Reason.choices)
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("包案领导"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    department = models.ForeignKey(
        Department, verbose_name=_("责任科室"), on_delete=models.PROTECT, related_name="+"
    )

    panels = [
        FieldPanel("case"),
        FieldPanel("reason"),
        FieldPanel("leader"),
        FieldPanel("department", widget=forms.Select),
    ]

    class Meta:
        verbose_name = _("包案案件")
        verbose_name_plural = _("包案案件")

    def __str__(self) -> str:
        return f"{self.case} {self.leader}"
