"""Pluggable senders for messages to petitioners (X.2): SMS or email; the console by default.

A sender is a class with `send(message) -> None` that raises on failure. Choose one with the
setting PETITIONS_MESSAGE_SENDER (a dotted path); a real SMS gateway plugs in the same way.
"""

from __future__ import annotations

import logging
from typing import Protocol

from django.conf import settings
from django.core.mail import send_mail
from django.utils.module_loading import import_string

logger = logging.getLogger("petitions.messages")


class Sender(Protocol):
    def send(self, message) -> None: ...


class ConsoleSender:
    """Writes the message to the log: for development and for installations without a gateway."""

    def send(self, message) -> None:
        logger.info("to %s: %s", message.to, message.body)


class EmailSender:
    def send(self, message) -> None:
        send_mail("环境信访办理通知", message.body, None, [message.to])


def get_sender() -> Sender:
    return import_string(settings.PETITIONS_MESSAGE_SENDER)()
