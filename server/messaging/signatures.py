"""Checking that a callback really comes from the provider: Twilio's own X-Twilio-Signature,
or an HMAC-SHA256 of the raw body (X-Doorstep-Signature: sha256=<hex>) for callbacks that
carry no signature of their own and pass through a signing relay."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping

from twilio.request_validator import RequestValidator

HMAC_HEADER = "X-Doorstep-Signature"


def hmac_signature(secret: str, body: bytes) -> str:
    """The header value a relay sends for `body`."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def hmac_valid(secret: str, body: bytes, header: str | None) -> bool:
    """True when `header` is the body's HMAC under `secret` (never with an empty secret)."""
    if not secret or not header:
        return False
    return hmac.compare_digest(hmac_signature(secret, body), header.strip())


def twilio_valid(auth_token: str, url: str, form: Mapping[str, str],
                 header: str | None) -> bool:
    """True when X-Twilio-Signature matches the URL Twilio called and the posted form."""
    if not auth_token or not header:
        return False
    return RequestValidator(auth_token).validate(url, dict(form), header)
