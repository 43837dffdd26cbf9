"""Looking up the referral guide (受理指南, A14.4) for a matter outside the bureau's remit."""

from __future__ import annotations

from django.db.models import QuerySet

from snippets.models import ReferralGuideEntry


def guide_entries(*, public: bool = False) -> QuerySet[ReferralGuideEntry]:
    """The guide in its order. The public sees only the rows the bureau confirmed: starter rows
    come from public sources about one district and name its agencies until the bureau checks
    them (已经本局确认); staff see every row."""
    entries = ReferralGuideEntry.objects.order_by("sort_order", "id")
    return entries.filter(confirmed=True) if public else entries


def matching_entries(
    text: str, limit: int = 5, *, public: bool = False
) -> list[ReferralGuideEntry]:
    """Entries whose keywords (or matter) occur in the text, best first."""
    found = []
    for entry in guide_entries(public=public):
        words = [w for w in entry.keywords.replace("，", " ").replace(",", " ").split() if w]
        hits = sum(1 for w in words if w in text) + (1 if entry.matter in text else 0)
        if hits:
            found.append((hits, entry))
    found.sort(key=lambda pair: -pair[0])
    return [entry for _hits, entry in found[:limit]]
