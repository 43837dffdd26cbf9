"""Looking up the referral guide (受理指南, A14.4) for a matter outside the bureau's remit."""

from __future__ import annotations

from snippets.models import ReferralGuideEntry


def matching_entries(text: str, limit: int = 5) -> list[ReferralGuideEntry]:
    """Entries whose keywords (or matter) occur in the text, best first."""
    found = []
    for entry in ReferralGuideEntry.objects.order_by("sort_order", "id"):
        words = [w for w in entry.keywords.replace("，", " ").replace(",", " ").split() if w]
        hits = sum(1 for w in words if w in text) + (1 if entry.matter in text else 0)
        if hits:
            found.append((hits, entry))
    found.sort(key=lambda pair: -pair[0])
    return [entry for _hits, entry in found[:limit]]
