"""The configuration every public filing reads (the website channel and its time limits, the
categories, the message templates) is kept per process (snippets.local_copies, issue 14); a
change saved in any process is used by the next filing in every process (X.1, A14.1)."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from factories import CategoryFactory, website_channel

from petitions.intake.filing import new_submission_token
from petitions.models import Case, PetitionerMessage
from snippets import local_copies
from snippets.models import ChannelDeadline, MessageTemplate

pytestmark = pytest.mark.django_db

FILE_URL = "/xinfang/file/"


@pytest.fixture(autouse=True)
def _clear_cache():
    """The shared cache is a table the test's rollback may not empty: no version from another."""
    cache.clear()
    yield
    cache.clear()


def file(client, phone: str) -> Case:
    token = new_submission_token()
    data = {
        "kind": "pollution",
        "place": "九龙坡区杨家坪正街8号",
        "description": "餐馆油烟每天晚上直排。",
        "name": "李四",
        "phone": phone,
        "privacy_consent": "on",
        "submission_token": token,
    }
    assert client.post(FILE_URL, data).status_code == 302
    return Case.objects.get(public_submission__token=token)


def in_another_process(change) -> None:
    """Make `change` as another web process would: the shared version moves (the save's signal),
    but this process's copies stay as they were (its signal ran over there, not here)."""
    kept = dict(local_copies._local)
    change()
    local_copies._local.clear()
    local_copies._local.update(kept)


def acceptance_length(case: Case) -> int | None:
    return case.deadlines.get(rule="acceptance_direct").length


def test_x_1_a_channel_limit_saved_in_another_process_is_used_by_the_next_filing(client):
    channel = website_channel()
    assert acceptance_length(file(client, "13700000001")) == 3
    assert local_copies._local["channels"]["website"].rule_overrides() == {}

    in_another_process(
        lambda: ChannelDeadline.objects.create(
            channel=channel, rule="acceptance_direct", length=2, unit="working_days"
        )
    )
    # This process still holds the channel without the limit; the version says it is old.
    assert local_copies._local["channels"]["website"].rule_overrides() == {}
    assert acceptance_length(file(client, "13700000002")) == 2


def test_x_1_without_a_new_version_a_filing_reads_no_configuration(client):
    """The copies are what the filing uses: while the shared version stands, no statement reads
    the channel, its limits or the message template."""
    website_channel()
    file(client, "13700000001")
    with CaptureQueriesContext(connection) as queries:
        file(client, "13700000002")
    read = " ".join(q["sql"] for q in queries.captured_queries)
    assert "snippets_channel" not in read
    assert "snippets_messagetemplate" not in read


def test_x_1_a_message_template_saved_in_another_process_is_sent_with_the_next_filing(client):
    website_channel()
    file(client, "13700000001")
    in_another_process(
        lambda: MessageTemplate.objects.create(
            key="sms_filed_online", title="网上信访", body="已收到，编号{案件编号}。"
        )
    )
    case = file(client, "13700000002")
    assert PetitionerMessage.objects.get(case=case).body == f"已收到，编号{case.number}。"


def test_x_1_a_category_added_in_another_process_shows_on_the_next_form(client):
    website_channel()
    assert "辐射污染" not in client.get(FILE_URL).content.decode()
    in_another_process(lambda: CategoryFactory(code="radiation", name="辐射污染"))
    assert "辐射污染" in client.get(FILE_URL).content.decode()


def test_x_1_a_version_lost_from_the_shared_cache_makes_a_new_one(client):
    """A culled or cleared cache entry must not leave a process trusting its old copy."""
    channel = website_channel()
    file(client, "13700000001")

    def change_and_lose_the_version():
        ChannelDeadline.objects.create(
            channel=channel, rule="acceptance_direct", length=2, unit="working_days"
        )
        cache.delete(local_copies.VERSION_KEY)

    in_another_process(change_and_lose_the_version)
    assert acceptance_length(file(client, "13700000002")) == 2
