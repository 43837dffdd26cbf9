"""The records of the bureau's working systems: duty, receptions, rewards, mediation,
accountability. None is ever deleted; each is created and changed through this package's
service functions, which log every change in Wagtail's audit log."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from petitions.cases.models import Case, Deadline
from petitions.cases.people import display_name
from rules.deadlines import RuleKey
from snippets.models import Department

# --- never deleted ---------------------------------------------------------------------------


class RecordDeletionForbidden(PermissionDenied):
    """第二十四条: nothing is hidden or lost; a mistaken record is corrected, not deleted."""

    def __init__(self) -> None:
        super().__init__(_("工作记录不能删除（第二十四条）。录入有误的，请更正并说明理由。"))


class KeptQuerySet(models.QuerySet):
    def delete(self):
        raise RecordDeletionForbidden()


class KeptRecord(models.Model):
    """A record that is never deleted, through the model or a queryset."""

    objects = KeptQuerySet.as_manager()

    class Meta:
        abstract = True

    def delete(self, *args, **kwargs):
        raise RecordDeletionForbidden()


def _user_fk(verbose_name, *, null: bool = False, related_name: str = "+") -> models.ForeignKey:
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=verbose_name,
        on_delete=models.PROTECT,
        null=null,
        blank=null,
        related_name=related_name,
    )


# --- 值班值守 (第十二条; A12.1, A12.2) -----------------------------------------------------------


class DutyKind(models.TextChoices):
    """第十二条: each shift has at least 2 enforcement staff and 1 monitoring staff."""

    ENFORCEMENT = "enforcement", _("执法人员")
    MONITORING = "monitoring", _("监测人员")


class DutyOfficer(KeptRecord):
    """值班人员: a member of staff who can be put on the duty roster, with their kind.

    The kind is a property of the person, kept by a system administrator.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("人员"),
        on_delete=models.PROTECT,
        related_name="duty_officer",
    )
    kind = models.CharField(_("值班人员类别"), max_length=20, choices=DutyKind.choices)
    active = models.BooleanField(_("可排班"), default=True)

    class Meta:
        verbose_name = _("值班人员")
        verbose_name_plural = _("值班人员")
        ordering = ["kind", "user__last_name", "user__first_name", "user__username"]

    def __str__(self) -> str:
        return f"{display_name(self.user)}（{self.get_kind_display()}）"

    @property
    def name(self) -> str:
        return display_name(self.user)


class DutyShift(KeptRecord):
    """值班班次: a 24-hour shift of the roster, or an extra shift for a sensitive period."""

    class Kind(models.TextChoices):
        REGULAR = "regular", _("常规班次（24小时）")
        EXTRA = "extra", _("敏感时段增设班次")

    kind = models.CharField(_("班次类别"), max_length=20, choices=Kind.choices)
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"))
    officers = models.ManyToManyField(
        DutyOfficer, verbose_name=_("值班人员"), related_name="shifts"
    )
    leader = _user_fk(_("值班领导"), null=True)
    reason = models.CharField(
        _("敏感时段"), max_length=200, blank=True, help_text=_("增设班次时说明敏感时段的事由。")
    )
    created_by = _user_fk(_("排班人"), null=True)
    created_at = models.DateTimeField(_("录入时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("值班班次")
        verbose_name_plural = _("值班班次")
        ordering = ["starts_at", "id"]
        indexes = [models.Index(fields=["starts_at", "ends_at"], name="dutyshift_span")]

    def __str__(self) -> str:
        start = timezone.localtime(self.starts_at)
        end = timezone.localtime(self.ends_at)
        return f"{start:%Y-%m-%d %H:%M} – {end:%m-%d %H:%M} {self.get_kind_display()}"

    def covers(self, moment: dt.datetime) -> bool:
        return self.starts_at <= moment < self.ends_at


def is_night(moment: dt.datetime) -> bool:
    """22:00 to 06:00 local time: construction noise then is urgent (第十二条)."""
    hour = timezone.localtime(moment).hour
    return hour >= 22 or hour < 6


class DutyCall(KeptRecord):
    """值班来电: a call taken on a shift (A12.2).

    An urgent call (night construction noise, strong public reaction, a possible mass incident)
    is verified on site and the caller called back, both with their time; any other call is
    handed to the detachment before the shift ends, and becomes a case through the filing service.
    """

    shift = models.ForeignKey(
        DutyShift, verbose_name=_("班次"), on_delete=models.PROTECT, related_name="calls"
    )
    received_at = models.DateTimeField(_("来电时间"))
    caller_name = models.CharField(_("来电人"), max_length=100, blank=True)
    caller_phone = models.CharField(_("来电号码"), max_length=30)
    demand = models.TextField(_("诉求"))
    place = models.CharField(_("地点"), max_length=300)
    construction_noise = models.BooleanField(_("施工噪声"), default=False)
    strong_reaction = models.BooleanField(_("群众反映强烈"), default=False)
    mass_incident_risk = models.BooleanField(_("可能引发群体性事件或造成恶劣影响"), default=False)
    #: Set by the service from the three boxes and the time of the call.
    urgent = models.BooleanField(_("紧急"), default=False, editable=False)
    verified_at = models.DateTimeField(_("现场核实时间"), null=True, blank=True)
    verification = models.TextField(_("现场核实处置情况"), blank=True)
    called_back_at = models.DateTimeField(_("回复来电人时间"), null=True, blank=True)
    call_back = models.TextField(_("回复内容"), blank=True)
    handed_over_at = models.DateTimeField(_("转支队时间"), null=True, blank=True)
    handed_over_by = _user_fk(_("转交人"), null=True)
    case = models.OneToOneField(
        Case,
        verbose_name=_("登记的案件"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="duty_call",
    )
    #: Set when the shift ended with this call still to hand over, or urgent and not closed.
    flagged_at = models.DateTimeField(_("交班时未处置"), null=True, blank=True)
    recorded_by = _user_fk(_("记录人"), null=True)
    created_at = models.DateTimeField(_("录入时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("值班来电")
        verbose_name_plural = _("值班来电")
        ordering = ["received_at", "id"]
        indexes = [
            # The calls the end-of-shift check has still to look at: an idle sweep reads none.
            models.Index(
                fields=["shift"], condition=Q(flagged_at__isnull=True), name="dutycall_unflagged"
            )
        ]

    def __str__(self) -> str:
        return f"{timezone.localtime(self.received_at):%Y-%m-%d %H:%M} {self.place}"

    @property
    def is_night_construction_noise(self) -> bool:
        return self.construction_noise and is_night(self.received_at)

    def compute_urgent(self) -> bool:
        return self.is_night_construction_noise or self.strong_reaction or self.mass_incident_risk

    @property
    def urgent_reasons(self) -> list[str]:
        reasons = []
        if self.is_night_construction_noise:
            reasons.append(str(_("夜间施工噪声（22:00至次日6:00）")))
        if self.strong_reaction:
            reasons.append(str(_("群众反映强烈")))
        if self.mass_incident_risk:
            reasons.append(str(_("可能引发群体性事件或造成恶劣影响")))
        return reasons

    @property
    def urgent_incomplete(self) -> bool:
        """An urgent call still without its on-site verification or its call back."""
        return self.urgent and (self.verified_at is None or self.called_back_at is None)

    @property
    def to_hand_over(self) -> bool:
        """A call that is not urgent and has not yet become a case."""
        return not self.urgent and self.case_id is None

    @property
    def open_items(self) -> list[str]:
        """What is still to do on this call, in words (empty when it is done)."""
        items = []
        if self.urgent:
            if self.verified_at is None:
                items.append(str(_("未现场核实")))
            if self.called_back_at is None:
                items.append(str(_("未回复来电人")))
        elif self.case_id is None:
            items.append(str(_("未转支队登记")))
        return items


# --- 领导接访 (第七条; A7.1, A7.2, A7.3) -----------------------------------------------------------


class LeaderReception(KeptRecord):
    """领导接访: a leader received visitors, went down to them, or read and handled letters.

    The visitors' names are kept only in the cases filed from the reception (masked as any
    petitioner's); the record holds how many came and what they raised.
    """

    class Kind(models.TextChoices):
        REGULAR = "regular", _("定期接访")
        VISIT_DOWN = "visit_down", _("下访")
        LETTERS = "letters", _("阅办来信")

    #: The kinds in which a leader receives visitors (接待来访群众, 第七条): the monthly check.
    RECEIVING_KINDS = (Kind.REGULAR, Kind.VISIT_DOWN)

    leader = _user_fk(_("接访领导"), related_name="leader_receptions")
    received_on = models.DateField(_("日期"), db_index=True)
    place = models.CharField(_("地点"), max_length=200)
    kind = models.CharField(_("方式"), max_length=20, choices=Kind.choices)
    visitor_count = models.PositiveIntegerField(_("接待群众人数"), default=0)
    matters = models.TextField(_("反映的主要问题及处理意见"), blank=True)
    cases = models.ManyToManyField(
        Case, verbose_name=_("由此产生的案件"), blank=True, related_name="leader_receptions"
    )
    recorded_by = _user_fk(_("记录人"), null=True)
    created_at = models.DateTimeField(_("录入时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("领导接访")
        verbose_name_plural = _("领导接访")
        ordering = ["-received_on", "-id"]

    def __str__(self) -> str:
        return f"{self.received_on} {display_name(self.leader)} {self.get_kind_display()}"


class GroupVisit(KeptRecord):
    """集访 (A7.2): handled by the business-supervising leader, with the day's duty leader as
    B role (from the duty roster); the detachment and the department take part."""

    case = models.OneToOneField(
        Case, verbose_name=_("案件"), on_delete=models.PROTECT, related_name="group_visit"
    )
    visited_at = models.DateTimeField(_("来访时间"))
    handling_leader = _user_fk(_("接访处置的业务分管领导"))
    b_role_leader = _user_fk(_("B角（当日值班领导）"))
    duty_shift = models.ForeignKey(
        DutyShift,
        verbose_name=_("值班班次"),
        on_delete=models.PROTECT,
        related_name="group_visits",
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("相关业务科室"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    detachment_participants = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("支队参与人员"), related_name="+"
    )
    department_participants = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("科室参与人员"), related_name="+"
    )
    notes = models.TextField(_("接访处置情况"), blank=True)
    recorded_by = _user_fk(_("记录人"), null=True)
    created_at = models.DateTimeField(_("录入时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("集访接访")
        verbose_name_plural = _("集访接访")

    def __str__(self) -> str:
        return f"{self.case} {display_name(self.handling_leader)}"


class DistrictReception(KeptRecord):
    """区领导公开接访 (第七条第二款, A7.3), from the district petition office's notice to the
    formal document to the district leader's unit office, each step with its date."""

    class Status(models.TextChoices):
        NOTIFIED = "notified", _("已通知分管领导和科室")
        REPORT_SUBMITTED = "report_submitted", _("办结情况报告待审核")
        REPORT_RETURNED = "report_returned", _("办结情况报告退回修改")
        REPORT_APPROVED = "report_approved", _("报告已审核通过")
        PETITIONER_REPLIED = "petitioner_replied", _("已回复信访人")
        DOCUMENT_SENT = "document_sent", _("已报送区领导所在单位并抄报区信访办")

    case = models.OneToOneField(
        Case, verbose_name=_("案件"), on_delete=models.PROTECT, related_name="district_reception"
    )
    notice_received_on = models.DateField(_("收到区信访办通知日期"))
    notice_number = models.CharField(_("通知文号"), max_length=100, blank=True)
    received_on = models.DateField(_("接访日期"))
    place = models.CharField(_("接访地点"), max_length=200)
    district_leader = models.CharField(_("接访区领导"), max_length=100)
    district_leader_unit = models.CharField(_("区领导所在单位"), max_length=200)
    supervising_leader = _user_fk(_("分管领导"))
    host_department = models.ForeignKey(
        Department,
        verbose_name=_("对口业务科室（承办）"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(_("进度"), max_length=30, choices=Status.choices)
    notified_at = models.DateTimeField(_("通知时间"))
    report = models.TextField(_("办结情况报告"), blank=True)
    report_submitted_at = models.DateTimeField(_("报告提交时间"), null=True, blank=True)
    report_submitted_by = _user_fk(_("报告提交人"), null=True)
    report_comment = models.TextField(_("审核意见"), blank=True)
    report_approved_at = models.DateTimeField(_("审核通过时间"), null=True, blank=True)
    report_approved_by = _user_fk(_("审核人"), null=True)
    petitioner_replied_on = models.DateField(_("回复信访人日期"), null=True, blank=True)
    document_number = models.CharField(_("正式文件文号"), max_length=100, blank=True)
    document_sent_on = models.DateField(_("报送区领导所在单位办公室日期"), null=True, blank=True)
    copied_on = models.DateField(_("抄报区信访办日期"), null=True, blank=True)
    recorded_by = _user_fk(_("记录人"), null=True)
    created_at = models.DateTimeField(_("录入时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("区领导公开接访")
        verbose_name_plural = _("区领导公开接访")
        ordering = ["-received_on", "-id"]

    def __str__(self) -> str:
        return f"{self.received_on} {self.district_leader} {self.case}"

    @property
    def report_deadline(self) -> Deadline | None:
        """The completion report's deadline on the case (the latest, if it was reopened)."""
        return (
            self.case.deadlines.filter(rule=RuleKey.DISTRICT_RECEPTION_REPORT)
            .order_by("-id")
            .first()
        )


# --- 有奖举报 (第九条; A9.1) ------------------------------------------------------------------


class RewardApplication(KeptRecord):
    """有奖举报: a reward for a report of a violation, step by step and in order."""

    class Status(models.TextChoices):
        APPLIED = "applied", _("待审查")
        INELIGIBLE = "ineligible", _("不符合奖励条件")
        ELIGIBLE = "eligible", _("符合条件，待审批")
        APPROVED = "approved", _("已审批，待发放")
        PAID = "paid", _("已发放")

    class Method(models.TextChoices):
        BANK_TRANSFER = "bank_transfer", _("银行转账")
        CASH = "cash", _("现金")
        OTHER = "other", _("其他")

    case = models.OneToOneField(
        Case, verbose_name=_("案件"), on_delete=models.PROTECT, related_name="reward"
    )
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices)
    applied_on = models.DateField(_("申请日期"), db_index=True)
    note = models.TextField(_("申请说明"), blank=True)
    eligibility_checked_at = models.DateTimeField(_("审查时间"), null=True, blank=True)
    eligibility_checked_by = _user_fk(_("审查人"), null=True)
    eligibility_reason = models.TextField(_("审查意见"), blank=True)
    amount = models.DecimalField(
        _("奖励金额（元）"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    approved_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    approved_by = _user_fk(_("审批领导"), null=True)
    paid_on = models.DateField(_("发放日期"), null=True, blank=True)
    payment_method = models.CharField(
        _("发放方式"), max_length=20, choices=Method.choices, blank=True
    )
    payment_reference = models.CharField(_("凭证号"), max_length=100, blank=True)
    paid_recorded_by = _user_fk(_("发放登记人"), null=True)
    recorded_by = _user_fk(_("申请登记人"), null=True)
    created_at = models.DateTimeField(_("录入时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("有奖举报")
        verbose_name_plural = _("有奖举报")
        ordering = ["-applied_on", "-id"]

    def __str__(self) -> str:
        return f"{self.case} {self.get_status_display()}"


class RewardAmountChange(KeptRecord):
    """A change of a reward's amount; after approval it needs a recorded reason."""

    application = models.ForeignKey(
        RewardApplication, on_delete=models.PROTECT, related_name="amount_changes"
    )
    old_amount = models.DecimalField(_("原金额"), max_digits=10, decimal_places=2, null=True)
    new_amount = models.DecimalField(_("新金额"), max_digits=10, decimal_places=2)
    reason = models.TextField(_("变更理由"), blank=True)
    changed_by = _user_fk(_("变更人"), null=True)
    changed_at = models.DateTimeField(_("变更时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("奖励金额变更")
        verbose_name_plural = _("奖励金额变更")
        ordering = ["changed_at", "id"]

    def __str__(self) -> str:
        return f"{self.old_amount} → {self.new_amount}"


# --- 行政调解 (第十一条; A11.1) ---------------------------------------------------------------


class Mediation(KeptRecord):
    """行政调解: for a dispute tied to a penalty or a permit, or a civil dispute over ecological
    damage or pollution compensation, when the parties consent."""

    class DisputeKind(models.TextChoices):
        PENALTY = "penalty", _("与行政处罚有关的争议纠纷")
        PERMIT = "permit", _("与行政许可有关的争议纠纷")
        ECOLOGICAL_DAMAGE = "ecological_damage", _("生态损害赔偿民事纠纷")
        POLLUTION_COMPENSATION = "pollution_compensation", _("污染赔偿民事纠纷")

    class Status(models.TextChoices):
        CONSENT_PENDING = "consent_pending", _("征求当事人意见")
        NO_CONSENT = "no_consent", _("当事人不同意调解")
        IN_PROGRESS = "in_progress", _("调解中")
        AGREED = "agreed", _("达成调解协议")
        FAILED = "failed", _("调解不成")

    ENDED = (Status.NO_CONSENT, Status.AGREED, Status.FAILED)

    case = models.ForeignKey(
        Case, verbose_name=_("案件"), on_delete=models.PROTECT, related_name="mediations"
    )
    dispute_kind = models.CharField(_("纠纷类别"), max_length=30, choices=DisputeKind.choices)
    department = models.ForeignKey(
        Department, verbose_name=_("主持调解科室"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices)
    started_at = models.DateTimeField(_("开始调解时间"), null=True, blank=True)
    concluded_on = models.DateField(_("调解结束日期"), null=True, blank=True)
    agreement_terms = models.TextField(_("调解协议内容"), blank=True)
    failure_reason = models.TextField(_("调解不成的原因"), blank=True)
    recorded_by = _user_fk(_("记录人"), null=True)
    created_at = models.DateTimeField(_("录入时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("行政调解")
        verbose_name_plural = _("行政调解")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.case} {self.get_dispute_kind_display()}"

    @property
    def outcome_text(self) -> str:
        """The outcome in one sentence, as the timeline and the reply say it; "" while open."""
        if self.status == self.Status.AGREED:
            return str(_("经行政调解，当事人于%(day)s达成调解协议：%(terms)s")) % {
                "day": self.concluded_on,
                "terms": self.agreement_terms,
            }
        if self.status == self.Status.FAILED:
            return str(
                _("经行政调解，当事人于%(day)s未能达成协议（%(reason)s），依法继续办理。")
            ) % {
                "day": self.concluded_on,
                "reason": self.failure_reason,
            }
        return ""


class MediationParty(KeptRecord):
    """A party to a mediation and whether they consent (without consent, no mediation)."""

    class Consent(models.TextChoices):
        PENDING = "pending", _("尚未表态")
        YES = "yes", _("同意调解")
        NO = "no", _("不同意调解")

    mediation = models.ForeignKey(Mediation, on_delete=models.PROTECT, related_name="parties")
    name = models.CharField(_("当事人"), max_length=200)
    role = models.CharField(_("身份"), max_length=100, help_text=_("例如：申请人、被申请人"))
    consent = models.CharField(
        _("是否同意调解"), max_length=10, choices=Consent.choices, default=Consent.PENDING
    )
    consent_on = models.DateField(_("表态日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("调解当事人")
        verbose_name_plural = _("调解当事人")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.role} {self.name}"


class MediationMeeting(KeptRecord):
    """A mediation meeting: date, place, who attended, minutes."""

    mediation = models.ForeignKey(Mediation, on_delete=models.PROTECT, related_name="meetings")
    held_on = models.DateField(_("日期"))
    place = models.CharField(_("地点"), max_length=200)
    attendees = models.TextField(_("参加人员"))
    minutes = models.TextField(_("调解笔录"))
    recorded_by = _user_fk(_("记录人"), null=True)
    created_at = models.DateTimeField(_("录入时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("调解会议")
        verbose_name_plural = _("调解会议")
        ordering = ["held_on", "id"]

    def __str__(self) -> str:
        return f"{self.held_on} {self.place}"


# --- 追责 (第二十三条、第二十四条; A23.1) ------------------------------------------------------


class Circumstance(models.TextChoices):
    """The circumstances of 第二十三条 and 第二十四条, in the regulation's words."""

    A23_1 = "a23_1", _("第二十三条（一）超越或者滥用职权，侵害公民、法人或者其他组织合法权益")
    A23_2 = "a23_2", _("第二十三条（二）应当作为而不作为，侵害公民、法人或者其他组织合法权益")
    A23_3 = (
        "a23_3",
        _("第二十三条（三）适用法律、法规错误或者违反法定程序，侵害公民、法人或者其他组织合法权益"),
    )
    A23_4 = (
        "a23_4",
        _("第二十三条（四）无正当理由，拒不执行有权处理机关、单位作出的支持信访请求意见"),
    )
    A24_1 = "a24_1", _("第二十四条（一）对属于职权范围的信访事项不予登记或不予受理")
    A24_2 = (
        "a24_2",
        _("第二十四条（二）推诿、敷衍、拖延信访事项办理或者无正当理由未在规定期限内办结信访事项"),
    )
    A24_3 = (
        "a24_3",
        _("第二十四条（三）对事实清楚，符合法律、法规、规章或者其他有关规定的投诉请求未予支持"),
    )
    A24_4 = (
        "a24_4",
        _(
            "第二十四条（四）对局党组、上级机关提出的改进工作建议、措施重视不够、落实不力，导致问题长期得不到解决"
        ),
    )
    A24_5 = "a24_5", _("第二十四条（五）隐匿、压扣信访案件")
    A24_6 = "a24_6", _("第二十四条（六）对待信访人态度恶劣、作风粗暴，损害党群、干群关系")
    A24_7 = "a24_7", _("第二十四条（七）在处理信访事项过程中吃拿卡要、谋取私利")
    A24_8 = (
        "a24_8",
        _(
            "第二十四条（八）对规模性集访等可能造成社会影响的重要信访案件隐瞒、谎报、缓报，或处置不力，导致事态扩大"
        ),
    )
    A24_9 = (
        "a24_9",
        _(
            "第二十四条（九）将信访人的检举、揭发材料或者有关情况透露、转给被检举、揭发的人员或者单位"
        ),
    )
    A24_10 = "a24_10", _("第二十四条（十）打击报复信访人")
    A24_11 = "a24_11", _("第二十四条（十一）其他违规违纪违法的情形")


#: 第二十四条's circumstances: those that call for a written self-examination.
ARTICLE_24 = [c for c in Circumstance if c.value.startswith("a24_")]


class DisciplineReferral(KeptRecord):
    """移交纪检监察 (A23.1): recorded jointly by the office and the detachment (办公室会同支队);
    once both have signed, discipline inspection sees it and records the outcome."""

    class Status(models.TextChoices):
        AWAITING_CO_SIGN = "awaiting_co_sign", _("待会签")
        REFERRED = "referred", _("已移交纪检监察组")
        CONCLUDED = "concluded", _("纪检监察组已处理")

    case = models.ForeignKey(
        Case,
        verbose_name=_("案件"),
        on_delete=models.PROTECT,
        related_name="discipline_referrals",
    )
    responsible_staff = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("相关责任人员"), related_name="+"
    )
    ground = models.CharField(_("情形"), max_length=10, choices=Circumstance.choices)
    reason = models.TextField(_("移交理由（事实和后果）"))
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices)
    office_signed_by = _user_fk(_("办公室经办人"), null=True)
    office_signed_at = models.DateTimeField(_("办公室会签时间"), null=True, blank=True)
    detachment_signed_by = _user_fk(_("支队经办人"), null=True)
    detachment_signed_at = models.DateTimeField(_("支队会签时间"), null=True, blank=True)
    referred_at = models.DateTimeField(_("移交时间"), null=True, blank=True)
    outcome = models.TextField(_("处理结果"), blank=True)
    outcome_on = models.DateField(_("处理日期"), null=True, blank=True)
    outcome_by = _user_fk(_("纪检监察组经办人"), null=True)
    created_by = _user_fk(_("发起人"), null=True)
    created_at = models.DateTimeField(_("录入时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("移交纪检监察")
        verbose_name_plural = _("移交纪检监察")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.case} {self.get_ground_display()}"


class SelfExamination(KeptRecord):
    """书面检查 (第二十四条): the person responsible writes to the Party group and corrects."""

    person = _user_fk(_("检查人"), related_name="self_examinations")
    case = models.ForeignKey(
        Case, verbose_name=_("案件"), on_delete=models.PROTECT, related_name="self_examinations"
    )
    circumstance = models.CharField(
        _("情形"), max_length=10, choices=[(c.value, c.label) for c in ARTICLE_24]
    )
    submitted_on = models.DateField(_("向局党组提交日期"))
    correction = models.TextField(_("改正情况"))
    recorded_by = _user_fk(_("记录人"), null=True)
    created_at = models.DateTimeField(_("录入时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("书面检查")
        verbose_name_plural = _("书面检查")
        ordering = ["-submitted_on", "-id"]

    def __str__(self) -> str:
        return f"{display_name(self.person)} {self.case}"


class CandidateReview(KeptRecord):
    """A person's decision on a candidate the system proposed for accountability: the system
    proposes (逾期、登记迟延、答复被复查复核改变), a person decides, never the system."""

    class Reason(models.TextChoices):
        OVERDUE = "overdue", _("逾期未办结")
        LATE_REGISTRATION = "late_registration", _("登记迟延")
        OVERTURNED = "overturned", _("答复被复查复核改变")

    class Decision(models.TextChoices):
        JUSTIFIED = "justified", _("有正当理由，不予追究")
        SELF_EXAMINATION = "self_examination", _("责令书面检查")
        REFERRAL = "referral", _("移交纪检监察")

    case = models.ForeignKey(
        Case, verbose_name=_("案件"), on_delete=models.PROTECT, related_name="candidate_reviews"
    )
    reason = models.CharField(_("提示事由"), max_length=30, choices=Reason.choices)
    #: What the candidate rests on: the supervision (督办) or the reply, by primary key.
    reference = models.CharField(max_length=40)
    decision = models.CharField(_("决定"), max_length=20, choices=Decision.choices)
    note = models.TextField(_("理由或说明"))
    decided_by = _user_fk(_("决定人"), null=True)
    decided_at = models.DateTimeField(_("决定时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("追责提示的处理")
        verbose_name_plural = _("追责提示的处理")
        ordering = ["-decided_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "reason", "reference"], name="one_review_per_candidate"
            )
        ]

    def __str__(self) -> str:
        return f"{self.case} {self.get_reason_display()} {self.get_decision_display()}"
