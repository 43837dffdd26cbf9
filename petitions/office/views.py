"""The base of the working systems' screens: a page with one or more forms, each posted with its
action's name, each calling a service; a refusal comes back on the form, in the user's words."""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.log_actions import registry as log_registry
from wagtail.models import ModelLogEntry

from petitions.office.common import Refused


class OfficePage(WagtailAdminTemplateMixin, TemplateView):
    """A screen of the working systems (工作制度)."""

    header_icon = "tasks"
    #: action name -> label of its submit button; `form_<name>` builds the form and
    #: `act_<name>(form)` runs the service and returns where to go next.
    actions: dict[str, str] = {}

    def may_view(self, user) -> bool:
        raise NotImplementedError

    def load(self) -> None:
        """Load the page's object from the URL (before the permission check)."""

    def dispatch(self, request, *args, **kwargs):
        self.load()
        if not self.may_view(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return [{"url": "", "label": _("工作制度")}, {"url": "", "label": self.get_page_title()}]

    def available_actions(self) -> list[str]:
        """The actions this user may take now (their forms are shown)."""
        return list(self.actions)

    def make_form(self, name: str, data=None) -> forms.Form:
        builder: Callable = getattr(self, f"form_{name}")
        return builder(data=data, prefix=name)

    def accepts(self, name: str) -> bool:
        """Whether a posted action is one this user may take here now."""
        return name in self.available_actions()

    def get_context_data(self, **kwargs):
        bound = self.bound = kwargs.pop("bound", {})
        context = super().get_context_data(**kwargs)
        context["forms"] = {
            name: bound.get(name) or self.make_form(name) for name in self.available_actions()
        }
        context["action_forms"] = [
            {"name": name, "form": form, "label": self.actions[name]}
            for name, form in context["forms"].items()
        ]
        return context

    def post(self, request, *args, **kwargs):
        name = request.POST.get("action", "")
        if not self.accepts(name):
            raise Http404
        form = self.make_form(name, data=request.POST)
        if form.is_valid():
            try:
                url = getattr(self, f"act_{name}")(form)
            except Refused as refused:
                for field, message in refused.field_errors.items():
                    form.add_error(field if field in form.fields else None, message)
                if refused.messages:
                    form.add_error(None, " ".join(refused.messages))
                messages.error(request, refused.message)
            else:
                messages.success(request, self.success_message(name))
                return redirect(url)
        else:
            messages.error(request, _g("请更正下面标出的错误。"))
        return self.render_to_response(self.get_context_data(bound={name: form}))

    def success_message(self, name: str) -> str:
        return _g("已保存：%(action)s。") % {"action": self.actions.get(name, "")}


def history_of(instance) -> list[ModelLogEntry]:
    """The audit-log entries of one record, oldest first, with their detail lines."""
    entries = list(
        ModelLogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(type(instance)),
            object_id=str(instance.pk),
        )
        .select_related("user")
        .order_by("timestamp", "id")
    )
    for entry in entries:
        formatter = log_registry.get_formatter(entry)
        entry.details = formatter.details(entry) if hasattr(formatter, "details") else []
        entry.actor = formatter.actor(entry) if hasattr(formatter, "actor") else ""
    return entries
