"""Cases (信访案件) and what hangs on them."""

from __future__ import annotations

import datetime as dt
import uuid

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from petitions.cases.privacy import mask_name, mask_phone
from rules.deadlines import due_soon_limit
from rules.kinds import Kind
from rules.states import FINAL_STATES, OPEN_STATES, DraftStatus, State
from rules.transitions import VERIFICATION_CONCLUSIONS, VERIFICATION_METHODS
from snippets.bureau import bureau_rules
from snippets.models import BureauLeadership, Category, Channel, Department


class CaseDeletionForbidden(PermissionDenied):
    """第二十四条: no case may be deleted or hidden (隐匿、压扣)."""

    def __init__(self) -> None:
        super().__init__(
            _("信访案件不能删除（第二十四条）。误登记的案件请“作废”，它仍保留在台账中。")
        )


def important_q(prefix: str = "") -> Q:
    """Any of 第十条's criteria makes a case important (重要信访案件)."""
    q = Q()
    for name in Case.IMPORTANT_FLAGS:
        q |= Q(**{f"{prefix}{name}": True})
    return q


def overdue_q(today: dt.date, prefix: str = "") -> Q:
    """An open case whose nearest staff deadline has passed (已逾期)."""
    return Q(**{f"{prefix}state__in": OPEN_STATES, f"{prefix}next_due_on__lt": today})


def due_soon_q(today: dt.date, prefix: str = "") -> Q:
    """An open case due within the reminder's lead time (即将到期, 本局办理选项), not yet overdue."""
    lead_days = bureau_rules().reminder_working_days
    return Q(
        **{
            f"{prefix}state__in": OPEN_STATES,
            f"{prefix}next_due_on__gte": today,
            f"{prefix}next_due_on__lte": due_soon_limit(today, lead_days),
        }
    )


def supervising_leader_expression(prefix: str = "") -> Coalesce:
    """The case's supervising leader (分管领导) in a query: set at dispatch, else its department's.

    `Case.leader` is the same rule for one case.
    """
    return Coalesce(
        F(f"{prefix}supervising_leader"), F(f"{prefix}host_department__supervising_leader")
    )


class CaseQuerySet(models.QuerySet):
    def delete(self):
        raise CaseDeletionForbidden()

    def open(self) -> CaseQuerySet:
        return self.filter(state__in=OPEN_STATES)

    def important(self) -> CaseQuerySet:
        return self.filter(important_q())

    def overdue(self, today: dt.date) -> CaseQuerySet:
        return self.filter(overdue_q(today))

    def due_soon(self, today: dt.date) -> CaseQuerySet:
        return self.filter(due_soon_q(today))


def private_storage() -> FileSystemStorage:
    # Outside MEDIA_ROOT and without a base URL: no public address serves these files.
    return FileSystemStorage(location=settings.PRIVATE_FILES_ROOT, base_url=None)


class LeadStatus(models.TextChoices):
    """Whether a case for several departments has its lead department (牵头科室, 第十六条)."""

    PROPOSED = "proposed", _("待指定牵头科室")
    NAMED = "named", _("已指定牵头科室")


class Case(models.Model):
    Lead = LeadStatus

    number = models.CharField(_("编号"), max_length=40, unique=True, editable=False)
    year = models.PositiveIntegerField(_("年度"), editable=False, db_index=True)
    channel = models.ForeignKey(Channel, verbose_name=_("渠道"), on_delete=models.PROTECT)
    kind = models.CharField(_("信访类型"), max_length=30, choices=Kind.choices, blank=True)
    categories = models.ManyToManyField(Category, verbose_name=_("问题类别"), blank=True)
    received_at = models.DateTimeField(_("收到时间"))
    anonymous = models.BooleanField(
        _("匿名举报"), default=False, help_text=_("仅检举、揭发、控告环境违法行为可以匿名。")
    )
    contact_unclear = models.BooleanField(
        _("联系方式不清"),
        default=False,
        help_text=_("联系方式不清的，受理告知时限不计（第十五条）。"),
    )
    is_group_visit = models.BooleanField(_("集体访"), default=False)
    visitor_count = models.PositiveIntegerField(_("来访人数"), null=True, blank=True)

    place = models.CharField(_("问题发生地点"), max_length=300)
    #: Optional map coordinates (WGS 84, as a phone's location gives them).
    latitude = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(
        _("经度"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    reported_party = models.CharField(_("被反映对象"), max_length=200, blank=True)
    description = models.TextField(_("反映内容"))
    demands = models.TextField(_("诉求"), blank=True)

    source_ticket_number = models.CharField(
        _("来源工单号"), max_length=100, blank=True, db_index=True
    )
    source_deadline = models.DateField(_("来源渠道办理期限"), null=True, blank=True)

    # 第十条: any flag makes the case important (重要信访案件).
    important_leader_instruction = models.BooleanField(_("区领导批示办理"), default=False)
    important_extreme = models.BooleanField(_("信访人有极端情绪或极端行为"), default=False)
    important_joint = models.BooleanField(_("联名反映严重环境污染"), default=False)
    important_cross_district = models.BooleanField(_("跨区污染纠纷或典型案件"), default=False)
    important_inaction = models.BooleanField(_("反映不作为、乱作为且指向明确"), default=False)
    important_misconduct = models.BooleanField(_("反映工作人员违规违纪"), default=False)
    important_other = models.BooleanField(_("其他需请示办理的重要事项"), default=False)
    #: 第十条: a severe case is also reported to the bureau head (情节严重的，向主要领导汇报).
    important_severe = models.BooleanField(_("情节严重（向主要负责人汇报）"), default=False)
    #: 第十条: possible major social impact: report to the district government and petition office.
    important_social_impact = models.BooleanField(
        _("可能造成重大社会影响（报告区政府、区信访办）"), default=False
    )
    IMPORTANT_FLAGS = (
        "important_leader_instruction",
        "important_extreme",
        "important_joint",
        "important_cross_district",
        "important_inaction",
        "important_misconduct",
        "important_other",
    )
    #: Not criteria of their own: they widen who is told (第十条, last sentences).
    ESCALATION_FLAGS = ("important_severe", "important_social_impact")

    state = models.CharField(
        _("状态"),
        max_length=30,
        choices=[(s.value, s.label) for s in State],
        default=State.RECEIVED,
        editable=False,
    )
    host_department = models.ForeignKey(
        Department,
        verbose_name=_("承办科室"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="hosted_cases",
        editable=False,
    )
    co_departments = models.ManyToManyField(
        Department, verbose_name=_("协办科室"), blank=True, related_name="co_handled_cases"
    )
    supervising_leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("分管领导"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="supervised_cases",
        editable=False,
    )
    accepted_on = models.DateField(_("受理日期"), null=True, blank=True, editable=False)
    #: 第十六条: a case for several departments waits for the leader supervising petition work to
    #: name its lead department (the detachment's host department is the proposal).
    lead_status = models.CharField(
        _("牵头科室"), max_length=12, choices=LeadStatus.choices, blank=True, editable=False
    )
    lead_named_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("指定牵头科室的领导"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("经办人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="handled_cases",
        editable=False,
    )

    # The nearest open staff deadline, kept on the case so the ledger sorts and filters by it.
    next_due_on = models.DateField(_("下一期限"), null=True, blank=True, editable=False)
    next_due_label = models.CharField(_("下一期限事项"), max_length=60, blank=True, editable=False)

    # Decisions (what each one needs is in rules.transitions).
    decision = models.JSONField(_("处理决定"), default=dict, blank=True, editable=False)
    archive_number = models.CharField(_("档案号"), max_length=60, blank=True, editable=False)
    retention_period = models.CharField(_("保管期限"), max_length=20, blank=True, editable=False)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(_("录入时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = CaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("信访案件")
        verbose_name_plural = _("信访案件")
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["state", "next_due_on"], name="case_state_due"),
            models.Index(
                fields=["host_department", "state", "-received_at", "-id"],
                name="case_dept_state_received",
            ),
            # The ledger's order, the id breaking ties: the first and deep pages read it in order,
            # and so do its filters by state, department and channel (no sort of their matches).
            models.Index(fields=["-received_at", "-id"], name="case_received_id"),
            models.Index(fields=["state", "-received_at", "-id"], name="case_state_received"),
            models.Index(
                fields=["host_department", "-received_at", "-id"], name="case_dept_received"
            ),
            models.Index(fields=["channel", "-received_at", "-id"], name="case_channel_received"),
            # A department's ledger filtered by channel (a handler's scope is their department).
            models.Index(
                fields=["host_department", "channel", "-received_at", "-id"],
                name="case_dept_channel_received",
            ),
            # The open cases (one in twenty) in the ledger's order, with their next due date: the
            # overdue and due-soon filters read their first page in order from it (PostgreSQL;
            # without it, it fetched and sorted every overdue case).
            models.Index(
                fields=["-received_at", "-id", "next_due_on"],
                condition=Q(state__in=sorted(s.value for s in OPEN_STATES)),
                name="case_open_received",
            ),
            # Few cases wait for a lead department; the petition leader's ledger finds them here.
            models.Index(
                fields=["lead_status"],
                condition=Q(lead_status=LeadStatus.PROPOSED),
                name="case_lead_proposed",
            ),
        ]
        permissions = [
            ("handle_case", _("办理信访案件")),
            ("reveal_identity", _("查看信访人身份")),
        ]

    def __str__(self) -> str:
        return self.number

    def delete(self, *args, **kwargs):
        raise CaseDeletionForbidden()

    @property
    def state_enum(self) -> State:
        return State(self.state)

    @property
    def state_label(self) -> str:
        return str(State(self.state).label)

    @property
    def kind_label(self) -> str:
        return str(self.get_kind_display()) if self.kind else ""

    @property
    def received_on(self):

        return timezone.localtime(self.received_at).date()

    @property
    def category_names(self) -> str:
        return "、".join(c.name for c in self.categories.all())

    @property
    def petitioner_names_masked(self) -> str:

        return "、".join(mask_name(p.name) for p in self.petitioners.all())

    @property
    def petitioner_phones_masked(self) -> str:

        return "、".join(mask_phone(p.phone) for p in self.petitioners.all() if p.phone)

    @property
    def is_important(self) -> bool:
        return any(getattr(self, name) for name in self.IMPORTANT_FLAGS)

    @property
    def important_reasons(self) -> list[str]:
        return [
            str(self._meta.get_field(name).verbose_name)
            for name in self.IMPORTANT_FLAGS
            if getattr(self, name)
        ]

    @property
    def is_final(self) -> bool:
        return self.state in FINAL_STATES

    @property
    def leader(self):
        """The supervising leader (分管领导): set at dispatch, else the host department's.

        `supervising_leader_expression` is the same rule inside a query.
        """
        if self.supervising_leader_id is not None:
            return self.supervising_leader
        if self.host_department_id is not None:
            return self.host_department.supervising_leader
        return None

    @cached_property
    def bureau_head(self):
        """主要负责人: overall responsibility (第四条)."""

        return BureauLeadership.load().bureau_head


class CaseSearchEntry(models.Model):
    """A case's row in the ledger's search index (台账检索索引, petitions.cases.search).

    Written and read only by ``petitions.cases.search`` in SQL: an FTS5 table on SQLite, a
    ``tsvector`` with a GIN index on PostgreSQL (migration 0020 makes either). Declared here so
    that Django knows the table (a database flush empties it with the cases). Derived from the
    case's texts, rebuilt at will: not a record, so not among the guarded tables.
    """

    case = models.OneToOneField(
        Case,
        primary_key=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    document = models.TextField()

    class Meta:
        db_table = "petitions_case_search"
        default_permissions = ()

    def __str__(self) -> str:
        return str(self.case_id)


class CaseNumberSequence(models.Model):
    """The last number issued in a year; incremented in the filing's own transaction (no gaps)."""

    year = models.PositiveIntegerField(unique=True)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("案件编号序列")

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class Petitioner(models.Model):
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="petitioners")
    name = models.CharField(_("姓名"), max_length=100, blank=True)
    phone = models.CharField(_("电话"), max_length=30, blank=True)
    id_number = models.CharField(_("身份证号"), max_length=30, blank=True)
    address = models.CharField(_("住址"), max_length=300, blank=True)
    is_representative = models.BooleanField(_("代表"), default=False)

    class Meta:
        verbose_name = _("信访人")
        verbose_name_plural = _("信访人")
        ordering = ["id"]

    def __str__(self) -> str:

        return mask_name(self.name)


def attachment_path(instance: Attachment, filename: str) -> str:

    # Server-generated names: nothing the uploader chose reaches the file system.
    return f"cases/{instance.case.year}/{instance.case_id}/{uuid.uuid4().hex}"


class Attachment(models.Model):
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="attachments")
    file = models.FileField(_("文件"), storage=private_storage, upload_to=attachment_path)
    original_name = models.CharField(_("文件名"), max_length=255)
    content_type = models.CharField(_("类型"), max_length=100)
    size = models.PositiveIntegerField(_("大小"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    #: The verification (核查) this file is evidence of, if any.
    verification = models.ForeignKey(
        "Verification",
        verbose_name=_("核查记录"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="evidence",
    )
    note = models.CharField(_("说明"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.original_name


class DeadlineStatus(models.TextChoices):
    OPEN = "open", _("进行中")
    MET = "met", _("已办理")
    LAPSED = "lapsed", _("已届满")
    CANCELLED = "cancelled", _("不再适用")


class Deadline(models.Model):
    """A due date of a case with its calculation (rule, start, length, unit, skipped days)."""

    Status = DeadlineStatus

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="deadlines")
    rule = models.CharField(_("时限规则"), max_length=40)
    label = models.CharField(_("事项"), max_length=60)
    is_window = models.BooleanField(_("信访人请求期限"), default=False)
    start_on = models.DateField(_("起算日"))
    length = models.PositiveIntegerField(_("时长"), null=True)
    unit = models.CharField(_("单位"), max_length=20, blank=True)
    due_on = models.DateField(_("期限"), db_index=True)
    remind_on = models.DateField(_("提醒日"), db_index=True)
    provisional = models.BooleanField(_("暂定日历"), default=False)
    calculation = models.JSONField(_("计算过程"), default=dict)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    met_at = models.DateTimeField(_("办理时间"), null=True, blank=True)
    #: Set once the reminder of this deadline has been handled (sent, or skipped as too late).
    reminded_at = models.DateTimeField(_("提醒时间"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("办理期限")
        verbose_name_plural = _("办理期限")
        ordering = ["due_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "rule"],
                condition=Q(status=DeadlineStatus.OPEN),
                name="one_open_deadline_per_rule",
            )
        ]
        indexes = [
            models.Index(fields=["status", "due_on"], name="deadline_status_due"),
            # The case's nearest open deadline (refresh_next_due): without it SQLite, lacking
            # statistics, walks every open deadline (bench/sweep.py, docs/benchmarks.md).
            models.Index(fields=["case", "status", "due_on"], name="deadline_case_status_due"),
            # Only the deadlines still to be reminded: an idle sweep reads nothing it has done.
            # Led by status so SQLite, without statistics, prefers it to any other index that
            # starts with status (it read every open deadline otherwise: bench/sweep.py).
            models.Index(
                fields=["status", "remind_on"],
                condition=Q(status=DeadlineStatus.OPEN, is_window=False, reminded_at__isnull=True),
                name="deadline_to_remind_by_status",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.label} {self.due_on}"


class Reply(models.Model):
    """A written reply (答复), review opinion (复查意见) or re-review opinion (复核意见)."""

    class Stage(models.TextChoices):
        REPLY = "reply", _("答复")
        REVIEW = "review", _("复查意见")
        RE_REVIEW = "re_review", _("复核意见")

    class Outcome(models.TextChoices):
        """What a review or re-review opinion did to the original handling (A21.1)."""

        UPHELD = "upheld", _("维持")
        CHANGED = "changed", _("变更")
        SET_ASIDE = "set_aside", _("撤销")

    #: Outcomes that count as "overturned" (复查复核改变) in the yearly evaluation.
    OVERTURNED = (Outcome.CHANGED, Outcome.SET_ASIDE)

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="replies")
    stage = models.CharField(_("类别"), max_length=20, choices=Stage.choices)
    text = models.TextField(_("内容"))
    replied_on = models.DateField(_("答复日期"))
    received_on = models.DateField(_("信访人收到日期"))
    method = models.CharField(_("答复方式"), max_length=30, blank=True)
    #: Blank for a first reply; a review or re-review opinion says whether it upheld, changed
    #: or set aside the original handling (A21.1).
    outcome = models.CharField(
        _("复查复核结论"), max_length=20, choices=Outcome.choices, blank=True
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    #: The department that gives the one reply (牵头科室归口回复, 第十六条), and those whose
    #: contributions it draws on.
    department = models.ForeignKey(
        Department,
        verbose_name=_("答复科室"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    jointly_with = models.CharField(_("会办科室"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("答复")
        verbose_name_plural = _("答复")
        ordering = ["replied_on", "id"]

    def __str__(self) -> str:
        return f"{self.get_stage_display()} {self.replied_on}"


class Transfer(models.Model):
    """A co-handling agency the matter was transferred to (A14.3, A16.3)."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="transfers")
    agency = models.CharField(_("转交部门"), max_length=200)
    content = models.TextField(_("转交事项"))
    transferred_on = models.DateField(_("转交日期"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("转交记录")
        verbose_name_plural = _("转交记录")
        ordering = ["transferred_on", "id"]

    def __str__(self) -> str:
        return f"{self.agency} {self.transferred_on}"


class Supervision(models.Model):
    """督办 (第十八条): opened once for a deadline that passed unmet."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="supervisions")
    deadline = models.OneToOneField(Deadline, on_delete=models.PROTECT, related_name="supervision")
    overdue_since = models.DateField(_("逾期日"))
    created_at = models.DateTimeField(_("督办时间"), auto_now_add=True)
    resolved_at = models.DateTimeField(_("办结时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("督办")
        verbose_name_plural = _("督办")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.case} {self.deadline.label}"


class Alert(models.Model):
    """A notice to a member of staff: a reminder, an overdue case, an important case.

    `key` names the event (e.g. "reminder:deadline:42"); the unique constraint on
    (recipient, key) makes every alert happen at most once, whatever the worker retries.
    The bureau's working systems (petitions.office) alert about things that are not yet a case
    (a duty call, a leader's receptions): those carry no case, and `link` says where to act.
    """

    class Kind(models.TextChoices):
        REMINDER = "reminder", _("到期提醒")
        OVERDUE = "overdue", _("逾期督办")
        IMPORTANT = "important", _("重要信访案件")
        SEVERE = "severe", _("情节严重")
        SOCIAL_IMPACT = "social_impact", _("可能造成重大社会影响")
        MESSAGE_FAILED = "message_failed", _("通知信访人失败")
        DUTY_CALL = "duty_call", _("值班来电")
        RECEPTION = "reception", _("领导接访")
        DISTRICT_RECEPTION = "district_reception", _("区领导公开接访")
        REWARD = "reward", _("有奖举报")
        ACCOUNTABILITY = "accountability", _("追责问责")
        REPLY_RETURNED = "reply_returned", _("答复稿被退回")
        LEAD_NEEDED = "lead_needed", _("待指定牵头科室")
        CONTRIBUTION_NEEDED = "contribution", _("待录入会办意见")
        SPOT_CHECK = "spot_check", _("抽查")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="petition_alerts"
    )
    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, related_name="alerts", null=True, blank=True
    )
    kind = models.CharField(_("类别"), max_length=20, choices=Kind.choices)
    key = models.CharField(max_length=100)
    message = models.TextField(_("内容"))
    #: Where to act on it (the redraft form, a duty call, a spot check); the case page when
    #: blank, and nothing when the alert is about no case.
    link = models.CharField(_("办理地址"), max_length=300, blank=True)
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


class PetitionerMessage(models.Model):
    """A message to the petitioner (X.2), kept until a sender has delivered it.

    A failed send never blocks or loses the case: the message waits here and the worker retries.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("待发送")
        SENT = "sent", _("已发送")
        FAILED = "failed", _("发送失败")

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="messages")
    event = models.CharField(_("事件"), max_length=40)
    channel = models.CharField(_("方式"), max_length=10, default="sms")
    to = models.CharField(_("接收号码"), max_length=100)
    body = models.TextField(_("内容"))
    #: The text to send, sealed (petitions.cases.sealing), when `body` has a query code blotted
    #: out; emptied once sent. (Before: the code itself, blotted out of `body` once sent.)
    redact = models.TextField(blank=True, editable=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(db_index=True)
    last_error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("信访人通知")
        verbose_name_plural = _("信访人通知")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["case", "event", "to"], name="one_message_per_event")
        ]

    def __str__(self) -> str:
        return f"{self.case} {self.event}"


class Recusal(models.Model):
    """回避 (第六条, A6.2): a user with a direct interest in a case or its petitioner.

    A recused user cannot be assigned the case, approve its reply, or see the petitioner.
    """

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="recusals")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("回避人员"),
        on_delete=models.PROTECT,
        related_name="petition_recusals",
    )
    reason = models.TextField(_("回避理由"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("回避")
        verbose_name_plural = _("回避")
        constraints = [models.UniqueConstraint(fields=["case", "user"], name="one_recusal")]

    def __str__(self) -> str:
        return f"{self.case} {self.user}"


class ReplyDraft(models.Model):
    """A reply on its way through the two-level approval (第十七条, A17.1).

    The handler drafts; the host department's head approves or returns it with a comment; then
    the supervising leader does the same; only then can it be issued.
    """

    Status = DraftStatus

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="reply_drafts")
    stage = models.CharField(_("类别"), max_length=20, choices=Reply.Stage.choices)
    text = models.TextField(_("答复内容"))
    method = models.CharField(_("答复方式"), max_length=30, blank=True)
    status = models.CharField(_("审核状态"), max_length=20, choices=DraftStatus.choices())
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    head_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    leader_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    #: Who sent it back, when, and why: the redraft starts from this comment.
    returned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    returned_at = models.DateTimeField(_("退回时间"), null=True, blank=True)
    return_comment = models.TextField(_("退回意见"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("答复稿")
        verbose_name_plural = _("答复稿")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.case} {self.get_stage_display()} {self.get_status_display()}"


class Feedback(models.Model):
    """满意度评价: the petitioner's rating of a reply, given on the public site (X.1, A21.1)."""

    class Rating(models.IntegerChoices):
        VERY_DISSATISFIED = 1, _("很不满意")
        DISSATISFIED = 2, _("不满意")
        NEUTRAL = 3, _("基本满意")
        SATISFIED = 4, _("满意")
        VERY_SATISFIED = 5, _("非常满意")

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="feedback")
    reply = models.OneToOneField(
        Reply,
        on_delete=models.PROTECT,
        related_name="feedback",
        verbose_name=_("所评答复"),
        help_text=_("每份答复只评价一次。"),
    )
    rating = models.PositiveSmallIntegerField(_("满意度"), choices=Rating.choices)
    comment = models.TextField(_("意见"), blank=True, max_length=2000)
    created_at = models.DateTimeField(_("评价时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("满意度评价")
        verbose_name_plural = _("满意度评价")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["created_at"], name="feedback_created")]

    def __str__(self) -> str:
        return f"{self.case} {self.get_rating_display()}"


class Verification(models.Model):
    """核查 (第六条, A6.3): one verification of the matter by those handling it.

    What was checked, when, where, by whom and how, what was found, and the conclusion: the
    demand was reasonable and is solved (解决到位), or it was not and has been explained
    (教育到位). A reply draft needs at least one for its stage, and starts from them.
    """

    class Conclusion(models.TextChoices):
        RESOLVED = VERIFICATION_CONCLUSIONS[0][0], VERIFICATION_CONCLUSIONS[0][1]
        EXPLAINED = VERIFICATION_CONCLUSIONS[1][0], VERIFICATION_CONCLUSIONS[1][1]

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="verifications")
    stage = models.CharField(_("类别"), max_length=20, choices=Reply.Stage.choices)
    subject = models.CharField(_("核查事项"), max_length=300)
    checked_on = models.DateField(_("核查日期"))
    place = models.CharField(_("核查地点"), max_length=300)
    checked_by = models.CharField(_("核查人员"), max_length=300)
    methods = models.JSONField(_("核查方式"), default=list)
    findings = models.TextField(_("核查发现的情况"))
    conclusion = models.CharField(_("核查结论"), max_length=20, choices=Conclusion.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("记录人"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("核查记录")
        verbose_name_plural = _("核查记录")
        ordering = ["checked_on", "id"]

    def __str__(self) -> str:
        return f"{self.case} {self.checked_on} {self.subject}"

    @property
    def method_labels(self) -> str:
        labels = dict(VERIFICATION_METHODS)
        return "、".join(str(labels.get(m, m)) for m in self.methods)


class Contribution(models.Model):
    """会办意见 (第十六条, A16.2): a co-handling department's part, before the lead drafts."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="contributions")
    stage = models.CharField(_("类别"), max_length=20, choices=Reply.Stage.choices)
    department = models.ForeignKey(
        Department, verbose_name=_("协办科室"), on_delete=models.PROTECT, related_name="+"
    )
    opinion = models.TextField(_("会办意见"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("录入人"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("录入时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("会办意见")
        verbose_name_plural = _("会办意见")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.case} {self.department}"


class DuplicateKey(models.Model):
    """查重索引: one key of a case for finding likely duplicates (第十四条, 第十九条第三款).

    A character bigram of its place and description, or a petitioner's phone or ID number
    (rules.duplicates.KeyKind). An index, not a record: petitions.cases.duplicates rebuilds a
    case's keys whenever its text or petitioners change, so its rows may be deleted.
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    kind = models.PositiveSmallIntegerField()
    key = models.BigIntegerField()
    #: The case's time of receipt, so that the look-back is read off the index alone.
    received_at = models.DateTimeField()

    class Meta:
        verbose_name = _("查重索引")
        verbose_name_plural = _("查重索引")
        indexes = [
            models.Index(
                fields=["kind", "key", "received_at", "case"], name="duplicate_key_lookup"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id}:{self.kind}:{self.key}"
