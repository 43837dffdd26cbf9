"""Admin forms of the configuration: people pickers by role, enabled rows only, and the
audit of the bureau's settings."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.log_actions import log

from rules.holidays import statutory_holidays
from rules.roles import Role
from snippets.events import bureau_rules_changed
from snippets.people import offer_people

#: The audit-log action of a change to 本局信息 or 本局办理选项.
SETTING_CHANGED = "snippets.setting_changed"

LEADERS = (Role.SUPERVISING_LEADER, Role.BUREAU_HEAD)


def _kept_ids(instance, name: str) -> list[int]:
    """The user ids a saved row names in field `name` (foreign key or many-to-many)."""
    if instance is None or instance.pk is None:
        return []
    field = instance._meta.get_field(name)
    if field.many_to_many:
        return list(getattr(instance, name).values_list("pk", flat=True))
    return [getattr(instance, field.attname)]


def _offer_enabled(field, instance, name: str) -> None:
    """A department or channel picker offers enabled rows (and the one already chosen)."""
    current = getattr(instance, f"{name}_id", None) if instance is not None else None
    model = field.queryset.model
    field.queryset = model.objects.filter(active=True) | model.objects.filter(pk=current)


class PeoplePickerForm(WagtailAdminModelForm):
    """Pickers of people offer the users of the fitting role groups, by full name.

    `person_roles` maps a field to the roles it offers; `enabled_only` lists the department or
    channel fields that offer enabled rows only.
    """

    person_roles: dict[str, tuple[Role, ...]] = {}
    enabled_only: tuple[str, ...] = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.limit_pickers(self)

    @classmethod
    def limit_pickers(cls, form) -> None:
        for name, roles in cls.person_roles.items():
            if name in form.fields:
                offer_people(form.fields[name], roles, keep=_kept_ids(form.instance, name))
        for name in cls.enabled_only:
            if name in form.fields:
                _offer_enabled(form.fields[name], form.instance, name)


class DepartmentForm(PeoplePickerForm):
    person_roles = {
        "head": (Role.DEPARTMENT_HEAD,),
        "supervising_leader": LEADERS,
        "staff": (Role.HANDLER, Role.DEPARTMENT_HEAD),
    }


class BureauLeadershipForm(PeoplePickerForm):
    person_roles = {
        "bureau_head": (Role.BUREAU_HEAD,),
        "petition_leader": LEADERS,
        "members": LEADERS,
    }


class ResponsibilityRuleForm(PeoplePickerForm):
    enabled_only = ("department",)


class OwnershipPlanItemPickers(PeoplePickerForm):
    person_roles = {"leader": LEADERS}
    enabled_only = ("department",)


class OwnershipPlanForm(WagtailAdminModelForm):
    """The plan's items (an inline formset) pick leaders and departments like every picker."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        formset = self.formsets.get("items")
        if formset is not None:
            for form in [*formset.forms, formset.empty_form]:
                OwnershipPlanItemPickers.limit_pickers(form)


def _shown(value) -> str:
    if isinstance(value, bool):
        return str(_("是") if value else _("否"))
    if value in (None, ""):
        return "—"
    return str(value)


class AuditedSettingForm(WagtailAdminModelForm):
    """A bureau setting whose every change goes to the audit log with its old and new values."""

    def changes(self) -> list[dict]:
        """Each field whose saved value differs from what is being saved (read from the
        database: the form's own initial values may not have been posted back)."""
        model = type(self.instance)
        saved = model.objects.filter(pk=self.instance.pk).first() if self.instance.pk else None
        found = []
        for field in model._meta.concrete_fields:
            if field.primary_key or field.name not in self.fields:
                continue
            old = getattr(saved, field.attname) if saved is not None else None
            new = getattr(self.instance, field.attname)
            if old != new:
                found.append(
                    {
                        "field": field.name,
                        "label": str(self.fields[field.name].label),
                        "old": _shown(old),
                        "new": _shown(new),
                    }
                )
        return found

    def save(self, commit=True):
        changes = self.changes()
        instance = super().save(commit=commit)
        if changes:
            log(
                instance=instance,
                action=SETTING_CHANGED,
                user=getattr(self, "for_user", None),
                data={"changes": changes},
            )
        self.logged_changes = changes
        return instance


class BureauProfileForm(AuditedSettingForm):
    def clean_number_prefix(self) -> str:
        return (self.cleaned_data.get("number_prefix") or "").strip().upper()


class BureauRulesForm(AuditedSettingForm):
    recompute_open_deadlines = forms.BooleanField(
        label=_("同时按新选项重新计算进行中的期限"),
        required=False,
        help_text=_(
            "不勾选：新选项只用于保存之后开始计算的期限，已经开始计算的期限不变。"
            "勾选：所有进行中的期限按新选项重新计算，每个改变的期限都记入案件的办理过程。"
        ),
    )

    def save(self, commit=True):
        instance = super().save(commit=commit)
        if self.cleaned_data.get("recompute_open_deadlines"):
            user = getattr(self, "for_user", None)
            transaction.on_commit(
                lambda: bureau_rules_changed.send(
                    sender=type(instance), instance=instance, user=user, recompute=True
                ),
                robust=True,
            )
        return instance


def _month_day(day) -> str:
    return f"{day.month}月{day.day}日"


class HolidayNoticeForm(WagtailAdminModelForm):
    """A year's State Council notice: a holiday of several days is one row (起止日期), no day is
    listed twice, and a notice that leaves out a statutory holiday of《全国年节及纪念日放假办法》
    is saved only once the administrator confirms that the notice really does (A26.1)."""

    confirm_missing_holidays = forms.BooleanField(
        label=_("确认本通知确实不含未列出的法定节假日"),
        required=False,
        help_text=_(
            "通知没有列出某个法定节假日时，保存会被拒绝并列出它；"
            "核对国务院通知确实如此后，勾选此项再保存。"
        ),
    )

    def clean(self):
        data = super().clean()
        year = data.get("year")
        formset = self.formsets.get("days")
        if not year or formset is None or not formset.is_valid():
            return data
        days_off: set[dt.date] = set()
        listed: set[dt.date] = set()
        twice: list[dt.date] = []
        for form in formset.forms:
            row = form.cleaned_data
            if not row or row.get("DELETE") or not row.get("date"):
                continue
            first, last = row["date"], row.get("end_date") or row["date"]
            if first.year != year or last.year != year:
                self.add_error(
                    None,
                    _("%(day)s 不在 %(year)s 年内：每年的通知单独录入。")
                    % {"day": first if first.year != year else last, "year": year},
                )
                continue
            for n in range((last - first).days + 1):
                day = first + dt.timedelta(days=n)
                if day in listed:
                    twice.append(day)
                listed.add(day)
                if not row.get("is_working_day"):
                    days_off.add(day)
        if twice:
            self.add_error(
                None,
                _("这些日期在两行中都出现了，请只保留一行：%(days)s。")
                % {"days": "、".join(_month_day(d) for d in sorted(set(twice)))},
            )
        missing: dict[str, list] = {}
        for day, name in statutory_holidays(year).items():
            if day not in days_off:
                missing.setdefault(name, []).append(day)
        if missing and not data.get("confirm_missing_holidays"):
            self.add_error(
                "confirm_missing_holidays",
                _(
                    "本通知没有把这些法定节假日列为放假：%(days)s。请补录；"
                    "国务院通知确实如此的，勾选此项后再保存。"
                )
                % {
                    "days": "、".join(
                        f"{name}（{'、'.join(_month_day(d) for d in days)}）"
                        for name, days in missing.items()
                    )
                },
            )
        return data
