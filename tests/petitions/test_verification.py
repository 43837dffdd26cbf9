"""The verification record (核查, 第六条, A6.3), attachments added at any stage, and the reply
that draws on them: no draft goes to approval without a verification, nor with the template's
instructions left in it; the approvals and the issue show the text with its changes (A17.1)."""

import datetime as dt

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from factories import (
    PNG,
    DepartmentFactory,
    UserFactory,
    a_category,
    detachment_user,
    make_case,
    record_verification,
    step,
)
from freezegun import freeze_time
from wagtail.models import ModelLogEntry

from petitions.models import Attachment, Case, ReplyDraft, Verification
from rules.roles import Role
from rules.states import State
from rules.transitions import TransitionRefused
from snippets.models import MessageTemplate

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]

TEMPLATE_INSTRUCTION = "（诉求合理的，说明解决情况；诉求无理的，说明理由和依据）"


@pytest.fixture
def frozen():
    with freeze_time("2026-03-10 10:00:00+08:00"):
        yield


@pytest.fixture
def people():
    head = UserFactory(username="head_v", roles=[Role.DEPARTMENT_HEAD])
    leader = UserFactory(username="leader_v", roles=[Role.SUPERVISING_LEADER])
    handler = UserFactory(username="handler_v", first_name="王五", roles=[Role.HANDLER])
    dept = DepartmentFactory(name="大气环境管理科", head=head, supervising_leader=leader)
    dept.staff.add(handler)
    return {
        "head": head,
        "leader": leader,
        "handler": handler,
        "dept": dept,
        "detachment": detachment_user(),
    }


def dispatched(people) -> Case:
    user = people["detachment"]
    case = step(
        make_case(received_on=dt.date(2026, 3, 2)),
        "register",
        user,
        kind="pollution",
        categories=[a_category()],
    )
    case = step(case, "accept", user, accepted_on=dt.date(2026, 3, 2), notice_method="phone")
    return step(
        case,
        "dispatch",
        user,
        host_department=people["dept"],
        basis="responsibility_table",
        handler=people["handler"],
    )


VERIFICATION = {
    "subject": "化工厂夜间排放异味",
    "checked_on": "2026-03-05",
    "place": "九龙坡区华岩镇化工园区",
    "checked_by": "王五、李四",
    "methods": ["on_site", "monitoring"],
    "findings": "现场检查发现废气处理设施未运行，监测臭气浓度超标",
    "conclusion": "resolved",
}


def test_a6_3_a_handler_records_a_verification_with_an_evidence_photo(people, client):
    case = dispatched(people)
    client.force_login(people["handler"])
    form = client.get(f"/admin/cases/{case.pk}/step/record_verification/").content.decode()
    assert 'enctype="multipart/form-data"' in form
    assert 'value="王五"' in form  # who checked: the handler's full name to start with
    for label in (
        "核查事项",
        "核查日期",
        "核查地点",
        "核查人员",
        "现场检查",
        "监测",
        "查阅资料",
        "电话核实",
    ):
        assert label in form
    assert "诉求合理，解决到位" in form and "诉求无理，教育到位" in form
    response = client.post(
        f"/admin/cases/{case.pk}/step/record_verification/",
        {**VERIFICATION, "evidence": [SimpleUploadedFile("现场照片.png", PNG, "image/png")]},
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    verification = Verification.objects.get(case=case)
    assert verification.stage == "reply" and verification.recorded_by == people["handler"]
    assert verification.methods == ["on_site", "monitoring"]
    assert verification.get_conclusion_display() == "诉求合理，解决到位"
    evidence = verification.evidence.get()
    assert evidence.case == case and evidence.original_name == "现场照片.png"
    assert evidence.file.path.startswith(str(settings.PRIVATE_FILES_ROOT))
    assert "现场照片" not in evidence.file.path
    page = client.get(f"/admin/cases/inspect/{case.pk}/").content.decode()
    assert (
        "核查记录（第六条）" in page and "现场检查、监测" in page and "诉求合理，解决到位" in page
    )
    download = client.get(f"/admin/cases/{case.pk}/attachment/{evidence.pk}/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == PNG
    entry = ModelLogEntry.objects.get(
        object_id=str(case.pk), action="petitions.record_verification"
    )
    assert entry.data["fields"]["evidence"] == ["现场照片.png"]
    assert "记录核查" in page  # in the timeline


def test_a6_3_evidence_is_checked_by_content_and_a_disguised_file_changes_nothing(people, client):
    case = dispatched(people)
    client.force_login(people["handler"])
    fake = SimpleUploadedFile("监测报告.pdf", b"<?php system($_GET['c']); ?>", "application/pdf")
    response = client.post(
        f"/admin/cases/{case.pk}/step/record_verification/", {**VERIFICATION, "evidence": [fake]}
    )
    assert response.status_code == 200
    assert "不是照片（JPEG、PNG）或 PDF 文件" in response.content.decode()
    assert not Verification.objects.exists() and not Attachment.objects.exists()


def test_a6_3_the_verification_needs_its_finding(people, client):
    case = dispatched(people)
    client.force_login(people["handler"])
    data = {k: v for k, v in VERIFICATION.items() if k != "conclusion"}
    response = client.post(f"/admin/cases/{case.pk}/step/record_verification/", data)
    assert response.status_code == 200 and "核查结论" in response.content.decode()
    assert not Verification.objects.exists()


def test_a6_3_attachments_are_added_at_any_stage_with_the_same_checks(people, client):
    case = dispatched(people)
    client.force_login(people["handler"])
    url = f"/admin/cases/{case.pk}/step/add_attachment/"
    bad = client.post(url, {"files": [SimpleUploadedFile("a.png", b"MZ\x90\x00", "image/png")]})
    assert bad.status_code == 200 and not Attachment.objects.exists()
    response = client.post(
        url,
        {
            "files": [
                SimpleUploadedFile("整改照片.png", PNG, "image/png"),
                SimpleUploadedFile("监测报告.pdf", b"%PDF-1.4\n%%EOF", "application/pdf"),
            ],
            "note": "整改后复查",
        },
    )
    assert response.status_code == 302
    stored = list(Attachment.objects.filter(case=case).order_by("id"))
    assert [(a.original_name, a.content_type, a.note) for a in stored] == [
        ("整改照片.png", "image/png", "整改后复查"),
        ("监测报告.pdf", "application/pdf", "整改后复查"),
    ]
    assert all(a.uploaded_by == people["handler"] for a in stored)
    # The office reads the case but adds nothing to it.
    office = UserFactory(username="bangong", roles=[Role.OFFICE])
    with pytest.raises(TransitionRefused):
        step(case, "add_attachment", office, files=[SimpleUploadedFile("x.png", PNG, "image/png")])


def test_a6_3_no_reply_goes_to_approval_without_a_verification(people, client):
    case = dispatched(people)
    with pytest.raises(TransitionRefused) as refused:
        step(case, "draft_reply", people["handler"], reply_text="经核查，已整改。", method="letter")
    assert "核查" in refused.value.message and "第六条" in refused.value.message
    assert not ReplyDraft.objects.exists()
    client.force_login(people["handler"])
    page = client.get(f"/admin/cases/inspect/{case.pk}/").content.decode()
    assert 'data-closed-step="draft_reply"' in page  # offered with the reason, not as a button
    assert 'data-step="record_verification"' in page


def test_a6_3_the_draft_starts_from_the_verification(people, client):
    case = dispatched(people)
    record_verification(
        case,
        people["handler"],
        checked_on=dt.date(2026, 3, 5),
        checked_by="王五、李四",
        place="华岩镇化工园区",
        methods=["on_site", "monitoring"],
        subject="化工厂夜间排放异味",
        findings="废气处理设施未运行",
    )
    client.force_login(people["handler"])
    form = client.get(f"/admin/cases/{case.pk}/step/draft_reply/").content.decode()
    assert (
        "2026年3月5日，王五、李四到华岩镇化工园区，通过现场检查、监测对化工厂夜间排放异味进行了核查。"
        "核查发现：废气处理设施未运行。"
    ) in form
    assert TEMPLATE_INSTRUCTION in form  # what is left for the handler to write


def test_a6_3_a_draft_with_template_instructions_left_in_is_refused(people, client):
    """The bug of issue 13: an unedited template went through both approvals and was issued."""
    case = dispatched(people)
    record_verification(case, people["handler"])
    client.force_login(people["handler"])
    form = client.get(f"/admin/cases/{case.pk}/step/draft_reply/")
    unedited = form.context["form"].initial["reply_text"]
    response = client.post(
        f"/admin/cases/{case.pk}/step/draft_reply/", {"reply_text": unedited, "method": "letter"}
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert "答复稿中仍有模板的填写说明" in text and TEMPLATE_INSTRUCTION in text
    assert not ReplyDraft.objects.exists()
    # Also the old starter text's instruction, should a draft still carry it.
    with pytest.raises(TransitionRefused) as refused:
        step(
            case,
            "draft_reply",
            people["handler"],
            reply_text="经核查：\n（核查时间、地点、方式和发现的情况）\n已整改。",
            method="letter",
        )
    assert "（核查时间、地点、方式和发现的情况）" in refused.value.message
    edited = unedited.replace(TEMPLATE_INSTRUCTION, "已责令该厂停产整改，复查合格。")
    response = client.post(
        f"/admin/cases/{case.pk}/step/draft_reply/", {"reply_text": edited, "method": "letter"}
    )
    assert response.status_code == 302
    assert ReplyDraft.objects.get().status == ReplyDraft.Status.SUBMITTED


def test_a6_3_the_instructions_of_the_bureaus_own_template_are_checked_too(people):
    MessageTemplate.objects.create(
        key="reply_draft",
        title="答复稿",
        body="{核查情况}\n处理结果：（写明责令整改的文号和期限）",
    )
    case = dispatched(people)
    record_verification(case, people["handler"])
    with pytest.raises(TransitionRefused) as refused:
        step(
            case,
            "draft_reply",
            people["handler"],
            reply_text="经核查属实。处理结果：（写明责令整改的文号和期限）",
            method="letter",
        )
    assert "（写明责令整改的文号和期限）" in refused.value.message


def test_a17_1_a_draft_holding_instructions_is_neither_approved_nor_issued(people):
    """A draft that slipped in before the check (or a template changed since) stops at approval."""
    case = dispatched(people)
    record_verification(case, people["handler"])
    step(case, "draft_reply", people["handler"], reply_text="已整改。", method="letter")
    ReplyDraft.objects.update(text=f"已整改。{TEMPLATE_INSTRUCTION}")
    with pytest.raises(TransitionRefused) as refused:
        step(case, "approve_reply_head", people["head"])
    assert TEMPLATE_INSTRUCTION in refused.value.message and "退回" in refused.value.message


def test_a17_1_approval_and_issue_forms_show_the_full_text_with_the_changes(people, client):
    case = dispatched(people)
    record_verification(case, people["handler"])
    step(case, "draft_reply", people["handler"], reply_text="经查，异味来自甲厂。", method="letter")
    client.force_login(people["head"])
    first = client.get(f"/admin/cases/{case.pk}/step/approve_reply_head/").content.decode()
    assert "待审核的答复稿全文" in first and "经查，异味来自甲厂。" in first
    assert "自上次退回以来的修改" not in first  # nothing was returned yet
    step(case, "return_reply_head", people["head"], comment="请写明监测数据。")
    step(
        case,
        "draft_reply",
        people["handler"],
        reply_text="经查，异味来自乙厂，臭气浓度超标2倍。",
        method="letter",
    )
    again = client.get(f"/admin/cases/{case.pk}/step/approve_reply_head/").content.decode()
    assert "经查，异味来自乙厂，臭气浓度超标2倍。" in again
    assert "自上次退回以来的修改" in again and "请写明监测数据。" in again
    sr = '<span class="w-sr-only">'
    assert f"异味来自<del>{sr}［删除：</span>甲{sr}］</span></del>" in again
    assert f"<ins>{sr}［新增：</span>乙{sr}］</span></ins>" in again
    assert f"<ins>{sr}［新增：</span>，臭气浓度超标2倍{sr}］</span></ins>。" in again
    step(case, "approve_reply_head", people["head"])
    client.force_login(people["leader"])
    leader = client.get(f"/admin/cases/{case.pk}/step/approve_reply_leader/").content.decode()
    assert "经查，异味来自乙厂，臭气浓度超标2倍。" in leader and "自上次退回以来的修改" in leader
    step(case, "approve_reply_leader", people["leader"])
    client.force_login(people["handler"])
    issue = client.get(f"/admin/cases/{case.pk}/step/reply/").content.decode()
    assert "将要发出的答复全文" in issue and "臭气浓度超标2倍" in issue


def test_a6_3_the_printed_reply_says_who_verified_once_and_carries_the_verification(people, client):
    from factories import issue_reply

    case = dispatched(people)
    record_verification(case, people["handler"], findings="废气处理设施未运行")
    client.force_login(people["handler"])
    start = client.get(f"/admin/cases/{case.pk}/step/draft_reply/").context["form"].initial
    text = start["reply_text"].replace(TEMPLATE_INSTRUCTION, "已责令整改。")
    case = issue_reply(
        case,
        "reply",
        people["handler"],
        reply_text=text,
        replied_on=dt.date(2026, 3, 9),
        received_on=dt.date(2026, 3, 10),
    )
    assert case.state == State.REPLIED
    letter = client.get(f"/admin/cases/{case.pk}/notice/reply_letter/").content.decode()
    assert letter.count("调查核实") == 1
    assert "经大气环境管理科调查核实，现答复如下：" in letter
    assert "核查发现：废气处理设施未运行。" in letter and "已责令整改。" in letter
