"""Admin views of the configuration: a template with its placeholders and a preview."""

from __future__ import annotations

from wagtail import hooks
from wagtail.snippets.views.snippets import InspectView

from snippets.templating import PLACEHOLDERS

#: Hook through which the cases render a template against a real case: a function of
#: (request, template, case number) returning the preview's context (the configuration
#: knows no cases; petitions registers it).
PREVIEW_HOOK = "preview_message_template"


class MessageTemplatePreviewView(InspectView):
    """A template with the list of placeholders, rendered against a case chosen by number."""

    template_name = "snippets/message_template_preview.html"

    def get_fields(self):
        return []

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        number = self.request.GET.get("case", "").strip()
        preview = {"preview_case": None, "preview": "", "preview_error": ""}
        for render_preview in hooks.get_hooks(PREVIEW_HOOK):
            preview = render_preview(self.request, self.object, number)
        context.update(preview, placeholders=PLACEHOLDERS.items(), case_number=number)
        return context
