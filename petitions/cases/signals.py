"""What the case core tells the rest of the system, without knowing who listens.

The core files and edits cases; the worker alerts people. The core sends these signals inside
its own transaction, so a listener's work commits, or rolls back, with the case.
"""

from django.dispatch import Signal

#: A case was filed, or its important-case flags (第十条) were saved: the worker alerts the
#: leaders of an important case at once. Arguments: ``case``.
case_flags_saved = Signal()

#: Someone must act (a draft sent back, a lead department to name, a spot check's findings):
#: the worker records an alert for each recipient, at most once per key. Arguments: ``case``,
#: ``recipients`` (users; None is skipped), ``kind`` (an Alert.Kind), ``key``, ``message`` and
#: ``link`` (where to act; "" for the case page).
staff_alert_requested = Signal()
