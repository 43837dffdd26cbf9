import pytest

from rules import calendar


@pytest.fixture(autouse=True)
def _fresh_calendar_cache():
    """Each test sees the corrections in its own database, not a year cached by another test."""
    calendar.clear_cache()
    yield
    calendar.clear_cache()
