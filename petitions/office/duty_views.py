"""值班 screens: the week's roster (office, detachment), a shift and its call log (duty staff),
extra shifts for sensitive periods, and the list of duty staff with their kind (administrator)."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _

from petitions.cases.people import display_name
from petitions.office import duty
from petitions.office.common import Refused
from petitions.office.forms import (
    CallForm,
    CallStepForm,
    DutyOfficerForm,
    ExtraShiftForm,
    RosterDayForm,
)
from petitions.office.models import DutyCall, DutyKind, DutyOfficer, DutyShift
from petitions.office.views import OfficePage, history_of

WEEKDAYS = [
    _("星期一"),
    _("星期二"),
    _("星期三"),
    _("星期四"),
    _("星期五"),
    _("星期六"),
    _("星期日"),
]


class DutyOverviewView(OfficePage):
    """值班: my shift now or next, what is still to hand over, and the shifts of this week."""

    template_name = "office/duty_overview.html"
    page_title = _("值班值守")
    header_icon = "time"

    def may_view(self, user):
        return duty.may_view_duty(user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        now = timezone.now()
        monday = duty.week_of(timezone.localdate())
        start = duty.regular_start(monday, dt.time(0, 0))
        end = start + dt.timedelta(days=7)
        context.update(
            mine=duty.shifts_of(self.request.user, now),
            may_plan=duty.may_plan_roster(self.request.user),
            week_shifts=DutyShift.objects.filter(starts_at__lt=end, ends_at__gt=start)
            .select_related("leader")
            .prefetch_related("officers__user"),
            now=now,
        )
        return context


class RosterWeekView(OfficePage):
    """A week's roster in one screen (A12.1): a 24-hour shift per day from the handover time;
    a day that breaks 第十二条 is refused with what it lacks; gaps in the cover are shown."""

    template_name = "office/roster_week.html"
    page_title = _("值班排班")
    header_icon = "date"

    def may_view(self, user):
        return duty.may_view_duty(user)

    def load(self):
        raw = self.request.GET.get("week") or self.request.POST.get("week")
        try:
            day = dt.date.fromisoformat(raw) if raw else timezone.localdate()
        except ValueError:
            day = timezone.localdate()
        self.monday = duty.week_of(day)
        self.days = [self.monday + dt.timedelta(days=i) for i in range(7)]

    def existing(self) -> dict[dt.date, DutyShift]:
        shifts = DutyShift.objects.filter(
            kind=DutyShift.Kind.REGULAR,
            starts_at__gte=duty.regular_start(self.monday, dt.time(0, 0)),
            starts_at__lt=duty.regular_start(self.days[-1] + dt.timedelta(days=1), dt.time(0, 0)),
        ).prefetch_related("officers")
        return {timezone.localtime(s.starts_at).date(): s for s in shifts}

    def day_forms(self, data=None) -> list[RosterDayForm]:
        existing = self.existing()
        found = []
        for day in self.days:
            shift = existing.get(day)
            initial = {}
            if shift is not None:
                officers = list(shift.officers.all())
                initial = {
                    "enforcement": [o.pk for o in officers if o.kind == DutyKind.ENFORCEMENT],
                    "monitoring": [o.pk for o in officers if o.kind == DutyKind.MONITORING],
                    "leader": shift.leader_id,
                }
            form = RosterDayForm(data, day=day, prefix=f"d{day:%Y%m%d}", initial=initial)
            form.shift = shift
            form.weekday = WEEKDAYS[day.weekday()]
            found.append(form)
        return found

    def get_context_data(self, **kwargs):
        rows = kwargs.pop("day_forms", None) or self.day_forms()
        problems = kwargs.pop("problems", {})
        context = super().get_context_data(**kwargs)
        start = duty.regular_start(self.monday, dt.time(0, 0))
        end = start + dt.timedelta(days=7)
        for form in rows:
            form.problems = problems.get(form.day, [])
        context.update(
            monday=self.monday,
            previous_week=self.monday - dt.timedelta(days=7),
            next_week=self.monday + dt.timedelta(days=7),
            day_forms=rows,
            # The roster's week runs from Monday's handover to the next Monday's.
            gaps=duty.cover_gaps(
                duty.regular_start(self.monday),
                duty.regular_start(self.days[-1] + dt.timedelta(days=1)),
            ),
            extra_shifts=DutyShift.objects.filter(
                kind=DutyShift.Kind.EXTRA, starts_at__lt=end, ends_at__gt=start
            ).prefetch_related("officers__user"),
            handover=duty.handover_time(),
            may_plan=duty.may_plan_roster(self.request.user),
            no_officers=not DutyOfficer.objects.filter(active=True).exists(),
        )
        return context

    def post(self, request, *args, **kwargs):
        if not duty.may_plan_roster(request.user):
            raise PermissionDenied
        rows = self.day_forms(request.POST)
        if not all(f.is_valid() for f in rows):
            messages.error(request, _g("请更正下面标出的错误。"))
            return self.render_to_response(self.get_context_data(day_forms=rows))
        plans = [
            duty.DayPlan(day=f.day, officers=f.officers, leader=f.cleaned_data["leader"])
            for f in rows
        ]
        try:
            duty.save_week(plans, user=request.user)
        except duty.WeekRefused as refused:
            messages.error(request, refused.messages[0])
            return self.render_to_response(
                self.get_context_data(day_forms=rows, problems=refused.by_day)
            )
        except Refused as refused:
            messages.error(request, refused.message)
            return self.render_to_response(self.get_context_data(day_forms=rows))
        messages.success(request, _g("本周排班已保存。"))
        return redirect(f"{reverse('office:roster')}?week={self.monday.isoformat()}")


class ExtraShiftView(OfficePage):
    """增设班次 for a sensitive period (敏感时段)."""

    template_name = "office/form_page.html"
    page_title = _("增设敏感时段班次")
    header_icon = "date"
    actions = {"extra": _("增设班次")}

    def may_view(self, user):
        return duty.may_plan_roster(user)

    def form_extra(self, data=None, prefix=None):
        return ExtraShiftForm(data, prefix=prefix)

    def act_extra(self, form):
        d = form.cleaned_data
        shift = duty.save_shift(
            duty.ShiftPlan(
                kind=DutyShift.Kind.EXTRA,
                starts_at=d["starts_at"],
                ends_at=d["ends_at"],
                officers=form.officers,
                leader=d["leader"],
                reason=d["reason"],
            ),
            user=self.request.user,
        )
        return reverse("office:duty_shift", args=[shift.pk])


class ShiftView(OfficePage):
    """A shift and its call log (A12.2): log a call, record the visit and the call back of an
    urgent one, hand another to the detachment; what is still open is marked."""

    template_name = "office/duty_shift.html"
    header_icon = "time"
    actions = {
        "call": _("记录来电"),
        "verify": _("记录现场核实"),
        "callback": _("记录回复来电人"),
        "handover": _("转支队登记"),
    }

    def load(self):
        self.shift = get_object_or_404(
            DutyShift.objects.select_related("leader"), pk=self.kwargs["pk"]
        )

    def may_view(self, user):
        return duty.may_view_duty(user) or duty.on_shift(user, self.shift)

    #: Actions on one call: their forms are per call (prefix "verify-12"), posted with its id.
    PER_CALL = ("verify", "callback", "handover")

    def get_page_title(self):
        return _g("值班班次 %(shift)s") % {"shift": self.shift}

    @cached_property
    def may_take(self) -> bool:
        return duty.may_take_calls(self.request.user, self.shift)

    def available_actions(self):
        return ["call"] if self.may_take else []

    def accepts(self, name):
        return self.may_take and name in self.actions

    def make_form(self, name, data=None, call: DutyCall | None = None):
        if name not in self.PER_CALL:
            return super().make_form(name, data)
        call_id = call.pk if call is not None else self.request.POST.get("call", "")
        return getattr(self, f"form_{name}")(data=data, prefix=f"{name}-{call_id}")

    def call_forms(self, call: DutyCall) -> dict:
        """The forms of one call's remaining steps; the one just posted keeps its errors."""
        wanted = []
        if call.urgent and call.verified_at is None:
            wanted.append("verify")
        if call.urgent and call.called_back_at is None:
            wanted.append("callback")
        if call.case_id is None:
            wanted.append("handover")
        posted = self.request.POST.get("call", "") if self.request.method == "POST" else ""
        found = {}
        for name in wanted:
            bound = self.bound.get(name) if posted == str(call.pk) else None
            found[name] = bound or self.make_form(name, call=call)
        return found

    def call(self) -> DutyCall:
        pk = self.request.POST.get("call", "")
        if not pk.isdigit():
            raise Http404
        return get_object_or_404(self.shift.calls, pk=int(pk))

    def form_call(self, data=None, prefix=None):
        return CallForm(data, prefix=prefix)

    def form_verify(self, data=None, prefix=None):
        return CallStepForm(
            data, prefix=prefix, at_label=_("现场核实时间"), notes_label=_("现场核实处置情况")
        )

    def form_callback(self, data=None, prefix=None):
        return CallStepForm(
            data, prefix=prefix, at_label=_("回复来电人时间"), notes_label=_("回复内容")
        )

    def form_handover(self, data=None, prefix=None):
        return forms.Form(data, prefix=prefix)  # no fields: the button and the call

    def here(self):
        return reverse("office:duty_shift", args=[self.shift.pk])

    def act_call(self, form):
        duty.record_call(self.shift, duty.CallData(**form.cleaned_data), user=self.request.user)
        return self.here()

    def act_verify(self, form):
        d = form.cleaned_data
        duty.record_verification(self.call(), at=d["at"], notes=d["notes"], user=self.request.user)
        return self.here()

    def act_callback(self, form):
        d = form.cleaned_data
        duty.record_call_back(self.call(), at=d["at"], notes=d["notes"], user=self.request.user)
        return self.here()

    def act_handover(self, form):
        case = duty.hand_over(self.call(), user=self.request.user)
        self.handed_number = case.number
        return self.here()

    def success_message(self, name):
        if name == "handover":
            return _g("已转支队登记，案件编号 %(number)s。") % {"number": self.handed_number}
        return super().success_message(name)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        calls = duty.calls_as_seen(self.shift, self.request.user)
        if self.may_take:
            for row in calls:
                row["forms"] = self.call_forms(row["call"])
        officers = list(self.shift.officers.select_related("user"))
        context.update(
            shift=self.shift,
            calls=calls,
            open_calls=[row for row in calls if row["call"].open_items],
            officers=officers,
            composition=duty.composition_problem(officers),
            leader_name=display_name(self.shift.leader),
            ended=self.shift.ends_at <= timezone.now(),
            may_take=self.may_take,
            history=history_of(self.shift),
        )
        return context


class DutyOfficersView(OfficePage):
    """值班人员类别: who may be put on the roster, as enforcement or monitoring staff."""

    template_name = "office/duty_officers.html"
    page_title = _("值班人员类别")
    header_icon = "user"
    actions = {"officer": _("保存")}

    def may_view(self, user):
        return duty.may_keep_officers(user) or duty.may_plan_roster(user)

    def available_actions(self):
        return ["officer"] if duty.may_keep_officers(self.request.user) else []

    def form_officer(self, data=None, prefix=None):
        return DutyOfficerForm(data, prefix=prefix)

    def act_officer(self, form):
        d = form.cleaned_data
        duty.set_duty_kind(d["user"], d["kind"], active=d["active"], by=self.request.user)
        return reverse("office:duty_officers")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["officers"] = DutyOfficer.objects.select_related("user")
        return context
