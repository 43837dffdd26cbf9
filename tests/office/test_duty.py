"""值班值守 (第十二条): the roster (A12.1) and the call log (A12.2)."""

import datetime as dt

import pytest
from django.utils import timezone
from factories import detachment_user, direct_channel, duty_team, person
from freezegun import freeze_time
from wagtail.models import ModelLogEntry

from petitions.cases.access import can_view
from petitions.cases.models import Alert, Case
from petitions.office import duty
from petitions.office.common import Refused
from petitions.office.models import DutyCall, DutyKind, DutyShift, RecordDeletionForbidden
from petitions.office.sweep import run_office_sweep
from rules.roles import Role
from rules.states import State

pytestmark = pytest.mark.django_db


def at(day: str, time: str = "08:30") -> dt.datetime:
    return timezone.make_aware(dt.datetime.fromisoformat(f"{day} {time}"))


def office_clerk():
    return person("bangongshi", "周办公", Role.OFFICE)


def regular(start: dt.datetime, officers, **extra) -> duty.ShiftPlan:
    return duty.ShiftPlan(
        kind=DutyShift.Kind.REGULAR,
        starts_at=start,
        ends_at=start + dt.timedelta(hours=24),
        officers=officers,
        **extra,
    )


def a_shift(start: dt.datetime, team=None) -> DutyShift:
    team = team or duty_team()
    return duty.save_shift(
        regular(start, [team["zhang"], team["li"], team["wang"]]), user=office_clerk()
    )


def call_data(received_at: dt.datetime, **extra) -> duty.CallData:
    return duty.CallData(
        received_at=received_at,
        caller_phone="13912345678",
        caller_name="陈来电",
        demand="工地施工噪声很大。",
        place="九龙坡区石坪桥正街",
        **extra,
    )


# --- A12.1 the roster -------------------------------------------------------------------------


def test_a12_1_a_shift_with_one_enforcement_officer_is_refused_with_its_message():
    team = duty_team()
    with pytest.raises(Refused) as refused:
        duty.save_shift(
            regular(at("2026-12-07"), [team["zhang"], team["wang"]]), user=office_clerk()
        )
    assert "执法人员只有1名，至少需要2名" in refused.value.message
    assert "第十二条" in refused.value.message
    assert DutyShift.objects.count() == 0


def test_a12_1_a_shift_without_monitoring_staff_is_refused_saying_so():
    team = duty_team()
    with pytest.raises(Refused) as refused:
        duty.save_shift(
            regular(at("2026-12-07"), [team["zhang"], team["li"], team["zhao"]]),
            user=office_clerk(),
        )
    assert "没有监测人员，至少需要1名" in refused.value.message
    assert "执法人员" not in refused.value.message.split("（")[0]


def test_a12_1_a_regular_shift_lasts_24_hours_and_regular_shifts_do_not_overlap():
    team = duty_team()
    officers = [team["zhang"], team["li"], team["wang"]]
    clerk = office_clerk()
    with pytest.raises(Refused, match="常规班次为24小时"):
        duty.save_shift(
            duty.ShiftPlan(
                DutyShift.Kind.REGULAR, at("2026-12-07"), at("2026-12-07", "20:30"), officers
            ),
            user=clerk,
        )
    duty.save_shift(regular(at("2026-12-07"), officers), user=clerk)
    with pytest.raises(Refused, match="重叠"):
        duty.save_shift(regular(at("2026-12-07", "20:00"), officers), user=clerk)


def test_a12_1_an_extra_shift_for_a_sensitive_period_overlaps_the_regular_one():
    team = duty_team()
    clerk = office_clerk()
    a_shift(at("2026-12-07"), team)
    extra = duty.ShiftPlan(
        kind=DutyShift.Kind.EXTRA,
        starts_at=at("2026-12-07", "18:00"),
        ends_at=at("2026-12-08", "02:00"),
        officers=[team["zhao"], team["li"], team["wang"]],
    )
    with pytest.raises(Refused, match="敏感时段的事由"):
        duty.save_shift(extra, user=clerk)
    extra.reason = "元旦前夜烟花爆竹燃放高峰"
    shift = duty.save_shift(extra, user=clerk)
    assert shift.kind == DutyShift.Kind.EXTRA
    assert (
        DutyShift.objects.filter(starts_at__lt=shift.ends_at, ends_at__gt=shift.starts_at).count()
        == 2
    )
    # Extra shifts follow 第十二条 too.
    extra_short = duty.ShiftPlan(
        DutyShift.Kind.EXTRA,
        at("2026-12-07", "19:00"),
        at("2026-12-07", "23:00"),
        [team["wang"]],
        reason="演唱会散场",
    )
    with pytest.raises(Refused, match="没有执法人员"):
        duty.save_shift(extra_short, user=clerk)


def test_a12_1_a_week_is_entered_at_once_all_or_nothing_and_its_gaps_are_shown():
    team = duty_team()
    clerk = office_clerk()
    monday = dt.date(2026, 12, 7)
    full = [team["zhang"], team["li"], team["wang"]]
    days = [duty.DayPlan(monday + dt.timedelta(days=i), full) for i in range(7)]
    days[3] = duty.DayPlan(monday + dt.timedelta(days=3), [team["zhang"], team["wang"]])
    with pytest.raises(duty.WeekRefused) as refused:
        duty.save_week(days, user=clerk)
    assert list(refused.value.by_day) == [dt.date(2026, 12, 10)]
    assert "执法人员只有1名" in refused.value.by_day[dt.date(2026, 12, 10)][0]
    assert DutyShift.objects.count() == 0  # nothing saved

    days[3] = duty.DayPlan(monday + dt.timedelta(days=3), [])  # Thursday left open
    saved = duty.save_week(days, user=clerk)
    assert len(saved) == 6
    start = duty.regular_start(monday)
    gaps = duty.cover_gaps(start, start + dt.timedelta(days=7))
    assert gaps == [(at("2026-12-10"), at("2026-12-11"))]
    # Saving the same week again changes nothing and logs nothing new.
    entries = ModelLogEntry.objects.count()
    duty.save_week(days, user=clerk)
    assert ModelLogEntry.objects.count() == entries


def test_a12_1_only_the_office_or_the_detachment_plans_and_an_administrator_keeps_the_kinds():
    team = duty_team()
    handler = person("jingban", "孙经办", Role.HANDLER)
    with pytest.raises(Refused):
        duty.save_shift(regular(at("2026-12-07"), list(team.values())), user=handler)
    with pytest.raises(Refused, match="系统管理员"):
        duty.set_duty_kind(handler, DutyKind.MONITORING, by=office_clerk())
    admin = person("guanliyuan", "钱管理", Role.ADMINISTRATOR)
    officer = duty.set_duty_kind(handler, DutyKind.MONITORING, by=admin)
    assert officer.kind == DutyKind.MONITORING
    duty.set_duty_kind(handler, DutyKind.ENFORCEMENT, by=admin)
    officer.refresh_from_db()
    assert officer.kind == DutyKind.ENFORCEMENT
    assert ModelLogEntry.objects.filter(action="office.duty_officer").count() == 2


# --- A12.2 the call log -----------------------------------------------------------------------


@freeze_time("2026-12-07 23:50:00+08:00")
def test_a12_2_an_urgent_night_noise_call_without_a_call_back_is_flagged():
    team = duty_team()
    shift = a_shift(at("2026-12-07"), team)
    officer = team["zhang"].user
    call = duty.record_call(
        shift, call_data(at("2026-12-07", "23:10"), construction_noise=True), user=officer
    )
    assert call.urgent
    assert call.urgent_reasons == ["夜间施工噪声（22:00至次日6:00）"]
    assert call.open_items == ["未现场核实", "未回复来电人"]
    call = duty.record_verification(
        call, at=at("2026-12-07", "23:40"), notes="现场核实，已责令停工。", user=officer
    )
    assert call.urgent_incomplete and call.open_items == ["未回复来电人"]
    assert DutyCall.objects.filter(duty.open_call_q()).get() == call

    # The shift ends with the call back still missing: flagged to the detachment and the staff.
    detachment = detachment_user()
    result = run_office_sweep(now=at("2026-12-08", "08:31"))
    assert result["duty_calls_flagged"] == 1
    alerts = Alert.objects.filter(key=f"duty_call:{call.pk}")
    assert set(alerts.values_list("recipient__username", flat=True)) == {
        detachment.username,
        "zhifa_zhang",
        "zhifa_li",
        "jiance_wang",
    }
    assert "未回复来电人" in alerts.first().message
    assert alerts.first().case is None and alerts.first().link.endswith(f"/{shift.pk}/")
    # Once only.
    assert run_office_sweep(now=at("2026-12-08", "09:00"))["duty_calls_flagged"] == 0
    assert alerts.count() == 4


@freeze_time("2026-12-07 15:00:00+08:00")
def test_a12_2_construction_noise_by_day_is_not_urgent_but_strong_reaction_is():
    team = duty_team()
    shift = a_shift(at("2026-12-07"), team)
    officer = team["li"].user
    day_noise = duty.record_call(
        shift, call_data(at("2026-12-07", "14:00"), construction_noise=True), user=officer
    )
    assert not day_noise.urgent and day_noise.open_items == ["未转支队登记"]
    angry = duty.record_call(
        shift, call_data(at("2026-12-07", "14:30"), strong_reaction=True), user=officer
    )
    crowd = duty.record_call(
        shift, call_data(at("2026-12-07", "14:40"), mass_incident_risk=True), user=officer
    )
    assert angry.urgent and crowd.urgent
    early = duty.record_call(
        shift, call_data(at("2026-12-07", "08:40"), construction_noise=True), user=officer
    )
    assert not early.urgent


@freeze_time("2026-12-07 10:00:00+08:00")
def test_a12_2_a_handed_call_becomes_a_numbered_case_and_the_number_links_both_ways():
    direct_channel()
    team = duty_team()
    detachment = detachment_user()
    shift = a_shift(at("2026-12-07"), team)
    officer = team["zhang"].user
    call = duty.record_call(shift, call_data(at("2026-12-07", "09:15")), user=officer)
    case = duty.hand_over(call, user=officer)
    call.refresh_from_db()
    assert call.case == case and case.duty_call == call
    assert case.number.startswith("JLPXF")
    assert case.state == State.RECEIVED and case.channel.code == "phone"
    assert case.received_at == call.received_at
    assert case.petitioners.get().phone == "13912345678"
    assert case.deadlines.filter(rule="acceptance_direct").exists()
    # The duty officer registered it, so keeps seeing it; the detachment is told.
    assert case.created_by == officer and can_view(officer, case)
    assert Alert.objects.get(case=case, kind=Alert.Kind.DUTY_CALL).recipient == detachment
    actions = list(
        ModelLogEntry.objects.filter(object_id=str(case.pk), content_type__model="case")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["petitions.file", "office.duty_call_handed_over"]
    with pytest.raises(Refused, match=case.number):
        duty.hand_over(call, user=officer)
    assert Case.objects.count() == 1
    # A handed call is not flagged at the end of the shift.
    assert run_office_sweep(now=at("2026-12-08", "09:00"))["duty_calls_flagged"] == 0


@freeze_time("2026-12-07 10:00:00+08:00")
def test_a12_2_an_unhanded_call_is_flagged_at_the_end_of_its_shift_and_not_before():
    team = duty_team()
    shift = a_shift(at("2026-12-07"), team)
    call = duty.record_call(shift, call_data(at("2026-12-07", "09:20")), user=team["wang"].user)
    detachment = detachment_user()
    assert run_office_sweep(now=at("2026-12-08", "08:00"))["duty_calls_flagged"] == 0
    assert run_office_sweep(now=at("2026-12-08", "08:30"))["duty_calls_flagged"] == 1
    call.refresh_from_db()
    assert call.flagged_at is not None
    alert = Alert.objects.get(key=f"duty_call:{call.pk}", recipient=detachment)
    assert "未转支队登记" in alert.message


@freeze_time("2026-12-07 10:00:00+08:00")
def test_a12_2_only_the_shifts_staff_or_the_detachment_log_calls_and_others_see_the_phone_masked():
    team = duty_team()
    shift = a_shift(at("2026-12-07"), team)
    other_duty = person("zhiban_other", "吴值班", Role.DUTY)
    with pytest.raises(Refused):
        duty.record_call(shift, call_data(at("2026-12-07", "09:20")), user=other_duty)
    with pytest.raises(Refused, match="不在本班次内"):
        duty.record_call(shift, call_data(at("2026-12-06", "09:20")), user=team["li"].user)
    duty.record_call(shift, call_data(at("2026-12-07", "09:20")), user=team["li"].user)
    assert duty.calls_as_seen(shift, team["li"].user)[0]["phone"] == "13912345678"
    assert duty.calls_as_seen(shift, detachment_user())[0]["phone"] == "13912345678"
    office = duty.calls_as_seen(shift, office_clerk())[0]
    assert office["phone"] == "139****5678" and office["name"] == "陈**"
    # The audit log never holds the full number either.
    entry = ModelLogEntry.objects.get(action="office.duty_call")
    assert "13912345678" not in str(entry.data)


@freeze_time("2026-12-07 10:00:00+08:00")
def test_a12_2_the_duty_officers_dashboard_shows_the_shift_its_calls_and_what_is_left():
    direct_channel()
    team = duty_team()
    shift = a_shift(at("2026-12-07"), team)
    officer = team["zhang"].user
    handed = duty.record_call(shift, call_data(at("2026-12-07", "09:00")), user=officer)
    duty.hand_over(handed, user=officer)
    left = duty.record_call(shift, call_data(at("2026-12-07", "09:30")), user=officer)
    board = duty.shifts_of(officer, timezone.now())
    assert board["current"] == [shift]
    assert board["pending"] == [left]


def test_a12_2_duty_records_are_never_deleted():
    team = duty_team()
    shift = a_shift(at("2026-12-07"), team)
    with pytest.raises(RecordDeletionForbidden):
        shift.delete()
    with pytest.raises(RecordDeletionForbidden):
        DutyShift.objects.all().delete()
    with pytest.raises(RecordDeletionForbidden):
        team["zhang"].delete()
