"""The public filing form's messages as a resident meets them (X.1, issue 13): a long text is
counted, not cut off, and too long is said with the field's name; the consent's error is not
run together with its whole label."""

import re

import pytest
from django.core.cache import cache
from factories import website_channel

from petitions.intake.filing import new_submission_token
from petitions.models import Case

pytestmark = pytest.mark.django_db

FILE_URL = "/xinfang/file/"


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


def post(client, **changes):
    website_channel()
    data = {
        "kind": "pollution",
        "place": "九龙坡区杨家坪正街8号",
        "description": "餐馆油烟每天晚上直排。",
        "name": "李四",
        "phone": "13912345678",
        "privacy_consent": "on",
        "submission_token": new_submission_token(),
        **changes,
    }
    return client.post(FILE_URL, {k: v for k, v in data.items() if v is not None})


def test_x_1_the_description_shows_a_counter_and_is_not_cut_off(client):
    page = client.get(FILE_URL).content.decode()
    textarea = re.search(r'<textarea[^>]*name="description"[^>]*>', page).group(0)
    assert "maxlength" not in textarea and 'data-max-chars="5000"' in textarea
    assert 'id="id_description_counter"' in page and "最多 5000 字" in page
    assert 'data-template="已输入 {n} 字，最多 5000 字"' in page
    assert "public/char-counter.js" in page


def test_x_1_too_long_a_description_is_named_in_its_error(client):
    response = post(client, description="噪" * 5001)
    assert response.status_code == 200
    text = response.content.decode()
    assert "“反映内容”最多 5000 字，现在有 5001 字，请删减。" in text
    assert "变量" not in text
    assert not Case.objects.exists()
    # Line breaks count once each, as the counter counts them (a browser sends CR LF).
    response = post(client, description="噪\r\n" * 2500)
    assert response.status_code == 302


def test_x_1_the_consent_error_is_said_once_without_its_label_run_in(client):
    response = post(client, privacy_consent=None)
    assert response.status_code == 200
    text = response.content.decode()
    summary = text.split('id="error-summary"')[1].split("</div>")[0]
    assert "请阅读个人信息说明并勾选同意，才能提交。" in summary
    assert "：请阅读" not in summary and "。：" not in summary
