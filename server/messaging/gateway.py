"""The gateway interface every provider implements, and the gateway that picks one per channel.

A provider sends one message and answers with its own reference, or raises: `TransientError`
(try again later: throttled, timed out, 5xx) or `PermanentError` (this message will never go:
a bad number, a rejected template). `idempotent` says whether the provider itself drops a
second request with the same idempotency key (the message id), which is what makes resending
after a crash safe.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol


class TransientError(Exception):
    """The provider could not take the message now; it may later."""


class PermanentError(Exception):
    """The provider refused the message for good."""


@dataclass(frozen=True)
class Outgoing:
    """One message as a provider sends it; `message_id` is the idempotency key."""

    message_id: str
    channel: str
    recipient: str
    body: str
    subject: str | None = None
    template_id: str | None = None  # the provider's registered template (CN SMS)
    sign_name: str | None = None  # the registered signature shown as the sender
    params: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class SendResult:
    """What the provider answered: its reference for the message (receipts name it)."""

    provider_ref: str


class Provider(Protocol):
    """Sends messages of one channel."""

    name: str
    channel: str
    idempotent: bool

    def send(self, message: Outgoing) -> SendResult:
        """Hand one message to the provider."""


class NoProvider(PermanentError):
    """No provider is configured for the message's channel."""


class Gateway:
    """The configured provider of each channel (sms, email)."""

    def __init__(self, providers: Mapping[str, Provider]):
        self.providers = dict(providers)

    def provider_for(self, channel: str) -> Provider:
        """The provider that sends `channel`, or NoProvider."""
        try:
            return self.providers[channel]
        except KeyError:
            raise NoProvider(f"no provider is configured for {channel!r}") from None

    def describe(self) -> str:
        """One line naming each channel's provider (logged when the scheduler starts)."""
        return ", ".join(f"{channel}: {p.name}" for channel, p in sorted(self.providers.items()))
