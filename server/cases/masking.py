"""What each role sees of a debtor's identity (PIPL: the minimum a person needs)."""

from __future__ import annotations

from server.models import Role
from server.sync.wire import mask_contact, mask_national_id

# Compliance officers and admins review complaints and audits: they see ids in full.
_UNMASKED = (Role.COMPLIANCE, Role.ADMIN)


def national_id(role: str, value: str | None) -> str | None:
    """National ids are masked for collectors and dispatchers (first 3, last 4 kept)."""
    return value if role in _UNMASKED else mask_national_id(value)


def contact_value(role: str, value: str | None, liable: bool) -> str | None:
    """A collector sees the numbers of the debtor and liable parties only (as on the phone)."""
    if role == Role.COLLECTOR and not liable:
        return mask_contact(value)
    return value


def restricted_note(role: str, value: str | None) -> str | None:
    """Vulnerability notes are health or family details: compliance officers and admins."""
    return value if role in _UNMASKED else None
