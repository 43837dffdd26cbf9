"""A message template rendered against a real case the user may see (配置 › 文书模板)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from petitions.cases.access import visible_cases
from petitions.cases.notices import NOTICES, placeholder_values
from petitions.cases.privacy import mask_name
from snippets.models import MessageTemplate
from snippets.templating import render


def preview_against_case(request, template: MessageTemplate, number: str) -> dict:
    """The preview's context: the case (by number, else the latest the user sees), the
    rendered text with the petitioner masked, or why there is none."""
    cases = visible_cases(request.user).order_by("-received_at")
    case = cases.filter(number=number).first() if number else cases.first()
    preview, error = "", ""
    if number and case is None:
        error = _("没有编号为 %(number)s 的案件，或您无权查看。") % {"number": number}
    if case is not None:
        notice = NOTICES.get(template.key)
        values = placeholder_values(
            case, leaves_out_identity=bool(notice and notice.leaves_out_identity)
        )
        # A preview is no place to learn who petitioned (A6.1).
        values["信访人姓名"] = mask_name(values["信访人姓名"])
        preview = render(template.body, values)
    return {"preview_case": case, "preview": preview, "preview_error": error}
