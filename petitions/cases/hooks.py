"""Where the parts above the case core add to what it shows, without the core knowing them.

Each name is a Wagtail hook (`wagtail.hooks`); petitions/wagtail_hooks.py registers the
functions. The working systems (petitions.office) use them to put their records of a case on
its page and a mediation's outcome into the reply drafted after it.
"""

from __future__ import annotations

from wagtail import hooks

#: fn(request, case) -> a Component to show on the case page, or None.
CASE_PAGE_PANELS = "petitions_case_page_panels"
#: fn(case) -> paragraphs (str) that start the case's reply draft after its template text.
REPLY_DRAFT_PARAGRAPHS = "petitions_reply_draft_paragraphs"


def case_page_panels(request, case) -> list:
    return [p for fn in hooks.get_hooks(CASE_PAGE_PANELS) if (p := fn(request, case)) is not None]


def reply_draft_paragraphs(case) -> list[str]:
    return [text for fn in hooks.get_hooks(REPLY_DRAFT_PARAGRAPHS) for text in fn(case) if text]
