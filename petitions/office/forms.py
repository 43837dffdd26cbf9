"""The forms of the working systems' screens: they validate what is typed; the services decide."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _
from wagtail.admin.widgets import AdminDateInput, AdminDateTimeInput

from petitions.cases import fields as choice_fields
from petitions.cases.filing import PetitionerData
from petitions.cases.models import Case
from petitions.cases.people import display_name
from petitions.cases.validators import validate_phone
from petitions.office.common import leadership_members, people_in
from petitions.office.models import (
    ARTICLE_24,
    CandidateReview,
    Circumstance,
    DutyKind,
    DutyOfficer,
    LeaderReception,
    Mediation,
    MediationParty,
    RewardApplication,
)
from rules.roles import ROLE_GROUP_NAMES, Role
from snippets.models import Department

User = get_user_model()


class PersonChoiceField(choice_fields.ModelChoiceField):
    """A member of staff, chosen by full name (王五), never by login name."""

    def label_from_instance(self, obj) -> str:
        return display_name(obj)


class PeopleChoiceField(choice_fields.ModelMultipleChoiceField):
    def label_from_instance(self, obj) -> str:
        return display_name(obj)


def _by_name(qs):
    return qs.order_by("last_name", "first_name", "username").distinct()


def leader_choices():
    """班子成员 when the bureau has named them, else the leaders by role."""
    members = leadership_members()
    if members.exists():
        return members
    return _by_name(
        User.objects.filter(
            is_active=True,
            groups__name__in=[
                ROLE_GROUP_NAMES[Role.SUPERVISING_LEADER],
                ROLE_GROUP_NAMES[Role.BUREAU_HEAD],
            ],
        )
    )


def _text(label, *, required=True, rows=3, help_text=""):
    return forms.CharField(
        label=label,
        required=required,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": rows}),
    )


class CaseNumberField(forms.CharField):
    """A case by its number (编号)."""

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        case = Case.objects.filter(number=value.strip()).first()
        if case is None:
            raise forms.ValidationError(_g("没有编号为 %(number)s 的案件。") % {"number": value})
        return case


# --- duty -------------------------------------------------------------------------------------


class DutyOfficerForm(forms.Form):
    user = PersonChoiceField(User.objects.none(), label=_("人员"))
    kind = forms.ChoiceField(label=_("值班人员类别"), choices=DutyKind.choices)
    active = forms.BooleanField(label=_("可排班"), required=False, initial=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = _by_name(User.objects.filter(is_active=True))


def _officer_field(kind: str, label):
    return choice_fields.ModelMultipleChoiceField(
        DutyOfficer.objects.filter(kind=kind, active=True).select_related("user"),
        label=label,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )


class _OfficerLabels:
    def _label_officers(self):
        for name in ("enforcement", "monitoring"):
            self.fields[name].label_from_instance = lambda o: o.name


class RosterDayForm(_OfficerLabels, forms.Form):
    """One day of the week's roster: its 24-hour shift from the handover time."""

    enforcement = _officer_field(DutyKind.ENFORCEMENT, _("执法人员"))
    monitoring = _officer_field(DutyKind.MONITORING, _("监测人员"))
    leader = PersonChoiceField(User.objects.none(), label=_("值班领导"), required=False)

    def __init__(self, *args, day: dt.date, **kwargs):
        self.day = day
        super().__init__(*args, **kwargs)
        self.fields["leader"].queryset = leader_choices()
        self._label_officers()

    @property
    def officers(self) -> list[DutyOfficer]:
        return [*self.cleaned_data["enforcement"], *self.cleaned_data["monitoring"]]


class ExtraShiftForm(_OfficerLabels, forms.Form):
    """增设班次 for a sensitive period: any start and end, may overlap the regular shifts."""

    starts_at = forms.DateTimeField(label=_("开始时间"), widget=AdminDateTimeInput)
    ends_at = forms.DateTimeField(label=_("结束时间"), widget=AdminDateTimeInput)
    reason = forms.CharField(label=_("敏感时段（事由）"), max_length=200)
    enforcement = _officer_field(DutyKind.ENFORCEMENT, _("执法人员"))
    monitoring = _officer_field(DutyKind.MONITORING, _("监测人员"))
    leader = PersonChoiceField(User.objects.none(), label=_("值班领导"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["leader"].queryset = leader_choices()
        self._label_officers()

    @property
    def officers(self) -> list[DutyOfficer]:
        return [*self.cleaned_data["enforcement"], *self.cleaned_data["monitoring"]]


class CallForm(forms.Form):
    received_at = forms.DateTimeField(label=_("来电时间"), widget=AdminDateTimeInput)
    caller_phone = forms.CharField(label=_("来电号码"), max_length=30, validators=[validate_phone])
    caller_name = forms.CharField(label=_("来电人"), max_length=100, required=False)
    place = forms.CharField(label=_("地点"), max_length=300)
    demand = _text(_("诉求"))
    construction_noise = forms.BooleanField(
        label=_("施工噪声"),
        required=False,
        help_text=_("22:00至次日6:00的施工噪声为紧急来电，须立即现场核实并回复。"),
    )
    strong_reaction = forms.BooleanField(label=_("群众反映强烈"), required=False)
    mass_incident_risk = forms.BooleanField(
        label=_("可能引发群体性事件或造成恶劣影响"), required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["received_at"].initial = lambda: timezone.localtime().replace(
            second=0, microsecond=0
        )


class CallStepForm(forms.Form):
    """现场核实 or 回复来电人: when, and what."""

    at = forms.DateTimeField(label=_("时间"), widget=AdminDateTimeInput)
    notes = _text(_("情况"))

    def __init__(self, *args, at_label=None, notes_label=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["at"].initial = lambda: timezone.localtime().replace(second=0, microsecond=0)
        if at_label:
            self.fields["at"].label = at_label
        if notes_label:
            self.fields["notes"].label = notes_label


# --- receptions -------------------------------------------------------------------------------


class ReceptionForm(forms.Form):
    leader = PersonChoiceField(User.objects.none(), label=_("接访领导"))
    received_on = forms.DateField(
        label=_("日期"), widget=AdminDateInput, initial=timezone.localdate
    )
    kind = forms.ChoiceField(label=_("方式"), choices=LeaderReception.Kind.choices)
    place = forms.CharField(label=_("地点"), max_length=200)
    visitor_count = forms.IntegerField(label=_("接待群众人数"), min_value=0, initial=0)
    matters = _text(
        _("反映的主要问题及处理意见"),
        required=False,
        help_text=_("群众的姓名、电话请登记在由此产生的案件中（按信访保密规定遮蔽显示）。"),
    )
    case_numbers = forms.CharField(
        label=_("由此产生的已有案件编号"),
        required=False,
        help_text=_("多个编号用空格或逗号分隔；新的信访事项在保存后从本次接访登记。"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["leader"].queryset = leader_choices()

    def clean_case_numbers(self) -> list[Case]:
        raw = self.cleaned_data.get("case_numbers", "").replace("，", ",").replace(",", " ")
        numbers = [n for n in raw.split() if n]
        cases = list(Case.objects.filter(number__in=numbers))
        missing = sorted(set(numbers) - {c.number for c in cases})
        if missing:
            raise forms.ValidationError(
                _g("没有这些编号的案件：%(numbers)s") % {"numbers": "、".join(missing)}
            )
        return cases


class PetitionForm(forms.Form):
    """A new petition raised at a reception: what the intake form asks, in brief."""

    petitioner_name = forms.CharField(label=_("信访人姓名"), max_length=100)
    petitioner_phone = forms.CharField(
        label=_("联系电话"), max_length=30, required=False, validators=[validate_phone]
    )
    place = forms.CharField(label=_("问题发生地点"), max_length=300)
    description = _text(_("反映内容"))
    demands = _text(_("诉求"), required=False)
    is_group_visit = forms.BooleanField(label=_("集体访"), required=False)
    visitor_count = forms.IntegerField(label=_("来访人数"), min_value=1, required=False)

    def clean(self):
        data = super().clean()
        if data.get("is_group_visit") and not data.get("visitor_count"):
            self.add_error("visitor_count", _g("集体访须填写来访人数。"))
        return data

    def petitioners(self) -> list[PetitionerData]:
        d = self.cleaned_data
        return [
            PetitionerData(
                name=d["petitioner_name"],
                phone=d.get("petitioner_phone", ""),
                is_representative=bool(d.get("is_group_visit")),
            )
        ]


class LinkCaseForm(forms.Form):
    number = CaseNumberField(label=_("案件编号"))


class GroupVisitForm(forms.Form):
    visited_at = forms.DateTimeField(label=_("来访时间"), widget=AdminDateTimeInput)
    handling_leader = PersonChoiceField(User.objects.none(), label=_("接访处置的业务分管领导"))
    department = choice_fields.ModelChoiceField(
        Department.objects.filter(active=True), label=_("相关业务科室")
    )
    detachment_participants = PeopleChoiceField(
        User.objects.none(), label=_("支队参与人员"), widget=forms.CheckboxSelectMultiple
    )
    department_participants = PeopleChoiceField(
        User.objects.none(), label=_("科室参与人员"), widget=forms.CheckboxSelectMultiple
    )
    notes = _text(_("接访处置情况"), required=False)

    def __init__(self, *args, case: Case, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["handling_leader"].queryset = leader_choices()
        self.fields["detachment_participants"].queryset = _by_name(people_in(Role.DETACHMENT))
        self.fields["department_participants"].queryset = _by_name(
            User.objects.filter(is_active=True).filter(
                pk__in=Department.objects.filter(active=True).values("staff")
            )
            | User.objects.filter(
                is_active=True, pk__in=Department.objects.filter(active=True).values("head")
            )
        )
        self.fields["visited_at"].initial = case.received_at
        if case.leader is not None:
            self.fields["handling_leader"].initial = case.leader.pk
        if case.host_department_id:
            self.fields["department"].initial = case.host_department_id


class DistrictNoticeForm(forms.Form):
    notice_received_on = forms.DateField(
        label=_("收到区信访办通知日期"), widget=AdminDateInput, initial=timezone.localdate
    )
    notice_number = forms.CharField(label=_("通知文号"), max_length=100, required=False)
    received_on = forms.DateField(label=_("接访日期"), widget=AdminDateInput)
    place = forms.CharField(label=_("接访地点"), max_length=200)
    district_leader = forms.CharField(label=_("接访区领导"), max_length=100)
    district_leader_unit = forms.CharField(label=_("区领导所在单位"), max_length=200)
    supervising_leader = PersonChoiceField(User.objects.none(), label=_("分管领导"))
    host_department = choice_fields.ModelChoiceField(
        Department.objects.filter(active=True), label=_("对口业务科室（承办）")
    )
    case_number = CaseNumberField(
        label=_("已登记的案件编号"),
        required=False,
        help_text=_("事项已登记的，填写编号；否则填写下面的信访人和反映内容，保存时登记新案件。"),
    )
    petitioner_name = forms.CharField(label=_("信访人姓名"), max_length=100, required=False)
    petitioner_phone = forms.CharField(
        label=_("联系电话"), max_length=30, required=False, validators=[validate_phone]
    )
    matter_place = forms.CharField(label=_("问题发生地点"), max_length=300, required=False)
    description = _text(_("反映内容"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["supervising_leader"].queryset = leader_choices()

    def clean(self):
        data = super().clean()
        if not data.get("case_number"):
            for name in ("petitioner_name", "matter_place", "description"):
                if not data.get(name):
                    self.add_error(name, _g("未填写已登记的案件编号时，此项必填。"))
        return data


class ReportForm(forms.Form):
    text = _text(_("办结情况报告"), rows=6)


class ReviewForm(forms.Form):
    comment = _text(_("审核意见"), required=False)


class ReplyDateForm(forms.Form):
    replied_on = forms.DateField(
        label=_("回复信访人日期"), widget=AdminDateInput, initial=timezone.localdate
    )


class DocumentForm(forms.Form):
    document_number = forms.CharField(label=_("正式文件文号"), max_length=100)
    sent_on = forms.DateField(
        label=_("报送区领导所在单位办公室日期"), widget=AdminDateInput, initial=timezone.localdate
    )
    copied_on = forms.DateField(
        label=_("抄报区信访办日期"), widget=AdminDateInput, initial=timezone.localdate
    )


# --- rewards ----------------------------------------------------------------------------------


class RewardApplyForm(forms.Form):
    applied_on = forms.DateField(
        label=_("申请日期"), widget=AdminDateInput, initial=timezone.localdate
    )
    note = _text(_("申请说明"), required=False)


class EligibilityForm(forms.Form):
    eligible = forms.TypedChoiceField(
        label=_("审查结论"),
        choices=[("1", _("符合奖励条件")), ("0", _("不符合奖励条件"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    amount = forms.DecimalField(
        label=_("奖励金额（元）"), max_digits=10, decimal_places=2, min_value=0, required=False
    )
    reason = _text(_("审查意见（不符合条件的写明理由）"), required=False)


class ApproveRewardForm(forms.Form):
    comment = _text(_("审批意见"), required=False)


class PaymentForm(forms.Form):
    paid_on = forms.DateField(
        label=_("发放日期"), widget=AdminDateInput, initial=timezone.localdate
    )
    method = forms.ChoiceField(label=_("发放方式"), choices=RewardApplication.Method.choices)
    reference = forms.CharField(label=_("凭证号"), max_length=100)


class AmountForm(forms.Form):
    amount = forms.DecimalField(
        label=_("新的奖励金额（元）"), max_digits=10, decimal_places=2, min_value=0
    )
    reason = _text(_("变更理由（审批后变更必填）"), required=False)


class YearForm(forms.Form):
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)


# --- mediation --------------------------------------------------------------------------------


class MediationForm(forms.Form):
    dispute_kind = forms.ChoiceField(label=_("纠纷类别"), choices=Mediation.DisputeKind.choices)
    department = choice_fields.ModelChoiceField(
        Department.objects.filter(active=True), label=_("主持调解科室")
    )
    parties = _text(
        _("当事人"),
        help_text=_("每行一方：身份 名称，例如“申请人 张三”“被申请人 某化工有限公司”。"),
    )

    def __init__(self, *args, case: Case | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if case is not None and case.host_department_id:
            self.fields["department"].initial = case.host_department_id

    def clean_parties(self) -> list[tuple[str, str]]:
        rows = []
        for number, line in enumerate(self.cleaned_data["parties"].splitlines(), 1):
            parts = line.split(maxsplit=1)
            if not parts:
                continue
            if len(parts) < 2:
                raise forms.ValidationError(
                    _g("第%(n)d行请写“身份 名称”，例如“申请人 张三”。") % {"n": number}
                )
            rows.append((parts[0][:100], parts[1].strip()[:200]))
        if len(rows) < 2:
            raise forms.ValidationError(_g("调解至少需要两方当事人。"))
        return rows


class ConsentForm(forms.Form):
    party = forms.ModelChoiceField(MediationParty.objects.none(), label=_("当事人"))
    consent = forms.ChoiceField(
        label=_("是否同意调解"),
        choices=[
            (MediationParty.Consent.YES, _("同意调解")),
            (MediationParty.Consent.NO, _("不同意调解")),
        ],
        widget=forms.RadioSelect,
    )
    on = forms.DateField(label=_("表态日期"), widget=AdminDateInput, initial=timezone.localdate)

    def __init__(self, *args, mediation: Mediation, parties: list[dict], **kwargs):
        super().__init__(*args, **kwargs)
        names = {row["party"].pk: row["name"] for row in parties}
        field = self.fields["party"]
        field.queryset = mediation.parties.filter(consent=MediationParty.Consent.PENDING)
        field.label_from_instance = lambda p: f"{p.role} {names.get(p.pk, '')}"


class MeetingForm(forms.Form):
    held_on = forms.DateField(label=_("日期"), widget=AdminDateInput, initial=timezone.localdate)
    place = forms.CharField(label=_("地点"), max_length=200)
    attendees = _text(_("参加人员"), rows=2)
    minutes = _text(_("调解笔录"), rows=5)


class OutcomeForm(forms.Form):
    agreed = forms.TypedChoiceField(
        label=_("调解结果"),
        choices=[("1", _("达成调解协议")), ("0", _("调解不成"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    concluded_on = forms.DateField(
        label=_("日期"), widget=AdminDateInput, initial=timezone.localdate
    )
    terms = _text(_("调解协议内容"), required=False)
    reason = _text(_("调解不成的原因"), required=False)


# --- accountability ---------------------------------------------------------------------------


class ReferralForm(forms.Form):
    case = CaseNumberField(label=_("案件编号"))
    responsible_staff = PeopleChoiceField(User.objects.none(), label=_("相关责任人员"))
    ground = forms.ChoiceField(label=_("情形"), choices=Circumstance.choices)
    reason = _text(_("移交理由（事实和后果）"), rows=5)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["responsible_staff"].queryset = _by_name(User.objects.filter(is_active=True))
        self.fields["responsible_staff"].widget.attrs["size"] = 8


class OutcomeRecordForm(forms.Form):
    outcome = _text(_("处理结果"), rows=4)
    outcome_on = forms.DateField(
        label=_("处理日期"), widget=AdminDateInput, initial=timezone.localdate
    )


class SelfExaminationForm(forms.Form):
    person = PersonChoiceField(User.objects.none(), label=_("检查人"))
    case = CaseNumberField(label=_("案件编号"))
    circumstance = forms.ChoiceField(
        label=_("情形"), choices=[(c.value, c.label) for c in ARTICLE_24]
    )
    submitted_on = forms.DateField(
        label=_("向局党组提交日期"), widget=AdminDateInput, initial=timezone.localdate
    )
    correction = _text(_("改正情况"), rows=4)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = _by_name(User.objects.filter(is_active=True))


class DecisionForm(forms.Form):
    case = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.ChoiceField(choices=CandidateReview.Reason.choices, widget=forms.HiddenInput)
    reference = forms.CharField(max_length=40, widget=forms.HiddenInput)
    decision = forms.ChoiceField(label=_("决定"), choices=CandidateReview.Decision.choices)
    note = _text(_("理由或说明"), rows=2)
