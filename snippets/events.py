"""Signals the configuration sends and the cases receive (the configuration knows no cases)."""

from django.dispatch import Signal

#: Sent once 本局办理选项 are saved with "recompute open deadlines" ticked, after the commit;
#: arguments: instance (the BureauRules row), user. petitions.cases.calendar_changes recomputes.
bureau_rules_changed = Signal()

#: Wagtail hook through which the cases tell the number-format example the next serial of a
#: year: a function of (year) returning an int (petitions registers it).
NEXT_SERIAL_HOOK = "petitions_next_case_serial"
