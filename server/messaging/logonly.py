"""The "log only" provider `make run` uses: every message is written to the log, none leaves."""

from __future__ import annotations

import logging

from server.messaging.gateway import Outgoing, SendResult

log = logging.getLogger("doorstep.messaging")


def masked(recipient: str) -> str:
    """A number or address with all but its last four characters hidden."""
    return "*" * max(0, len(recipient) - 4) + recipient[-4:]


class LogOnly:
    """Writes each message to the log instead of sending it (development and demos)."""

    idempotent = True  # nothing leaves, so a resend can't reach anybody twice

    def __init__(self, channel: str):
        self.name, self.channel = "log", channel

    def send(self, message: Outgoing) -> SendResult:
        """Log the message (recipient masked) and answer with a local reference."""
        log.info("log-only %s to %s: %s", self.channel, masked(message.recipient), message.body)
        return SendResult(f"log-{message.message_id}")
