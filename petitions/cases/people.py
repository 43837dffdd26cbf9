"""People as the bureau names them in lists, letters and the timeline."""

from __future__ import annotations


def display_name(user) -> str:
    """A member of staff by their full name, else their login name; "" for nobody."""
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()
