"""People as the bureau names them in lists, letters and the timeline (one helper for all:
snippets.people.display_name, full name in Chinese order)."""

from __future__ import annotations

from snippets.people import display_name

__all__ = ["display_name"]
