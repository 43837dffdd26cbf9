"""Case numbers (案件编号, 第十三条): one sequence a year, gapless, never reused."""

from __future__ import annotations

from django.conf import settings

from petitions.cases.models import (
    CaseNumberSequence,
)


def issue_number(year: int) -> tuple[str, int]:
    """The next case number of `year`: <prefix>-<year>-<6 digits> (第十三条).

    Must run inside the filing's transaction: the sequence row stays locked until the case is
    saved, so numbers are unique, and a rolled-back filing gives its number back (no gaps).
    """
    seq, _created = CaseNumberSequence.objects.select_for_update().get_or_create(year=year)
    seq.last += 1
    seq.save(update_fields=["last"])
    return f"{settings.PETITIONS_NUMBER_PREFIX}-{year}-{seq.last:06d}", seq.last
