"""TODO docstring."""

from __future__ import annotations

from wagtail.admin.ui.tables import Column

from petitions.admin.filters import DUE_SOON_WORKING_DAYS
from petitions.cases.deadlines import local_today
from rules import calendar
from rules.states import State

# --- the ledger ----------------------------------------------------------------------------


class DueColumn(Column):
    """The next due date with the working days left, marked when due soon or overdue."""

    cell_template_name = "petitions/tables/due_cell.html"

    def get_cell_context_data(self, instance, parent_context):
        context = super().get_cell_context_data(instance, parent_context)
        due = instance.next_due_on
        context["due"] = due
        context["label"] = instance.next_due_label
        if due and instance.state not in {State.ARCHIVED, State.VOIDED, State.CLOSED}:
            today = parent_context.get("petitions_today") or local_today()
            left = calendar.working_days_between(today, due)
            context["days_left"] = left
            context["overdue"] = due < today
            context["overdue_days"] = -left
            context["soon"] = not context["overdue"] and left <= DUE_SOON_WORKING_DAYS
        return context


class StateColumn(Column):
    cell_template_name = "petitions/tables/state_cell.html"

    def get_value(self, instance):
        return State(instance.state).label

    def get_cell_context_data(self, instance, parent_context):
        context = super().get_cell_context_data(instance, parent_context)
        context["important"] = instance.is_important
        return context
