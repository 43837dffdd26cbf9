"""The holiday-calendar coverage page and its admin hooks (filled in by the calendar work)."""
