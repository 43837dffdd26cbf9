"""The ledger's paginator: a search's matches are counted up to a cap (检索结果计数上限).

A word found in one case in eight (异味) matches 125,000 cases at 1,000,000: counting them all
costs more than the page itself (every match is looked up, on PostgreSQL fetched and checked
again). The ledger counts a search's matches only up to ``SEARCH_COUNT_CAP``; past it, the page
says "10,000 多条" and offers the pages up to the cap. Every match stays reachable by narrowing:
a filter or another word lowers the count under the cap, and the exact count comes back.
"""

from __future__ import annotations

from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from wagtail.admin.paginator import WagtailPaginator

#: A search with more matches than this shows "10,000 多条" and its first 10,000.
SEARCH_COUNT_CAP = 10_000


class LedgerPaginator(WagtailPaginator):
    """Wagtail's paginator; with ``count_cap``, the count stops at the cap (``capped`` says so)."""

    def __init__(self, *args, count_cap: int | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.count_cap = count_cap

    @cached_property
    def _found(self) -> int:
        # COUNT over a LIMIT: the database stops at cap + 1 matches (one more than the cap says
        # whether there are more). The ids alone: no ORDER BY (the matches are counted in the
        # index's order), and no annotation (a sliced count would compute it for every match).
        return self.object_list.order_by().values("pk")[: self.count_cap + 1].count()

    @cached_property
    def count(self) -> int:
        if self.count_cap is None:
            return super().count
        return min(self._found, self.count_cap)

    @cached_property
    def capped(self) -> bool:
        """Whether there are more matches than the count says."""
        return self.count_cap is not None and self._found > self.count_cap

    @cached_property
    def items_count_label(self) -> str:
        if self.capped:
            return _("%(count)s 多条") % {"count": f"{self.count:,}"}
        return super().items_count_label
