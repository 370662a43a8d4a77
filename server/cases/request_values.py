"""What a debtor's request and a logged call may hold: one definition for the REST schemas and
the sync protocol's checks of pushed `case_requests` and `call_logs` rows (pure)."""

from __future__ import annotations

import re

from server.models import CaseEventKind

K = CaseEventKind
STOP_CHANNELS = ("all", "call", "sms", "email", "visit")
HOLD_REASONS = ("bereavement", "illness", "disaster", "wedding", "hospital", "other")
VULNERABILITY_CATEGORIES = ("health", "mental_health", "bereavement", "age", "disability",
                            "financial_shock", "other")
COMPLAINT_CATEGORIES = ("conduct", "harassment", "privacy", "wrong_amount", "service", "other")
VIA = ("staff", "phone", "door", "letter", "email", "self_service")
CALL_OUTCOMES = ("NO_ANSWER", "BUSY", "WRONG_NUMBER", "MET_DEBTOR", "THIRD_PARTY_MET",
                 "PROMISED", "REFUSED", "DISPUTED", "VOICEMAIL")
# The fields each kind of request needs.
REQUIRED = {K.STOP_CONTACT: ("channel",), K.HOLD: ("until", "reason"),
            K.PREFERRED_TIMES: ("windows",), K.VULNERABILITY: ("category",),
            K.PHONE_REPORTED: ("value",), K.ADDRESS_REPORTED: ("value",),
            K.MOVED: ("address_id",), K.THIRD_PARTY_REPORT: ("note",),
            K.COMPLAINT: ("category", "note")}
CATEGORIES = {K.VULNERABILITY: VULNERABILITY_CATEGORIES, K.COMPLAINT: COMPLAINT_CATEGORIES}
MAX_WINDOWS = 6
_FROM = re.compile(r"([01][0-9]|2[0-3]):[0-5][0-9]")
_TO = re.compile(r"([01][0-9]|2[0-3]):[0-5][0-9]|24:00")

# (table, column) -> allowed values, checked on every pushed row (server/sync/values.py).
ENUMS = {
    ("case_requests", "kind"): K.ALL,
    ("case_requests", "via"): VIA,
    ("case_requests", "channel"): STOP_CHANNELS,
    ("case_requests", "reason"): HOLD_REASONS,
    ("case_requests", "category"): VULNERABILITY_CATEGORIES + COMPLAINT_CATEGORIES,
    ("call_logs", "outcome"): CALL_OUTCOMES,
}


def missing_fields(spec) -> dict[str, list[str]]:
    """Fields the request's kind needs and lacks, or holds with a value for another kind."""
    kind = spec.get("kind")
    missing = {name: ["required for this kind"] for name in REQUIRED.get(kind, ())
               if spec.get(name) is None}
    if kind == K.STOP_CONTACT_LIFTED and not (spec.get("channel") or spec.get("opt_out_id")):
        missing["channel"] = ["give channel or opt_out_id"]
    allowed = CATEGORIES.get(kind)
    if allowed and spec.get("category") is not None and spec["category"] not in allowed:
        missing["category"] = [f"for {kind}: one of {', '.join(allowed)}"]
    return missing


def window_errors(windows) -> dict[str, list[str]]:
    """Preferred times as sent by a device: a list of {"from": "HH:MM", "to": "HH:MM"}."""
    if windows is None:
        return {}
    if not isinstance(windows, list) or len(windows) > MAX_WINDOWS or not all(
            isinstance(w, dict) and set(w) == {"from", "to"} and isinstance(w["from"], str)
            and isinstance(w["to"], str) and _FROM.fullmatch(w["from"])
            and _TO.fullmatch(w["to"]) for w in windows):
        return {"windows": [f"a list of at most {MAX_WINDOWS} {{from: HH:MM, to: HH:MM}}"]}
    return {}


def request_errors(values: dict) -> dict[str, list[str]]:
    """Column -> messages for a pushed case_requests row beyond its enumerations."""
    return {**missing_fields(values), **window_errors(values.get("windows"))}


def call_errors(values: dict) -> dict[str, list[str]]:
    """Column -> messages for a pushed call_logs row beyond its enumerations."""
    if values.get("duration_s") is not None and not 0 <= values["duration_s"] <= 86400:
        return {"duration_s": ["between 0 and 86400 seconds"]}
    return {}


CHECKS = {"case_requests": request_errors, "call_logs": call_errors}
