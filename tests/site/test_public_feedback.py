"""Satisfaction feedback (满意度评价) on a reply, from the public site (X.1, A21.1)."""

import datetime as dt
import re

import pytest
from django.core.cache import cache
from factories import detachment_user, file_online
from freezegun import freeze_time
from test_public_review import (
    proof_in,
    replied_online_case,
    review_replied,
    snapshot,
    text_of,
)
from wagtail.models import ModelLogEntry

from petitions.intake.public_requests import PublicRequestRefused, proof_token, record_feedback
from petitions.models import Feedback

pytestmark = pytest.mark.django_db

STATUS_URL = "/xinfang/status/"
FEEDBACK_URL = "/xinfang/feedback/"
WRONG = "编号或查询码不正确"


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


def test_x_1_feedback_on_a_reply_is_kept_on_the_case_and_shown_to_staff(client):
    case, code = replied_online_case(client)
    with freeze_time("2026-04-12 10:00:00+08:00"):
        status = text_of(client.post(STATUS_URL, {"number": case.number, "code": code}))
        assert 'id="start-feedback"' in status
        opened = client.post(FEEDBACK_URL, {"proof": proof_in(status), "start": "1"})
        html = text_of(opened)
        assert "评价的是 2026年4月10日 的答复" in html
        assert '<label for="id_rating_0">很不满意</label>' in html
        assert "error" not in html.split('id="feedback-form"')[1].split("</form>")[0]
        done = client.post(
            FEEDBACK_URL,
            {"proof": proof_in(html), "rating": "2", "comment": "处理太慢。"},
        )
    assert "感谢您对信访事项 %s 的答复作出评价：不满意" % case.number in text_of(done)  # noqa: UP031
    feedback = Feedback.objects.get(case=case)
    assert (feedback.rating, feedback.comment) == (2, "处理太慢。")
    assert feedback.reply == case.replies.get()
    entry = ModelLogEntry.objects.get(object_id=str(case.pk), action="petitions.feedback")
    assert entry.user is None and entry.data["petitioner"] is True
    assert entry.data["rating"] == 2

    client.force_login(detachment_user())
    page = text_of(client.get(f"/admin/cases/inspect/{case.pk}/"))
    section = page.split('id="feedback-heading"')[1].split("</section>")[0]
    assert "满意度评价" in section and "不满意" in section and "处理太慢。" in section
    timeline = page.split('data-action="petitions.feedback"')[1].split("</li>")[0]
    assert "满意度评价</strong> — 信访人（网上）" in timeline and "满意度：不满意" in timeline

    with freeze_time("2026-04-13 10:00:00+08:00"):
        again = text_of(client.post(STATUS_URL, {"number": case.number, "code": code}))
    assert 'id="start-feedback"' not in again
    assert "您已评价这份答复：不满意。" in again


def test_x_1_feedback_once_per_reply_and_again_for_the_review_opinion(client):
    case, code = replied_online_case(client)
    with freeze_time("2026-04-12 10:00:00+08:00"):
        record_feedback(case, rating=Feedback.Rating.DISSATISFIED, comment="")
        before = snapshot(case)
        with pytest.raises(PublicRequestRefused) as raised:
            record_feedback(case, rating=Feedback.Rating.SATISFIED, comment="改主意了")
        page = text_of(
            client.post(FEEDBACK_URL, {"proof": proof_token(case), "rating": "5", "comment": ""})
        )
    assert "每份答复只评价一次" in raised.value.message
    assert "每份答复只评价一次" in page and 'id="feedback-form"' not in page
    assert snapshot(case) == before
    assert Feedback.objects.get(case=case).rating == Feedback.Rating.DISSATISFIED

    case = review_replied(case, received_on=dt.date(2026, 4, 20))
    with freeze_time("2026-04-21 10:00:00+08:00"):
        second = record_feedback(case, rating=Feedback.Rating.SATISFIED, comment="")
    assert second.reply.stage == "review"
    assert Feedback.objects.filter(case=case).count() == 2


def test_x_1_feedback_before_any_reply_is_refused(client):
    with freeze_time("2026-04-01 09:00:00+08:00"):
        case, code = file_online(client)
        status = text_of(client.post(STATUS_URL, {"number": case.number, "code": code}))
        with pytest.raises(PublicRequestRefused) as raised:
            record_feedback(case, rating=4, comment="")
    assert 'id="start-feedback"' not in status
    assert "还没有书面答复，收到答复后可以评价" in status
    assert "还没有书面答复" in raised.value.message
    assert not Feedback.objects.exists()


def test_x_1_feedback_without_a_rating_shows_the_error_beside_the_field(client):
    case, code = replied_online_case(client)
    before = snapshot(case)
    with freeze_time("2026-04-12 10:00:00+08:00"):
        html = text_of(
            client.post(FEEDBACK_URL, {"proof": proof_token(case), "comment": "没选满意度"})
        )
        with pytest.raises(PublicRequestRefused) as raised:
            record_feedback(case, rating=9, comment="")
    assert raised.value.field == "rating"
    assert '<p class="error" id="id_rating_error">' in html
    assert re.search(r'<input[^>]*name="rating"[^>]*aria-describedby="id_rating_error"', html)
    assert "没选满意度" in html  # what was typed is kept
    assert not Feedback.objects.exists()
    assert snapshot(case) == before


def test_x_1_feedback_page_wrong_number_and_wrong_code_give_the_same_message(client):
    case, code = replied_online_case(client)
    wrong_code = "AAAAAAAA" if code != "AAAAAAAA" else "BBBBBBBB"
    with freeze_time("2026-04-12 10:00:00+08:00"):
        bad_number = client.post(
            FEEDBACK_URL, {"number": case.number[:-1] + "9", "code": code, "rating": "5"}
        )
        bad_code = client.post(
            FEEDBACK_URL, {"number": case.number, "code": wrong_code, "rating": "5"}
        )
        right = client.post(FEEDBACK_URL, {"number": case.number, "code": code, "rating": "5"})

    def normalised(html):
        html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)
        html = re.sub(r'nonce="[^"]*"', "", html)  # the CSP nonce of each response
        return re.sub(r'(name="(number|code)"[^>]*?) value="[^"]*"', r"\1", html)

    assert WRONG in bad_code.content.decode()
    assert normalised(bad_number.content.decode()) == normalised(bad_code.content.decode())
    assert "非常满意" in text_of(right) and "评价已提交" in text_of(right)
    assert Feedback.objects.get(case=case).rating == 5
