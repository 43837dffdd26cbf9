"""Admin panels of the configuration that show something computed, not a field."""

from __future__ import annotations

from django.utils import timezone
from wagtail import hooks
from wagtail.admin.panels import Panel

from snippets.events import NEXT_SERIAL_HOOK
from snippets.templating import PLACEHOLDERS


def next_serial(year: int) -> int:
    """The serial the next case of `year` will get (1 if the cases say nothing)."""
    serial = 1
    for ask in hooks.get_hooks(NEXT_SERIAL_HOOK):
        serial = ask(year)
    return serial


class NumberFormatPanel(Panel):
    """编号示例: the number the next case would get, under the saved prefix and under the one
    being typed (a static script keeps the second in step), before anything is saved."""

    class BoundPanel(Panel.BoundPanel):
        template_name = "snippets/panels/number_format.html"

        def get_context_data(self, parent_context=None):
            context = super().get_context_data(parent_context)
            year = timezone.localdate().year
            serial = f"{next_serial(year):06d}"
            prefix = getattr(self.instance, "number_prefix", "") or ""
            context.update(
                year=year,
                serial=serial,
                prefix=prefix,
                example=f"{prefix}-{year}-{serial}",
            )
            return context


class PlaceholderListPanel(Panel):
    """可用占位符: the fixed list, under the text that may use them (snippets.templating)."""

    class BoundPanel(Panel.BoundPanel):
        template_name = "snippets/panels/placeholders.html"

        def get_context_data(self, parent_context=None):
            context = super().get_context_data(parent_context)
            context["placeholders"] = PLACEHOLDERS.items()
            return context
