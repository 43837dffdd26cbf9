"""The receipt's copy of a query code is never in the database in clear (X.1, issue 14).

The receipt page shows the code after a filing, and again on a refresh, from a cookie sealed under
a key kept outside the database; the SMS outbox keeps its text sealed until the worker sends it.
"""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.utils import timezone
from factories import file_online

from petitions.intake.receipts import RECEIPT_COOKIE, seal_receipt
from petitions.models import PetitionerMessage
from petitions.worker.messages import deliver_messages

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


class RecordingGateway:
    """The SMS gateway (the outside world): records what it was asked to send."""

    sent: list[str] = []

    def send(self, message) -> None:
        RecordingGateway.sent.append(message.body)


def rows_holding(text: str) -> list[tuple[str, tuple]]:
    """Every row of every table in which `text` appears, in any column."""
    found = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            for row in cursor.fetchall():
                values = [
                    bytes(v).decode("latin-1") if isinstance(v, bytes | memoryview) else v
                    for v in row
                ]
                if any(text in str(v) for v in values):
                    found.append((table, row))
    return found


def test_x_1_after_a_filing_no_row_of_any_table_holds_the_query_code_in_clear(client):
    case, code = file_online(client)
    token = case.public_submission.token
    assert PetitionerMessage.objects.filter(case=case).exists()  # the SMS waits in the outbox
    client.session.save()  # a session, if any, is in the database too
    assert rows_holding(case.number)  # the scan finds what is there
    assert rows_holding(code) == []
    assert rows_holding(code.lower()) == []

    # The petitioner still sees the code on the receipt, and again on a refresh.
    for _ in range(2):
        assert code in client.get(f"/xinfang/receipt/{token}/").content.decode()


def test_x_1_the_receipt_cookie_is_sealed_http_only_and_kept_to_the_public_site(client):
    case, code = file_online(client)
    cookie = client.cookies[RECEIPT_COOKIE]
    assert code not in cookie.value and case.number not in cookie.value
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    assert cookie["path"] == "/xinfang/" and int(cookie["max-age"]) == 12 * 60 * 60


def test_x_1_a_receipt_cookie_altered_copied_to_another_filing_or_under_another_key_shows_no_code(
    client, settings
):
    case, code = file_online(client)
    token = case.public_submission.token
    url = f"/xinfang/receipt/{token}/"
    sealed = client.cookies[RECEIPT_COOKIE].value

    other = Client()
    assert code not in other.get(url).content.decode()  # another browser: no code
    other.cookies[RECEIPT_COOKIE] = sealed[:-4] + ("AAAA" if sealed[-4:] != "AAAA" else "BBBB")
    assert code not in other.get(url).content.decode()  # altered: no code

    # A cookie sealed under a key that is not ours (a forger's) shows nothing.
    settings.PETITIONS_QUERY_CODE_KEY = "a-forgers-key"
    forged = seal_receipt(None, token, case.number, "ZZZZ2222")
    settings.PETITIONS_QUERY_CODE_KEY = "the-bureaus-key"
    other.cookies[RECEIPT_COOKIE] = forged
    page = other.get(url).content.decode()
    assert "ZZZZ2222" not in page and "查询码只在第一次提交后显示一次" in page


def test_x_1_a_key_rotation_keeps_recent_receipts_while_the_old_key_is_listed(client, settings):
    settings.PETITIONS_QUERY_CODE_KEY = "old-key"
    case, code = file_online(client)
    url = f"/xinfang/receipt/{case.public_submission.token}/"
    settings.PETITIONS_QUERY_CODE_KEY = "new-key"
    settings.PETITIONS_QUERY_CODE_OLD_KEYS = ["old-key"]
    assert code in client.get(url).content.decode()
    settings.PETITIONS_QUERY_CODE_OLD_KEYS = []
    assert code not in client.get(url).content.decode()


def test_x_1_a_message_queued_before_sealing_is_still_sent_and_then_blotted_out(client, settings):
    settings.PETITIONS_MESSAGE_SENDER = "test_receipt_secrecy.RecordingGateway"
    RecordingGateway.sent = []
    case, _code = file_online(client)
    # As the outbox held it before: the code in clear in the text, and itself in `redact`.
    message = PetitionerMessage.objects.get(case=case)
    text = f"您的查询码 ABCD2345，编号 {case.number}。"
    PetitionerMessage.objects.filter(pk=message.pk).update(body=text, redact="ABCD2345")
    deliver_messages(timezone.now())
    assert RecordingGateway.sent == [text]
    message.refresh_from_db()
    assert message.body == f"您的查询码 ********，编号 {case.number}。" and message.redact == ""
