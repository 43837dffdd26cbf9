"""Forms of the reports (the period, the scope) and of the records (spot checks, talks)."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm

from petitions.cases import fields
from petitions.cases.access import visible_cases
from petitions.cases.models import Case
from petitions.cases.people import display_name
from petitions.reports.models import SpotCheck, Talk
from petitions.reports.scope import own_departments, sees_all
from snippets.models import Department
from snippets.people import STAFF_ROLES, offer_people

MIN_YEAR, MAX_YEAR = 2000, 2100


class QuarterForm(forms.Form):
    year = forms.IntegerField(label=_("年度"), min_value=MIN_YEAR, max_value=MAX_YEAR)
    quarter = forms.TypedChoiceField(
        label=_("季度"),
        coerce=int,
        choices=[(1, _("第一季度")), (2, _("第二季度")), (3, _("第三季度")), (4, _("第四季度"))],
    )


class YearForm(forms.Form):
    year = forms.IntegerField(label=_("年度"), min_value=MIN_YEAR, max_value=MAX_YEAR)


class PeriodForm(forms.Form):
    start = forms.DateField(label=_("起始日期"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("截止日期"), widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            self.add_error("end", _g("截止日期不能早于起始日期。"))
        if start and end and (end - start).days > 366:
            self.add_error("end", _g("通报期间最长一年。"))
        return data


class ScopeForm(forms.Form):
    """Narrow the dashboard to one department or one supervising leader (A5.1)."""

    department = fields.ModelChoiceField(
        queryset=Department.objects.none(), required=False, label=_("科室")
    )
    leader = fields.ModelChoiceField(
        queryset=get_user_model().objects.none(), required=False, label=_("分管领导")
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        departments = Department.objects.order_by("sort_order", "name")
        if not sees_all(user):
            departments = departments.filter(pk__in=own_departments(user).values("pk"))
        self.fields["department"].queryset = departments
        self.fields["leader"].queryset = (
            get_user_model()
            .objects.filter(supervised_departments__in=departments.values("pk"))
            .distinct()
            .order_by("username")
        )
        self.fields["leader"].label_from_instance = display_name


class CaseNumberMixin(WagtailAdminModelForm):
    """The case by its number (编号): a select of every case would not scale."""

    case_number = forms.CharField(label=_("案件编号"), max_length=40)
    case_required = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["case_number"].required = self.case_required
        if self.instance.case_id:
            self.initial["case_number"] = self.instance.case.number
        # Put the case first.
        self.order_fields(["case_number", *[f for f in self.fields if f != "case_number"]])

    def clean_case_number(self):
        number = self.cleaned_data.get("case_number", "").strip()
        if not number:
            self.case = None
            return number
        case = visible_cases(self.for_user, Case.objects.filter(number=number)).first()
        if case is None:
            raise forms.ValidationError(_g("没有编号为 %(number)s 的案件。") % {"number": number})
        self.case = case
        return number

    def save(self, commit=True):
        self.instance.case = self.case
        return super().save(commit)


class SpotCheckForm(CaseNumberMixin):
    """抽查记录 (第二十二条): what was read, the phone follow-up, the finding."""

    class Meta:
        model = SpotCheck
        fields = [
            "department",
            "checked_on",
            "materials_read",
            "follow_up_on",
            "follow_up_reached",
            "petitioner_satisfied",
            "petitioner_said",
            "finding",
            "notes",
        ]
        widgets = {
            "checked_on": forms.DateInput(attrs={"type": "date"}),
            "follow_up_on": forms.DateInput(attrs={"type": "date"}),
            "follow_up_reached": forms.RadioSelect,
            "petitioner_satisfied": forms.RadioSelect,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, empty in (
            ("follow_up_reached", _("未回访")),
            ("petitioner_satisfied", _("未表态")),
        ):
            self.fields[name].choices = [("", empty), *SpotCheck._meta.get_field(name).choices]
        self.fields["follow_up_reached"].help_text = _(
            "按第二十二条电话回访信访人；未回访的选“未回访”。"
        )

    def clean(self):
        data = super().clean()
        case = getattr(self, "case", None)
        # The department checked defaults to the case's host department (承办科室).
        if case is not None and not data.get("department"):
            if case.host_department_id is None:
                self.add_error("department", _g("该案件尚未交办，请选择被抽查科室。"))
            else:
                data["department"] = case.host_department
                self.instance.department = case.host_department
        reached = data.get("follow_up_reached")
        if reached and not data.get("follow_up_on"):
            self.add_error("follow_up_on", _g("请填写电话回访的日期。"))
        if data.get("petitioner_satisfied") and reached != SpotCheck.Reached.REACHED:
            self.add_error("petitioner_satisfied", _g("只有回访电话接通，才能记录信访人是否满意。"))
        if data.get("petitioner_said") and reached != SpotCheck.Reached.REACHED:
            self.add_error("petitioner_said", _g("只有回访电话接通，才能记录信访人的意见。"))
        today = timezone.localdate()
        for name in ("checked_on", "follow_up_on"):
            if data.get(name) and data[name] > today and name not in self.errors:
                self.add_error(name, _g("日期不能晚于今天。"))
        return data


class SpotCheckDrawForm(forms.Form):
    """抽查抽样: which cases, how many, and the seed the draw is made with."""

    department = fields.ModelChoiceField(
        queryset=Department.objects.none(),
        required=False,
        label=_("抽查科室"),
        empty_label=_("全部科室"),
    )
    period_start = forms.DateField(
        label=_("答复日期自"), widget=forms.DateInput(attrs={"type": "date"})
    )
    period_end = forms.DateField(
        label=_("答复日期至"), widget=forms.DateInput(attrs={"type": "date"})
    )
    share = forms.IntegerField(
        label=_("抽取比例（%）"),
        required=False,
        min_value=1,
        max_value=100,
        help_text=_("按比例抽取，向上取整；与“抽取件数”二者填一项。"),
    )
    count = forms.IntegerField(label=_("抽取件数"), required=False, min_value=1, max_value=1000)
    seed = forms.CharField(
        label=_("随机种子"),
        required=False,
        max_length=40,
        help_text=_("留空由系统生成。同一种子、同一范围重新抽取，得到的案件相同。"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = Department.objects.filter(active=True).order_by(
            "sort_order", "name"
        )

    def clean(self):
        data = super().clean()
        if bool(data.get("share")) == bool(data.get("count")):
            self.add_error("count", _g("请填写抽取比例或抽取件数，二者选一。"))
        start, end = data.get("period_start"), data.get("period_end")
        if start and end and end < start:
            self.add_error("period_end", _g("截止日期不能早于起始日期。"))
        return data


class SpotCheckStepForm(forms.Form):
    """The date of a step of a spot check (反馈、报告)."""

    on = forms.DateField(label=_("日期"), widget=forms.DateInput(attrs={"type": "date"}))


class SpotCheckAnswerForm(SpotCheckStepForm):
    """科室答复 to the findings."""

    text = forms.CharField(
        label=_("科室答复"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("对抽查发现的问题作出说明，写明整改措施和完成时间。"),
    )


class TalkForm(CaseNumberMixin):
    case_required = False

    class Meta:
        model = Talk
        fields = ["staff", "department", "held_on", "reason", "outcome"]
        widgets = {"held_on": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["case_number"].label = _("相关案件编号（可不填）")
        offer_people(
            self.fields["staff"],
            STAFF_ROLES,
            keep=[self.instance.staff_id] if self.instance.pk else [],
        )

    def clean(self):
        data = super().clean()
        staff = data.get("staff")
        if staff is not None and not data.get("department"):
            # The department defaults to the one the person belongs to or heads.
            own = own_departments(staff).order_by("sort_order").first()
            data["department"] = own
            self.instance.department = own
        return data
