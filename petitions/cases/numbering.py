"""Case numbers (案件编号, 第十三条): one sequence a year, gapless, never reused."""

from __future__ import annotations

from django.conf import settings
from django.db import connection
from django.db.models import Subquery

from petitions.cases.models import (
    CaseNumberSequence,
)
from snippets.bureau import current_number_prefix
from snippets.models import BureauProfile


def format_number(prefix: str, year: int, serial: int) -> str:
    """<prefix>-<year>-<6 digits>, e.g. JLPXF-2026-000001."""
    return f"{prefix}-{year}-{serial:06d}"


def issue_number(year: int) -> tuple[str, int]:
    """The next case number of `year`: <prefix>-<year>-<6 digits> (第十三条).

    Must run inside the filing's transaction: the sequence row stays locked until the case is
    saved, so numbers are unique, and a rolled-back filing gives its number back (no gaps).

    The prefix is the one in force now (本局信息, read here rather than from the cache, so a
    change applies to the very next number). The serial counts the year whatever the prefix:
    changing the prefix mid-year, or going back to an earlier one, continues the count, so no
    number is ever issued twice and the numbers already given stay as they are.
    """
    return reserve_numbers(year, 1)[0]


def reserve_numbers(year: int, count: int) -> list[tuple[str, int]]:
    """The next `count` case numbers of `year` as one block, in order (a batch filing).

    Same rules as `issue_number` (one locked sequence row, the prefix in force now), in one
    statement whatever the count (three for a year's first): the block is gapless and rolls
    back with the filing.
    """
    if count < 1:
        return []
    # The usual case, one statement: the year's row moved on, locked till the filing commits, and
    # the prefix in force read with it (UPDATE … RETURNING, SQLite ≥ 3.35 and PostgreSQL).
    sequences, profiles = CaseNumberSequence._meta.db_table, BureauProfile._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {sequences} SET last = last + %s WHERE year = %s RETURNING last, "  # noqa: S608 - table names from the models
            f"(SELECT number_prefix FROM {profiles} ORDER BY id LIMIT 1)",
            [count, year],
        )
        moved = cursor.fetchone()
    if moved is not None:
        last, prefix = moved
        prefix = prefix or settings.PETITIONS_NUMBER_PREFIX
        return [
            (format_number(prefix, year, serial), serial)
            for serial in range(last - count + 1, last + 1)
        ]
    # The year's first number: its row is made (two filings at once: one makes it, the other
    # finds it).
    seq, _created = (
        CaseNumberSequence.objects.select_for_update(of=("self",))
        .annotate(prefix=Subquery(BureauProfile.objects.order_by("id").values("number_prefix")[:1]))
        .get_or_create(year=year)
    )
    first = seq.last + 1
    seq.last += count
    seq.save(update_fields=["last"])
    if _created:  # a new year's row: made, not selected with the prefix
        prefix = current_number_prefix()
    else:
        prefix = getattr(seq, "prefix", None) or settings.PETITIONS_NUMBER_PREFIX
    return [(format_number(prefix, year, serial), serial) for serial in range(first, seq.last + 1)]


def next_serial(year: int) -> int:
    """The serial the next filing of `year` would get (nothing is reserved)."""
    last = CaseNumberSequence.objects.filter(year=year).values_list("last", flat=True).first()
    return (last or 0) + 1
