"""The ledger's own columns: the next due date as it stands today, and the state."""

from __future__ import annotations

from wagtail.admin.ui.tables import Column

from petitions.cases.deadlines import local_today
from petitions.cases.selectors import ledger_due
from rules.states import State


class DueColumn(Column):
    """The next due date with the working days left, marked when due soon or overdue."""

    cell_template_name = "petitions/tables/due_cell.html"

    def get_cell_context_data(self, instance, parent_context):
        context = super().get_cell_context_data(instance, parent_context)
        due = instance.next_due_on
        context["due"] = due
        context["label"] = instance.next_due_label
        context["provisional"] = getattr(instance, "next_due_provisional", False)
        status = ledger_due(instance, parent_context.get("petitions_today") or local_today())
        if status is not None:
            context["days_left"] = status.days_left
            context["overdue"] = status.overdue
            context["overdue_days"] = status.overdue_days
            context["soon"] = status.soon
        return context


class StateColumn(Column):
    cell_template_name = "petitions/tables/state_cell.html"

    def get_value(self, instance):
        return State(instance.state).label

    def get_cell_context_data(self, instance, parent_context):
        context = super().get_cell_context_data(instance, parent_context)
        context["important"] = instance.is_important
        return context
