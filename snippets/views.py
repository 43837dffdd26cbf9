"""Admin views of the configuration: a template previewed against a real case."""

from __future__ import annotations

from django.utils.translation import gettext as _
from wagtail.snippets.views.snippets import InspectView

from snippets.templating import PLACEHOLDERS, render


class MessageTemplatePreviewView(InspectView):
    """A template with the list of placeholders, rendered against a case chosen by number."""

    template_name = "snippets/message_template_preview.html"

    def get_fields(self):
        return []

    def get_context_data(self, **kwargs):
        from petitions.cases.access import visible_cases
        from petitions.cases.notices import NOTICES, placeholder_values
        from petitions.cases.privacy import mask_name

        context = super().get_context_data(**kwargs)
        cases = visible_cases(self.request.user).order_by("-received_at")
        number = self.request.GET.get("case", "").strip()
        case = cases.filter(number=number).first() if number else cases.first()
        preview, error = "", ""
        if number and case is None:
            error = _("没有编号为 %(number)s 的案件，或您无权查看。") % {"number": number}
        if case is not None:
            notice = NOTICES.get(self.object.key)
            values = placeholder_values(
                case, leaves_out_identity=bool(notice and notice.leaves_out_identity)
            )
            # A preview is no place to learn who petitioned (A6.1).
            values["信访人姓名"] = mask_name(values["信访人姓名"])
            preview = render(self.object.body, values)
        context.update(
            placeholders=PLACEHOLDERS.items(),
            preview_case=case,
            preview=preview,
            preview_error=error,
            case_number=number,
        )
        return context
