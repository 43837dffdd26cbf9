"""Query codes (X.1, issue 14): a keyed hash with a key kept outside the database.

A stolen database gives nothing to guess the codes against; a rotated key keeps old codes
working while it is listed; codes stored as PBKDF2 before the keyed hash still open their case.
"""

import pytest
from django.contrib.auth.hashers import make_password
from django.core.cache import cache
from factories import file_online

from petitions.intake.filing import (
    QueryCodeHasher,
    hash_query_code,
    query_code_matches,
)
from petitions.intake.models import PublicSubmission

pytestmark = pytest.mark.django_db

STATUS_URL = "/xinfang/status/"
WRONG = "编号或查询码不正确"


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


def look_up(client, number, code) -> str:
    return client.post(STATUS_URL, {"number": number, "code": code}).content.decode()


def test_x_1_a_query_code_is_stored_as_a_keyed_hash_that_needs_the_key(settings):
    settings.PETITIONS_QUERY_CODE_KEY = "key-of-this-bureau"
    stored = hash_query_code("ABCD2345")
    prefix, key_id, digest = stored.split("$")
    assert prefix == "hmac_sha256" and len(key_id) == 8 and len(digest) == 64
    assert "ABCD2345" not in stored and key_id not in settings.PETITIONS_QUERY_CODE_KEY
    # Spaces, dashes and lower case as a petitioner types them are the same code.
    assert query_code_matches("abcd-2345 ", stored)
    assert not query_code_matches("ABCD2346", stored)
    # Someone with the database but another key (or none) cannot check a guess.
    settings.PETITIONS_QUERY_CODE_KEY = "a-thief-s-guess"
    assert hash_query_code("ABCD2345") != stored
    assert not query_code_matches("ABCD2345", stored)


def test_x_1_a_rotated_key_keeps_old_codes_while_it_is_listed(settings, client):
    settings.PETITIONS_QUERY_CODE_KEY = "old-key"
    case, code = file_online(client)
    settings.PETITIONS_QUERY_CODE_KEY = "new-key"
    settings.PETITIONS_QUERY_CODE_OLD_KEYS = ["old-key"]
    assert case.number in look_up(client, case.number, code)
    assert (
        hash_query_code(code).split("$")[1]
        != (PublicSubmission.objects.get(case=case).query_code_hash.split("$")[1])
    )
    # Once the old key is dropped from the list, its codes no longer open anything.
    settings.PETITIONS_QUERY_CODE_OLD_KEYS = []
    assert WRONG in look_up(client, case.number, code)


def test_x_1_a_code_stored_as_pbkdf2_before_still_opens_its_case(client):
    """No petitioner loses access: the stored string's prefix says how to check it."""
    case, code = file_online(client)
    submission = PublicSubmission.objects.get(case=case)
    submission.query_code_hash = make_password(code, hasher=QueryCodeHasher())
    submission.save(update_fields=["query_code_hash"])
    assert submission.query_code_hash.startswith("pbkdf2_sha256$100000$")

    html = look_up(client, case.number, code.lower())
    assert WRONG not in html and case.number in html
    assert WRONG in look_up(client, case.number, "ABCDEFGH")
