"""Case numbers (A13.1): issued at intake, per year, without gaps, unique under concurrency."""

import datetime as dt
import threading

import pytest
from django.db import IntegrityError, connection, connections
from factories import direct_channel, make_case, superior_channel

from petitions.models import Case

pytestmark = pytest.mark.django_db


def test_a13_1_number_format_and_a_sequence_per_year(settings):
    settings.PETITIONS_NUMBER_PREFIX = "JLPXF"
    a = make_case(received_on=dt.date(2025, 12, 31))
    b = make_case(received_on=dt.date(2026, 1, 1))
    c = make_case(
        received_on=dt.date(2026, 1, 2), channel=superior_channel(), source_ticket_number="12345-9"
    )
    assert [a.number, b.number, c.number] == [
        "JLPXF-2025-000001",
        "JLPXF-2026-000001",
        "JLPXF-2026-000002",
    ]


def test_a13_1_a_failed_filing_gives_its_number_back(settings):
    """The sequence moves in the filing's own transaction: a rolled-back filing leaves no gap."""
    channel = direct_channel()
    make_case(channel=channel, received_on=dt.date(2026, 5, 1))
    with pytest.raises(IntegrityError):
        make_case(channel=channel, received_on=dt.date(2026, 5, 1), visitor_count=-1)
    third = make_case(channel=channel, received_on=dt.date(2026, 5, 1))
    assert third.number.endswith("-2026-000002")


@pytest.mark.django_db(transaction=True)
def test_a13_1_concurrent_filings_get_distinct_gapless_numbers():
    """A13.1: 8 threads filing at once (SQLite and PostgreSQL): no collision, no gap."""
    channel = direct_channel()
    threads, per_thread = 8, 6
    errors: list[BaseException] = []
    barrier = threading.Barrier(threads)

    def file_some():
        try:
            barrier.wait()
            for _ in range(per_thread):
                make_case(channel=channel, received_on=dt.date(2026, 7, 1))
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connections.close_all()

    workers = [threading.Thread(target=file_some) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert errors == []
    numbers = sorted(Case.objects.values_list("number", flat=True))
    expected = [f"-2026-{i:06d}" for i in range(1, threads * per_thread + 1)]
    assert len(numbers) == len(set(numbers)) == threads * per_thread
    assert [n[n.index("-") :] for n in numbers] == expected
    assert connection.vendor in {"sqlite", "postgresql"}
