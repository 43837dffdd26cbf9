"""回避登记 for system administrators (A6.2): they record recusals without seeing any case."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.shortcuts import redirect
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from petitions.cases import fields
from petitions.cases.models import Case, Recusal
from petitions.cases.transitions import record_recusal_as_administrator
from rules.transitions import TransitionRefused
from snippets.people import STAFF_ROLES, display_name, people_in_roles


class RecusalForm(forms.Form):
    case_number = forms.CharField(label=_("案件编号"), max_length=40)
    person = fields.ModelChoiceField(people_in_roles(STAFF_ROLES), label=_("回避人员"))
    person.label_from_instance = display_name
    reason = forms.CharField(label=_("回避理由"), widget=forms.Textarea(attrs={"rows": 3}))

    def clean_case_number(self):
        number = self.cleaned_data["case_number"].strip()
        case = Case.objects.filter(number=number).first()
        if case is None:
            raise forms.ValidationError(_g("没有编号为 %(number)s 的案件。") % {"number": number})
        self.case = case
        return number


@method_decorator(permission_required("petitions.add_recusal", raise_exception=True), "dispatch")
class RecusalCreateView(WagtailAdminTemplateMixin, FormView):
    template_name = "petitions/recusals.html"
    form_class = RecusalForm
    page_title = _("回避登记")
    header_icon = "user"

    def get_breadcrumbs_items(self):
        return [{"url": "", "label": _("回避登记")}]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["recusals"] = Recusal.objects.select_related("case", "user", "recorded_by")[:100]
        return context

    def form_valid(self, form):
        try:
            record_recusal_as_administrator(
                case=form.case,
                person=form.cleaned_data["person"],
                reason=form.cleaned_data["reason"],
                recorded_by=self.request.user,
            )
        except TransitionRefused as refused:
            form.add_error(None, refused.message)
            return self.form_invalid(form)
        messages.success(self.request, _g("已登记回避。"))
        return redirect("petitions_recusals")
