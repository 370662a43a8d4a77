"""Domain exceptions: what went wrong, in words of the domain, with no HTTP in sight."""

from __future__ import annotations


class DomainError(Exception):
    """Base of every error a service raises on purpose."""

    def __init__(self, message: str, errors: dict | None = None):
        super().__init__(message)
        self.message = message
        self.errors = errors


class NotFound(DomainError):
    """The thing asked for does not exist, or the caller may not know that it does."""


class Forbidden(DomainError):
    """The caller is known but may not do this."""


class Unauthenticated(DomainError):
    """No valid credentials came with the request."""


class InvalidInput(DomainError):
    """The request is well-formed but its values break a rule."""


class Conflict(DomainError):
    """The request clashes with the current state (a duplicate, a state that forbids it)."""


class StaleVersion(Conflict):
    """The caller changed a row that the server changed after the caller last read it."""


class RuleViolation(DomainError):
    """A compliance rule blocks the action unless an override reason is given."""

    def __init__(self, message: str, findings: list[dict]):
        super().__init__(message, {"findings": findings})
        self.findings = findings


class TooLarge(DomainError):
    """The request exceeds a size or row limit."""


class RateLimited(DomainError):
    """Too many attempts; try again later."""
