"""有奖举报 (第九条, A9.1): eligibility, amount, approval, payment, each recorded, in order."""

import datetime as dt
from decimal import Decimal

import pytest
from factories import a_category, detachment_user, make_case, person, step
from freezegun import freeze_time
from wagtail.models import ModelLogEntry

from petitions.office import rewards
from petitions.office.common import Refused
from petitions.office.models import RewardApplication
from rules.roles import Role

pytestmark = pytest.mark.django_db

Status = RewardApplication.Status


def violation_report(zhidui, **extra):
    case = make_case(received_on=dt.date(2026, 12, 1), **extra)
    return step(case, "register", zhidui, kind="violation_report", categories=[a_category()])


@freeze_time("2026-12-07 10:00:00+08:00")
def test_a9_1_a_reward_cannot_be_paid_before_it_is_approved():
    zhidui = detachment_user()
    head = person("juzhang", "赵局长", Role.BUREAU_HEAD)
    application = rewards.apply(
        violation_report(zhidui), applied_on=dt.date(2026, 12, 7), user=zhidui
    )
    payment = {"paid_on": dt.date(2026, 12, 7), "method": "bank_transfer", "reference": "YH-001"}
    with pytest.raises(Refused, match="尚未经领导审批"):
        rewards.pay(application, user=zhidui, **payment)
    application = rewards.check_eligibility(
        application,
        eligible=True,
        reason="线索属实，查处到位。",
        amount=Decimal("2000"),
        user=zhidui,
    )
    with pytest.raises(Refused, match="尚未经领导审批"):
        rewards.pay(application, user=zhidui, **payment)
    application.refresh_from_db()
    assert application.status == Status.ELIGIBLE and application.paid_on is None
    # The detachment does not approve; a leader does.
    with pytest.raises(Refused, match="局领导审批"):
        rewards.approve(application, user=zhidui)
    application = rewards.approve(application, user=head)
    application = rewards.pay(application, user=zhidui, **payment)
    assert application.status == Status.PAID
    assert (application.paid_on, application.payment_method, application.payment_reference) == (
        dt.date(2026, 12, 7),
        "bank_transfer",
        "YH-001",
    )
    steps = list(
        ModelLogEntry.objects.filter(content_type__model="rewardapplication")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert steps == [
        "office.reward_applied",
        "office.reward_checked",
        "office.reward_approved",
        "office.reward_paid",
    ]
    with pytest.raises(Refused, match="已发放"):
        rewards.change_amount(application, amount=Decimal("3000"), reason="复核", user=zhidui)


@freeze_time("2026-12-07 10:00:00+08:00")
def test_a9_1_a_refusal_gives_its_reason_and_ends_the_application():
    zhidui = detachment_user()
    application = rewards.apply(
        violation_report(zhidui), applied_on=dt.date(2026, 12, 7), user=zhidui
    )
    with pytest.raises(Refused, match="写明理由"):
        rewards.check_eligibility(application, eligible=False, reason=" ", amount=None, user=zhidui)
    with pytest.raises(Refused, match="奖励金额"):
        rewards.check_eligibility(application, eligible=True, reason="", amount=None, user=zhidui)
    application = rewards.check_eligibility(
        application,
        eligible=False,
        reason="举报事项此前已被查处，不属首次举报。",
        amount=None,
        user=zhidui,
    )
    assert application.status == Status.INELIGIBLE
    assert application.eligibility_reason == "举报事项此前已被查处，不属首次举报。"
    with pytest.raises(Refused, match="不符合奖励条件"):
        rewards.approve(application, user=person("juzhang", "赵局长", Role.BUREAU_HEAD))


@freeze_time("2026-12-07 10:00:00+08:00")
def test_a9_1_after_approval_the_amount_changes_only_with_a_recorded_reason():
    zhidui = detachment_user()
    head = person("juzhang", "赵局长", Role.BUREAU_HEAD)
    application = rewards.apply(
        violation_report(zhidui), applied_on=dt.date(2026, 12, 7), user=zhidui
    )
    application = rewards.check_eligibility(
        application, eligible=True, reason="", amount=Decimal("1000"), user=zhidui
    )
    application = rewards.change_amount(application, amount=Decimal("1200"), reason="", user=zhidui)
    application = rewards.approve(application, user=head)
    with pytest.raises(Refused, match="须写明理由"):
        rewards.change_amount(application, amount=Decimal("1500"), reason="", user=zhidui)
    application.refresh_from_db()
    assert application.amount == Decimal("1200")
    application = rewards.change_amount(
        application, amount=Decimal("1500"), reason="按实施方案第八条上调。", user=zhidui
    )
    changes = list(application.amount_changes.values_list("old_amount", "new_amount", "reason"))
    assert changes == [
        (None, Decimal("1000"), ""),
        (Decimal("1000"), Decimal("1200"), ""),
        (Decimal("1200"), Decimal("1500"), "按实施方案第八条上调。"),
    ]


@freeze_time("2026-12-07 10:00:00+08:00")
def test_a9_1_only_a_report_of_a_violation_carries_a_reward_and_only_once():
    zhidui = detachment_user()
    pollution = step(
        make_case(received_on=dt.date(2026, 12, 1)),
        "register",
        zhidui,
        kind="pollution",
        categories=[a_category()],
    )
    with pytest.raises(Refused, match="检举、揭发、控告"):
        rewards.apply(pollution, applied_on=dt.date(2026, 12, 7), user=zhidui)
    case = violation_report(zhidui)
    rewards.apply(case, applied_on=dt.date(2026, 12, 7), user=zhidui)
    with pytest.raises(Refused, match="已有"):
        rewards.apply(case, applied_on=dt.date(2026, 12, 7), user=zhidui)
    with pytest.raises(Refused):
        rewards.apply(
            case, applied_on=dt.date(2026, 12, 7), user=person("jb", "孙经办", Role.HANDLER)
        )


@freeze_time("2026-12-07 10:00:00+08:00")
def test_a9_1_the_years_rewards_by_state_and_the_reporter_never_on_the_reward_pages(client):
    zhidui = detachment_user()
    head = person("juzhang", "赵局长", Role.BUREAU_HEAD)
    paid = rewards.apply(violation_report(zhidui), applied_on=dt.date(2026, 12, 1), user=zhidui)
    paid = rewards.check_eligibility(
        paid, eligible=True, reason="", amount=Decimal("500"), user=zhidui
    )
    paid = rewards.approve(paid, user=head)
    rewards.pay(paid, paid_on=dt.date(2026, 12, 7), method="cash", reference="XJ-9", user=zhidui)
    pending = rewards.apply(violation_report(zhidui), applied_on=dt.date(2026, 12, 2), user=zhidui)
    refused = rewards.apply(violation_report(zhidui), applied_on=dt.date(2026, 12, 3), user=zhidui)
    rewards.check_eligibility(
        refused, eligible=False, reason="匿名且无法核实。", amount=None, user=zhidui
    )
    report = rewards.year_report(zhidui, 2026)
    counts = {row.status: (row.count, row.total) for row in report["rows"]}
    assert counts[Status.PAID] == (1, Decimal("500"))
    assert counts[Status.APPLIED] == (1, Decimal("0"))
    assert counts[Status.INELIGIBLE] == (1, Decimal("0"))
    assert counts[Status.APPROVED] == (0, Decimal("0"))
    assert report["count"] == 3 and report["paid_total"] == Decimal("500")
    assert rewards.year_report(zhidui, 2025)["count"] == 0
    client.force_login(zhidui)
    listing = client.get("/admin/office/rewards/?year=2026").content.decode()
    detail = client.get(f"/admin/office/rewards/{pending.pk}/").content.decode()
    for page in (listing, detail):
        assert "张三" not in page and "13812340000" not in page
    assert pending.case.number in listing
