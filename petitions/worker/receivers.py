"""The worker's answers to the case core's signals (connected in `PetitionsConfig.ready`)."""

from django.dispatch import receiver

from petitions.cases.signals import case_flags_saved
from petitions.worker.alerts import notify_important


@receiver(case_flags_saved)
def alert_leaders_of_important_case(sender, case, **kwargs) -> None:
    """第十条: the leaders hear of an important case at once, not at the next sweep."""
    notify_important(case)
