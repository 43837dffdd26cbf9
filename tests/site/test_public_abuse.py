"""Abuse control on public filing (X.1, ASVS 2.4.1): limits per address and per phone, a question
after repeated filings, the honeypot. A refusal files nothing and says why in Chinese."""

import os
import re
import subprocess
import sys
import uuid

import pytest
from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.core.cache.backends.db import DatabaseCache
from django.test import Client, override_settings
from factories import website_channel

from petitions.intake import abuse
from petitions.intake.filing import new_submission_token
from petitions.models import Case
from snippets.models import BureauProfile

pytestmark = pytest.mark.django_db

FILE_URL = "/xinfang/file/"
API_URL = "/api/petitions/"
NUMERALS = {c: i for i, c in enumerate("零一二三四五六七八九")}
#: Limits high enough not to matter, for the tests about one of them.
NO_LIMIT = 10**6


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _website():
    website_channel()


def form_data(token: str | None = None, **changes) -> dict:
    data = {
        "kind": "pollution",
        "place": "九龙坡区黄桷坪正街5号",
        "description": "汽修店喷漆异味很重。",
        "name": "钱七",
        "phone": "13500005678",
        "privacy_consent": "on",
        "submission_token": token or new_submission_token(),
        "website": "",
        **changes,
    }
    return {k: v for k, v in data.items() if v is not None}


def browser(address: str = "10.1.1.1") -> Client:
    return Client(REMOTE_ADDR=address)


def file(client: Client, **changes):
    return client.post(FILE_URL, form_data(**changes))


def summary_text(html: str) -> str:
    found = re.search(r'<div class="summary".*?</div>', html, re.S)
    return found.group(0) if found else ""


def challenge_on(html: str) -> tuple[str, int] | None:
    """The signed challenge in the page and the answer a person would give, or None."""
    token = re.search(r'name="challenge" value="([^"]+)"', html)
    question = re.search(r"([一二三四五六七八九])加([一二三四五六七八九])等于多少", html)
    if not token:
        assert not question
        return None
    return token.group(1), NUMERALS[question.group(1)] + NUMERALS[question.group(2)]


@override_settings(
    PUBLIC_FILINGS_PER_ADDRESS=3, PUBLIC_FILINGS_PER_PHONE=NO_LIMIT, PUBLIC_CHALLENGE_AFTER=NO_LIMIT
)
def test_x_1_filings_per_address_are_limited_with_a_429_that_files_nothing():
    household = browser("10.1.1.1")
    for n in range(3):
        assert file(household, phone=f"1350000000{n}").status_code == 302
    refused = file(household, phone="13500000009")
    html = refused.content.decode()
    assert refused.status_code == 429
    assert "从您的网络提交的信访事项过多，请60分钟后再试。" in summary_text(html)
    assert "九龙坡区黄桷坪正街5号" in html  # what was typed is kept on the page
    assert Case.objects.count() == 3
    # The API meets the same limit from the same address.
    api = browser("10.1.1.1").post(
        API_URL,
        form_data(privacy_consent="true", phone="13500000008"),
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )
    assert api.status_code == 429
    assert api.json() == {"detail": "从您的网络提交的信访事项过多，请60分钟后再试。"}
    assert Case.objects.count() == 3
    # Another address is not affected.
    assert file(browser("10.1.1.2"), phone="13500000009").status_code == 302


@override_settings(
    PUBLIC_FILINGS_PER_ADDRESS=NO_LIMIT, PUBLIC_FILINGS_PER_PHONE=2, PUBLIC_CHALLENGE_AFTER=NO_LIMIT
)
def test_x_1_filings_per_phone_are_limited_whatever_the_address():
    profile = BureauProfile.load()
    profile.phone = "023-68780000"
    profile.save()
    assert file(browser("10.2.0.1"), phone="13512345678").status_code == 302
    assert file(browser("10.2.0.2"), phone="135 1234 5678").status_code == 302
    refused = file(browser("10.2.0.3"), phone="+86 13512345678")
    assert refused.status_code == 429
    assert "这个电话号码24小时内已提交2件信访事项" in summary_text(refused.content.decode())
    # It tells the person to call, with the bureau's number.
    assert "本局信访电话：023-68780000。" in summary_text(refused.content.decode())
    assert Case.objects.count() == 2
    # Another number from the same address files.
    assert file(browser("10.2.0.3"), phone="13512345679").status_code == 302
    # The cache never holds the number in clear.
    assert "13512345678" not in abuse._phone_key("13512345678")


@override_settings(PUBLIC_FILINGS_PER_ADDRESS=1)
def test_x_1_a_repeat_of_a_filed_form_is_never_refused_and_files_nothing_new():
    client = browser()
    token = new_submission_token()
    first = client.post(FILE_URL, form_data(token))
    again = client.post(FILE_URL, form_data(token))
    assert first.status_code == again.status_code == 302
    assert first["Location"] == again["Location"]
    assert Case.objects.count() == 1
    assert file(client).status_code == 429


@override_settings(
    PUBLIC_FILINGS_PER_ADDRESS=NO_LIMIT, PUBLIC_FILINGS_PER_PHONE=NO_LIMIT, PUBLIC_CHALLENGE_AFTER=2
)
def test_x_1_a_question_appears_after_n_filings_a_wrong_answer_files_nothing_a_right_one_files():
    client = browser()
    assert challenge_on(client.get(FILE_URL).content.decode()) is None
    for n in range(2):
        assert file(client, phone=f"1360000000{n}").status_code == 302

    page = client.get(FILE_URL).content.decode()
    assert "验证问题" in page
    token, answer = challenge_on(page)
    wrong = file(client, challenge=token, challenge_answer=str(answer + 1))
    html = wrong.content.decode()
    assert wrong.status_code == 200
    assert "验证问题回答不正确，请重新作答。" in html
    assert Case.objects.count() == 2
    # A new question comes with the refusal; the old one cannot be tried again.
    new_token, new_answer = challenge_on(html)
    assert new_token != token
    again = file(client, challenge=token, challenge_answer=str(answer))
    assert "验证问题已使用过，请回答新的问题。" in again.content.decode()
    assert Case.objects.count() == 2

    # Full-width digits, as a Chinese input method types them, are accepted.
    answer_typed = str(new_answer).translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    right = file(client, challenge=new_token, challenge_answer=answer_typed)
    assert right.status_code == 302
    assert Case.objects.count() == 3


@override_settings(
    PUBLIC_FILINGS_PER_ADDRESS=NO_LIMIT, PUBLIC_FILINGS_PER_PHONE=NO_LIMIT, PUBLIC_CHALLENGE_AFTER=2
)
def test_x_1_a_phone_that_filed_often_is_asked_the_question_from_a_new_address():
    for address in ("10.3.0.1", "10.3.0.2"):
        assert file(browser(address), phone="13700007777").status_code == 302
    newcomer = browser("10.3.0.3")
    assert challenge_on(newcomer.get(FILE_URL).content.decode()) is None
    refused = file(newcomer, phone="13700007777")
    html = refused.content.decode()
    assert "请回答验证问题后再提交。" in html
    assert Case.objects.count() == 2
    token, answer = challenge_on(html)
    assert "九龙坡区黄桷坪正街5号" in html  # the filled-in form stays
    ok = file(newcomer, phone="13700007777", challenge=token, challenge_answer=str(answer))
    assert ok.status_code == 302
    assert Case.objects.count() == 3


@override_settings(PUBLIC_CHALLENGE_AFTER=0)
def test_x_1_a_forged_or_expired_question_is_refused():
    client = browser()
    nonce = "n" * 16
    forged = signing.dumps({"n": nonce, "d": "0" * 64}, salt="another-salt")
    response = file(client, challenge=forged, challenge_answer="7")
    assert "验证问题已过期，请回答新的问题。" in response.content.decode()
    token, answer = challenge_on(client.get(FILE_URL).content.decode())
    with override_settings(PUBLIC_CHALLENGE_MAX_AGE_SECONDS=-1):
        expired = file(client, challenge=token, challenge_answer=str(answer))
    assert "验证问题已过期，请回答新的问题。" in expired.content.decode()
    assert Case.objects.count() == 0


@override_settings(PUBLIC_CHALLENGE_AFTER=0)
def test_x_1_the_answer_is_not_in_the_page():
    for _ in range(5):
        token, answer = challenge_on(browser().get(FILE_URL).content.decode())
        payload = signing.loads(token, salt="petitions.abuse.challenge")
        assert set(payload) == {"n", "d"}
        assert payload["d"] != str(answer) and len(payload["d"]) == 64


@override_settings(PUBLIC_CHALLENGE_AFTER=0)
def test_x_1_the_api_asks_the_same_question_and_checks_the_answer():
    client = browser()
    key = str(uuid.uuid4())
    data = form_data(privacy_consent="true")
    asked = client.post(API_URL, data, headers={"Idempotency-Key": key})
    assert asked.status_code == 422
    body = asked.json()
    assert body["errors"]["challenge_answer"] == ["请回答验证问题后再提交。"]
    question = body["challenge"]["question"]
    found = re.search(r"([一二三四五六七八九])加([一二三四五六七八九])", question)
    answer = NUMERALS[found.group(1)] + NUMERALS[found.group(2)]
    assert Case.objects.count() == 0
    filed = client.post(
        API_URL,
        {**data, "challenge": body["challenge"]["token"], "challenge_answer": str(answer)},
        headers={"Idempotency-Key": key},
    )
    assert filed.status_code == 201
    assert Case.objects.count() == 1


def test_x_1_a_filled_honeypot_files_nothing_on_the_page_or_the_api():
    client = browser()
    response = file(client, website="http://spam.example")
    assert "提交未成功，请稍后重试。" in response.content.decode()
    api = client.post(
        API_URL,
        form_data(privacy_consent="true", website="http://spam.example"),
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )
    assert api.status_code == 422
    assert api.json()["errors"]["__all__"] == ["提交未成功，请稍后重试。"]
    assert Case.objects.count() == 0


def test_x_1_the_defaults_let_a_household_file_a_few_times_a_day():
    client = browser()
    for n in range(settings.PUBLIC_CHALLENGE_AFTER):
        assert file(client, phone=f"1380000000{n}").status_code == 302
    assert challenge_on(client.get(FILE_URL).content.decode()) is not None
    assert 2 <= settings.PUBLIC_CHALLENGE_AFTER <= settings.PUBLIC_FILINGS_PER_PHONE
    assert settings.PUBLIC_FILINGS_PER_ADDRESS >= 10


@override_settings(
    PUBLIC_FILINGS_PER_ADDRESS=1, PUBLIC_FILINGS_PER_PHONE=NO_LIMIT, PUBLIC_CHALLENGE_AFTER=NO_LIMIT
)
def test_x_1_behind_the_bureaus_proxy_the_limit_is_per_visitor_not_per_proxy():
    proxy = browser("127.0.0.1")
    with override_settings(PETITIONS_TRUSTED_PROXIES=1):
        first = proxy.post(FILE_URL, form_data(), HTTP_X_FORWARDED_FOR="203.0.113.7")
        other = proxy.post(FILE_URL, form_data(), HTTP_X_FORWARDED_FOR="203.0.113.8")
        # A client cannot escape by putting addresses of its own in front.
        forged = proxy.post(FILE_URL, form_data(), HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.7")
    assert (first.status_code, other.status_code, forged.status_code) == (302, 302, 429)
    assert Case.objects.count() == 2


@override_settings(
    PUBLIC_FILINGS_PER_ADDRESS=1,
    PUBLIC_FILINGS_PER_PHONE=2,
    PUBLIC_CHALLENGE_AFTER=1,
    PUBLIC_ABUSE_EXEMPT_ADDRESSES=["10.8.0.1"],
)
def test_x_5_a_partner_platform_files_for_many_residents_but_each_phone_is_limited():
    partner = browser("10.8.0.1")

    def relay(phone):
        return partner.post(
            API_URL,
            form_data(privacy_consent="true", phone=phone),
            headers={"Idempotency-Key": str(uuid.uuid4())},
        )

    assert [relay(f"1390000000{n}").status_code for n in range(4)] == [201] * 4
    assert relay("13900000000").status_code == 422  # that resident's second: the question
    assert file(browser("10.8.0.2")).status_code == 302
    assert file(browser("10.8.0.2")).status_code == 429  # others keep their limits
    assert Case.objects.count() == 5


def test_x_1_the_counters_are_shared_by_every_web_process():
    """Not a per-process memory cache: another process's cache connection sees the count."""
    # The project's database cache (site/cache.py: one statement a write), sharing Django's table.
    assert settings.CACHES["default"]["BACKEND"] == "petition_site.cache.DatabaseCache"
    abuse.record_filing("10.9.9.9", {"phone": "13900001111"})
    another_process = DatabaseCache(settings.CACHES["default"]["LOCATION"], {})
    assert another_process.get(abuse._address_key("10.9.9.9"))[0] == 1
    assert another_process.get(abuse._phone_key("13900001111"))[0] == 1


def test_x_1_with_redis_the_counters_go_to_redis():
    env = {**os.environ, "REDIS_URL": "redis://127.0.0.1:6379/3"}
    env.pop("DATABASE_URL", None)
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            "from petition_site.settings import base; print(base.CACHES['default']['BACKEND'])",
        ],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert out == "django.core.cache.backends.redis.RedisCache"
