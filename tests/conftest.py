import os

import pytest

from rules import calendar
from snippets import bureau, local_copies

if os.environ.get("PETITIONS_TEST_EXISTING_DATABASE"):

    @pytest.fixture(scope="session")
    def django_db_setup():
        """Use DATABASE_URL's database as it is: migrated by the owner role, the tests logged in
        as the application role that owns nothing (.ci/run; petitions.cases.immutability). Each test
        runs in a transaction rolled back at its end: no flush, which that role cannot do."""


@pytest.fixture(autouse=True)
def _fresh_calendar_cache():
    """Each test sees the corrections, the bureau's settings and the channels, categories and
    templates in its own database, not a year or a setting cached by another test."""
    calendar.clear_cache()
    bureau.clear_cache()
    local_copies.clear_local()
    yield
    calendar.clear_cache()
    bureau.clear_cache()
    local_copies.clear_local()


@pytest.fixture(autouse=True, scope="session")
def _urls_loaded_before_any_frozen_clock():
    """The API's schemas are built when the URLconf first loads; pydantic cannot build them
    while freezegun has replaced the datetime classes, so load the URLconf once, unfrozen."""
    from django.urls import get_resolver

    _ = get_resolver().url_patterns


def _hypothesis_profiles() -> None:
    """CI replays the same examples every run (a red CI names a real bug, not bad luck);
    elsewhere each run explores new ones."""
    import os

    from hypothesis import settings

    settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
    if os.environ.get("CI"):
        settings.load_profile("ci")


_hypothesis_profiles()
