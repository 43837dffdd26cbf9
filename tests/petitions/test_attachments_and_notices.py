"""Attachments in private storage, and printable notices (A15.1, A14.5, A15.2, A24.3)."""

import datetime as dt

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from factories import (
    UserFactory,
    a_category,
    detachment_user,
    direct_channel,
    make_case,
    step,
    superior_channel,
)

from petitions.models import Attachment, Case

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _intake(client, **extra):
    data = {
        "channel": direct_channel().pk,
        "petitioner_name": "王五",
        "petitioner_phone": "13800001234",
        "place": "九龙坡区石坪桥",
        "description": "工厂夜间排放黑烟",
        "kind": "pollution",
    }
    data.update(extra)
    return client.post("/admin/cases/new/", data)


def test_a13_1_a_photo_filed_at_intake_is_private_and_served_only_to_staff(client):
    client.force_login(detachment_user())
    response = _intake(client, attachment=SimpleUploadedFile("现场.png", PNG, "image/png"))
    assert response.status_code == 302
    attachment = Attachment.objects.get()
    assert attachment.content_type == "image/png" and attachment.original_name == "现场.png"
    path = attachment.file.path
    assert path.startswith(str(settings.PRIVATE_FILES_ROOT))
    assert not path.startswith(str(settings.MEDIA_ROOT))
    assert "现场" not in path  # server-generated names only
    url = f"/admin/cases/{attachment.case_id}/attachment/{attachment.pk}/"
    download = client.get(url)
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")
    assert b"".join(download.streaming_content) == PNG
    client.logout()
    assert client.get(url).status_code in {302, 403}


def test_a13_1_a_disguised_file_is_refused_and_nothing_is_filed(client):
    client.force_login(detachment_user())
    fake = SimpleUploadedFile("photo.jpg", b"<?php system($_GET['c']); ?>", "image/jpeg")
    response = _intake(client, attachment=fake)
    assert response.status_code == 200
    assert "不是照片（JPEG、PNG）或 PDF 文件" in response.content.decode()
    assert Case.objects.count() == 0 and Attachment.objects.count() == 0


def test_a15_1_acceptance_notice_prints_the_reply_due_date(client):
    user = detachment_user()
    client.force_login(user)
    case = step(
        make_case(received_on=dt.date(2026, 4, 1)),
        "register",
        user,
        kind="pollution",
        categories=[a_category()],
    )
    assert client.get(f"/admin/cases/{case.pk}/notice/acceptance/").status_code == 404
    step(case, "accept", user, accepted_on=dt.date(2026, 4, 1), notice_method="on_the_spot")
    page = client.get(f"/admin/cases/{case.pk}/notice/acceptance/").content.decode()
    assert "受理告知书" in page and case.number in page and "2026年5月1日" in page
    assert "张三" in page  # addressed to the petitioner


def test_a24_3_the_objection_letter_to_the_superior_never_carries_the_petitioner(client):
    user = detachment_user()
    client.force_login(user)
    case = make_case(channel=superior_channel(), source_ticket_number="12345-88")
    case = step(case, "register", user, kind="superior", categories=[a_category()])
    case = step(case, "object", user, objection_reasons="属公安机关管辖的社会生活噪声。")
    page = client.get(f"/admin/cases/{case.pk}/notice/objection/").content.decode()
    assert "异议函" in page and "12345-88" in page and "属公安机关管辖" in page
    assert "张三" not in page and "13812340000" not in page


def test_a14_4_outside_remit_notice_names_the_competent_agency(client):
    user = detachment_user()
    client.force_login(user)
    case = step(make_case(), "register", user, kind="pollution", categories=[a_category()])
    case = step(
        case,
        "refer",
        user,
        competent_agency="九龙坡区城市管理局",
        agency_contact="12319",
        guidance="露天烧烤油烟请向城管部门反映。",
    )
    page = client.get(f"/admin/cases/{case.pk}/notice/referral/").content.decode()
    assert "九龙坡区城市管理局" in page and "12319" in page


def test_a2_1_the_case_page_offers_only_the_steps_this_user_may_take(client):
    from rules.roles import Role

    user = detachment_user()
    case = step(make_case(), "register", user, kind="pollution", categories=[a_category()])
    handler = UserFactory(username="jingban2", roles=[Role.HANDLER])
    client.force_login(handler)
    # Not dispatched to the handler's department: outside their scope altogether.
    response = client.get(f"/admin/cases/inspect/{case.pk}/")
    assert (response.status_code, response.get("Location")) in {(403, None), (302, "/admin/")}
    client.force_login(user)
    page = client.get(f"/admin/cases/inspect/{case.pk}/").content.decode()
    for name in ("accept", "decline", "refer", "void", "record_recusal"):
        assert f'data-step="{name}"' in page
    assert 'data-step="reply"' not in page and 'data-step="draft_reply"' not in page
    # Steps that do not apply to this case are not offered at all: a direct petition is never
    # "objected" (A15.2), and it has no possible major social impact to report.
    for name in ("object", "record_impact_report"):
        assert f'data-step="{name}"' not in page and f'data-closed-step="{name}"' not in page


def test_a13_1_a_group_visit_registers_every_named_petitioner(client):
    client.force_login(detachment_user())
    response = _intake(
        client,
        is_group_visit="on",
        visitor_count="6",
        other_petitioners="李四 13900001111\n赵六\n\n",
    )
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.is_group_visit and case.visitor_count == 6
    assert list(case.petitioners.values_list("name", "phone")) == [
        ("王五", "13800001234"),
        ("李四", "13900001111"),
        ("赵六", ""),
    ]
    bad = _intake(client, other_petitioners="钱七 12345")
    assert "第1行的电话号码无效" in bad.content.decode()
