"""The worker's answers to the case core's signals (connected in `PetitionsConfig.ready`)."""

from django.dispatch import receiver

from petitions.cases.signals import case_flags_saved, staff_alert_requested
from petitions.worker.alerts import create_alerts, notify_important


@receiver(case_flags_saved)
def alert_leaders_of_important_case(sender, case, **kwargs) -> None:
    """第十条: the leaders hear of an important case at once, not at the next sweep."""
    notify_important(case)


@receiver(staff_alert_requested)
def alert_staff(sender, case, recipients, kind, key, message, link="", **kwargs) -> None:
    """A returned draft, a lead department to name, a spot check: told at once, at most once."""
    create_alerts(case, recipients, kind, key, message, link=link)
