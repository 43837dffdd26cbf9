from collections.abc import Iterator

import pytest

from rules import calendar as cal


@pytest.fixture
def pure_calendar() -> Iterator[None]:
    """The calendar without the project's (database) loader: the library and the statutory
    holidays only, so a test of the rules needs no database."""
    saved = cal.get_corrections_loader()
    cal.set_corrections_loader(None)
    yield
    cal.set_corrections_loader(saved)
