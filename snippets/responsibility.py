"""The department the responsibility table proposes for a case (职责分工方案, A16.1)."""

from __future__ import annotations

from collections.abc import Iterable

from snippets.models import ResponsibilityRule


def propose_rule(*, kind: str, category_ids: Iterable[int], text: str) -> ResponsibilityRule | None:
    """The rule matching the most of kind, category and keywords; ties go to the table's order.

    A rule's criteria that are filled in must all match; an empty criterion matches anything.
    """
    category_ids = set(category_ids)
    best, best_score = None, -1
    for rule in ResponsibilityRule.objects.select_related("department").order_by(
        "sort_order", "id"
    ):
        score = 0
        if rule.kind:
            if rule.kind != kind:
                continue
            score += 1
        if rule.category_id:
            if rule.category_id not in category_ids:
                continue
            score += 1
        if keywords := rule.keyword_list():
            if not any(k in text for k in keywords):
                continue
            score += 1
        if score > best_score and rule.department.active:
            best, best_score = rule, score
    return best


def propose_for_case(case) -> ResponsibilityRule | None:
    return propose_rule(
        kind=case.kind,
        category_ids=case.categories.values_list("pk", flat=True),
        text=" ".join([case.description, case.demands, case.reported_party, case.place]),
    )
