"""TODO docstring."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db.models import Prefetch
from wagtail.models import ModelLogEntry

from petitions.cases.models import Case
from petitions.cases.people import display_name
from rules.states import State

# --- the case page -------------------------------------------------------------------------


def timeline_of(case: Case) -> list[ModelLogEntry]:
    """Every logged step of the case, oldest first, with its state change in words."""
    labels = {s.value: s.label for s in State}
    entries = list(
        ModelLogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(Case), object_id=str(case.pk)
        )
        .select_related("user")
        .order_by("timestamp", "id")
    )
    for entry in entries:
        source, target = entry.data.get("from"), entry.data.get("to")
        entry.state_change = (
            f"{labels.get(source, source)} → {labels.get(target, target)}"
            if source and source != target
            else ""
        )
    return entries


def owning_prefetch() -> Prefetch:
    """The leader items of ownership plans in force (领导包案, A8.1), in one query."""
    from snippets.models import OwnershipPlan, OwnershipPlanItem

    return Prefetch(
        "ownership_items",
        OwnershipPlanItem.objects.filter(plan__status=OwnershipPlan.Status.IN_FORCE).select_related(
            "leader", "plan"
        ),
        to_attr="owning_items",
    )


def owning_leaders(case: Case) -> str:
    return "、".join(display_name(item.leader) for item in getattr(case, "owning_items", []))
