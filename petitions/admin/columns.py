"""The ledger's own columns: the next due date as it stands today, the state, plain text."""

from __future__ import annotations

from django.utils.html import format_html
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


class TextColumn(Column):
    """A cell of plain text, written without a template (the same HTML as Wagtail's cell.html).

    The ledger renders 50 rows of 8 cells; a template per cell cost about as much as the rows'
    queries (issue 14).
    """

    def render_cell_html(self, instance, parent_context):
        value = self.get_value(instance)
        if value is None or not str(value).strip():
            value = self.empty_value_display
        if self.classname:
            return format_html('<td class="{}">{}</td>', self.classname, value)
        return format_html("<td>{}</td>", value)
