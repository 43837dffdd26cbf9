"""The staff's screens in the Wagtail admin: the ledger, the case page and its steps, the dashboard
panel, alerts, recusals, the holiday calendar page. Registered in petitions/wagtail_hooks.py."""
