"""Fuzzing the public filing form and the JSON API (X.1, X.5; ASVS 2.4.1, 5.2): whatever is sent,
never a server error, and a case is filed only when the input is accepted (one, not more).

The limits per address and per phone and the challenge are lifted here: these tests are about
input, not about how often it comes.
"""

import json
import uuid

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from factories import website_channel
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from petitions.intake.filing import new_submission_token
from petitions.models import Case

pytestmark = pytest.mark.django_db

UNLIMITED = {
    "PUBLIC_FILINGS_PER_ADDRESS": 10**9,
    "PUBLIC_FILINGS_PER_PHONE": 10**9,
    "PUBLIC_CHALLENGE_AFTER": 10**9,
    "PUBLIC_STATUS_LOOKUPS": 10**9,
}
FUZZ = settings(
    max_examples=60,
    deadline=None,
    database=None,  # no example database written into the working tree
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

#: Text that has broken forms elsewhere: markup, spreadsheet formulas, control characters,
#: NUL, right-to-left marks, lone combining marks, very long and empty strings.
NASTY = st.sampled_from(
    [
        "",
        " ",
        "\x00",
        "\r\n\t",
        "<script>alert(1)</script>",
        '"><img src=x onerror=alert(1)>',
        "=cmd|' /C calc'!A0",
        "+1+1",
        "@SUM(1)",
        "'; DROP TABLE petitions_case; --",
        "\u202e\u200f\u200b",
        "\u0301",
        "𠮷野家😀",
        "١٢٣",
        "１３９１２３４５６７８",
        "null",
        "true",
        "0",
        "-1",
        "9" * 40,
        "x" * 10_001,
        "污" * 6_000,
    ]
)
TEXT = st.one_of(st.text(max_size=300), NASTY)
#: A form value: text, or several values for one field (a wrong type for a single field).
FORM_VALUE = st.one_of(TEXT, st.lists(TEXT, min_size=2, max_size=3))
FORM_FIELDS = [
    "kind",
    "categories",
    "place",
    "reported_party",
    "description",
    "demands",
    "anonymous",
    "name",
    "phone",
    "id_number",
    "address",
    "privacy_consent",
    "submission_token",
    "challenge",
    "challenge_answer",
    "website",
]
VALID = {
    "kind": "pollution",
    "place": "九龙坡区杨家坪正街8号",
    "description": "餐馆油烟每天晚上直排。",
    "name": "李四",
    "phone": "13912345678",
    "privacy_consent": "on",
}
UPLOADS = st.one_of(
    st.none(),
    st.binary(max_size=200).map(lambda b: SimpleUploadedFile("a.jpg", b, "image/jpeg")),
    st.sampled_from(
        [
            (b"<?php system($_GET['c']); ?>", "shell.jpg", "image/jpeg"),
            (b"<svg onload=alert(1)>", "x.png", "image/png"),
            (b"MZ\x90\x00", "setup.pdf", "application/pdf"),
            (b"\xff\xd8\xff\xe0" + b"\0" * 50, "真.jpg", "image/jpeg"),
            (b"%PDF-1.4\n", "../../etc/passwd", "application/pdf"),
            (b"", "empty.jpg", "image/jpeg"),
        ]
    ).map(lambda t: SimpleUploadedFile(t[1], t[0], t[2])),
)
JSON_VALUE = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
    max_leaves=8,
)


@pytest.fixture(autouse=True)
def _setup():
    cache.clear()
    website_channel()
    with override_settings(**UNLIMITED):
        yield
    cache.clear()


@st.composite
def form_posts(draw) -> dict:
    """A filing form: either every field valid, missing or arbitrary at random, or a valid
    form with a few fields left out or replaced (the near misses that find edge cases)."""
    if draw(st.booleans()):
        data = {}
        for field in FORM_FIELDS:
            choice = draw(st.sampled_from(["valid", "missing", "fuzz"]))
            if choice == "valid" and field in VALID:
                data[field] = VALID[field]
            elif choice == "fuzz":
                data[field] = draw(FORM_VALUE)
    else:
        data = dict(VALID)
        for field in draw(st.sets(st.sampled_from(FORM_FIELDS), max_size=3)):
            data.pop(field, None)
        for field in draw(st.sets(st.sampled_from(FORM_FIELDS), max_size=3)):
            data[field] = draw(FORM_VALUE)
    if "submission_token" not in data:
        data["submission_token"] = new_submission_token()
    upload = draw(UPLOADS)
    if upload is not None:
        data["attachment"] = upload
    return data


def assert_filed_only_if_accepted(before: int, response, accepted_statuses: set[int]) -> None:
    event(f"HTTP {response.status_code}")  # pytest --hypothesis-show-statistics
    assert response.status_code < 500, response.content[:500]
    filed = Case.objects.count() - before
    if response.status_code in accepted_statuses:
        assert filed == 1
    else:
        assert filed == 0, response.status_code


@FUZZ
@given(data=form_posts())
def test_x_1_the_filing_form_never_fails_and_files_only_what_it_accepts(data):
    before = Case.objects.count()
    response = Client().post("/xinfang/file/", data)
    assert_filed_only_if_accepted(before, response, {302})
    if response.status_code == 200:
        html = response.content.decode()
        assert "请修改以下问题后再提交" in html
        assert "<script>alert(1)</script>" not in html


@FUZZ
@given(data=form_posts(), key=st.one_of(st.none(), TEXT.filter(lambda t: "\n" not in t)))
def test_x_5_the_filing_api_never_fails_and_files_only_what_it_accepts(data, key):
    before = Case.objects.count()
    headers = {"Idempotency-Key": key} if key is not None else {}
    response = Client().post("/api/petitions/", data, headers=headers)
    assert_filed_only_if_accepted(before, response, {201})
    if response.status_code == 422:
        body = response.json()
        assert body["detail"] and body["errors"]


@FUZZ
@given(body=JSON_VALUE)
def test_x_5_the_filing_api_refuses_any_json_body(body):
    before = Case.objects.count()
    response = Client().post(
        "/api/petitions/",
        json.dumps(body),
        content_type="application/json",
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )
    assert response.status_code == 422
    assert Case.objects.count() == before


@FUZZ
@given(
    endpoint=st.sampled_from(["/api/status/", "/api/review-requests/"]),
    body=st.one_of(
        JSON_VALUE,
        st.fixed_dictionaries(
            {},
            optional={
                "number": JSON_VALUE,
                "query_code": JSON_VALUE,
                "kind": st.one_of(st.sampled_from(["review", "re_review"]), JSON_VALUE),
                "request_text": JSON_VALUE,
            },
        ),
    ),
    raw=st.one_of(st.none(), st.binary(max_size=100)),
)
def test_x_5_status_and_review_requests_never_fail(endpoint, body, raw):
    before = Case.objects.count()
    payload = raw if raw is not None else json.dumps(body)
    response = Client().post(endpoint, payload, content_type="application/json")
    assert response.status_code in {400, 404, 422}, response.content[:500]
    assert response.json()["detail"]
    assert Case.objects.count() == before


@FUZZ
@given(q=TEXT)
def test_x_5_guidance_and_the_schema_ignore_whatever_is_in_the_query(q):
    for url in ("/api/guidance/", "/api/schema/"):
        response = Client().get(url, {"q": q, "format": q})
        assert response.status_code == 200
