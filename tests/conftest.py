import pytest

from rules import calendar


@pytest.fixture(autouse=True)
def _fresh_calendar_cache():
    """Each test sees the corrections in its own database, not a year cached by another test."""
    calendar.clear_cache()
    yield
    calendar.clear_cache()


@pytest.fixture(autouse=True, scope="session")
def _urls_loaded_before_any_frozen_clock():
    """The API's schemas are built when the URLconf first loads; pydantic cannot build them
    while freezegun has replaced the datetime classes, so load the URLconf once, unfrozen."""
    from django.urls import get_resolver

    get_resolver().url_patterns
