"""Forms of the reports (the period, the scope) and of the records (spot checks, talks)."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
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
    class Meta:
        model = SpotCheck
        fields = ["department", "checked_on", "finding", "notes"]
        widgets = {"checked_on": forms.DateInput(attrs={"type": "date"})}

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
        return data


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
