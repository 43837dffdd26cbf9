"""The django-q2 worker's work: reminders, supervision, closing, alerts, petitioner messages."""
