"""The reviewed table of who may call what, and how to call any operation of the spec.

Every operation of /api/openapi.json must have a row here: a new route fails the matrix test
until someone decides (and a reviewer agrees) which roles may use it.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from tests.support.clock import operation_today

COLLECTOR, DISPATCHER, COMPLIANCE, ADMIN = "collector", "dispatcher", "compliance", "admin"
LENDER_OPS = "lender_ops"
API_CLIENT = "api_client"  # a lender's machine client (no person; tests/integration/payments)
ANONYMOUS = "anonymous"
CASEWORK = frozenset({COLLECTOR, DISPATCHER, COMPLIANCE, ADMIN})  # lender ops work no cases
ALL = CASEWORK | {LENDER_OPS}
PUBLIC = ALL | {ANONYMOUS}
STAFF = frozenset({DISPATCHER, COMPLIANCE, ADMIN})
PLANNERS = frozenset({DISPATCHER, ADMIN})
OFFICERS = frozenset({COMPLIANCE, ADMIN})
V1 = "/api/v1"

ALLOWED: dict[tuple[str, str], frozenset] = {
    ("GET", "/health"): PUBLIC,
    ("GET", "/health/live"): PUBLIC,
    ("POST", "/auth/tokens"): PUBLIC,
    # Provider callbacks: no token, a provider signature instead (403 when it is missing).
    ("POST", "/messaging/receipts/twilio"): PUBLIC,
    ("POST", "/messaging/receipts/aliyun"): PUBLIC,
    ("POST", "/messaging/inbound/twilio"): PUBLIC,
    ("POST", "/messaging/inbound/aliyun"): PUBLIC,
    ("GET", "/outbox"): STAFF,
    ("GET", "/outbox/{message_id}"): STAFF,
    ("POST", "/outbox/{message_id}/cancel"): STAFF,
    ("POST", "/outbox/{message_id}/retry"): STAFF,
    ("GET", "/message-templates"): STAFF,
    ("POST", "/message-templates"): OFFICERS,
    ("GET", "/message-wording/{jurisdiction}"): STAFF,
    ("PUT", "/message-wording/{jurisdiction}"): OFFICERS,
    ("DELETE", "/auth/tokens/current"): ALL,
    ("GET", "/users"): STAFF,
    ("POST", "/users"): frozenset({ADMIN}),
    ("GET", "/users/me"): ALL,
    ("GET", "/users/{user_id}"): STAFF,
    ("PATCH", "/users/{user_id}"): frozenset({ADMIN}),
    ("PUT", "/users/{user_id}/password"): frozenset({ADMIN}),
    ("GET", "/audit-events"): OFFICERS,
    ("GET", "/imports"): STAFF | {LENDER_OPS},
    ("POST", "/imports"): PLANNERS | {LENDER_OPS},
    ("GET", "/imports/{run_id}"): STAFF | {LENDER_OPS},
    ("GET", "/sync/pull"): frozenset({COLLECTOR}),
    ("POST", "/sync/push"): frozenset({COLLECTOR}),
    ("GET", "/attachments/{sha256}"): CASEWORK,
    ("PUT", "/attachments/{sha256}"): frozenset({COLLECTOR}),
    ("GET", "/quarantine"): PLANNERS,
    ("GET", "/quarantine/{record_id}"): PLANNERS,
    ("POST", "/quarantine/{record_id}/replay"): PLANNERS,
    ("POST", "/quarantine/{record_id}/dismiss"): PLANNERS,
    ("GET", "/devices"): PLANNERS,
    ("POST", "/devices/{device_id}/revoke"): frozenset({ADMIN}),
    ("POST", "/devices/{device_id}/release"): frozenset({ADMIN}),
    ("GET", "/compliance/profiles"): STAFF,
    ("POST", "/compliance/profiles"): OFFICERS,
    ("GET", "/compliance/profiles/effective"): STAFF,
    ("GET", "/compliance/profiles/{code}"): STAFF,
    ("PUT", "/compliance/profiles/{code}"): OFFICERS,
    ("GET", "/compliance/violations"): OFFICERS,
    ("POST", "/compliance/violations/{violation_id}/review"): OFFICERS,
    ("GET", "/promises"): CASEWORK,
    ("GET", "/promises/stats"): STAFF,
    ("GET", "/follow-ups"): CASEWORK,
    ("POST", "/follow-ups/{follow_up_id}/complete"): CASEWORK,
    ("GET", "/review-flags"): STAFF,
    ("GET", "/fact-effects/failed"): STAFF,
    ("POST", "/review-flags/{table}/{row_id}/clear"): STAFF,
    ("POST", "/follow-ups/{follow_up_id}/cancel"): STAFF,
    ("POST", "/follow-ups/{follow_up_id}/visit"): PLANNERS,
    ("GET", "/visits"): CASEWORK,
    ("POST", "/visits"): PLANNERS,
    ("GET", "/visits/workload"): STAFF,
    ("POST", "/visits/auto-assign"): PLANNERS,
    ("GET", "/visits/{visit_id}"): CASEWORK,
    ("PATCH", "/visits/{visit_id}"): PLANNERS,
    ("GET", "/addresses"): STAFF,
    ("POST", "/addresses/geocode"): PLANNERS,
    ("GET", "/addresses/{address_id}"): ALL,
    ("POST", "/addresses/{address_id}/verify"): PLANNERS,
    ("GET", "/route-plans"): STAFF,
    ("POST", "/route-plans"): PLANNERS,
    ("GET", "/route-plans/runs/{run_id}"): PLANNERS,
    ("GET", "/me/route"): frozenset({COLLECTOR}),
    ("GET", "/cases"): ALL,
    ("GET", "/cases/{case_id}"): ALL,
    ("GET", "/cases/{case_id}/timeline"): ALL,
    ("POST", "/cases/{case_id}/requests"): STAFF,
    ("POST", "/cases/{case_id}/complaints"): STAFF,
    ("POST", "/cases/{case_id}/calls"): ALL,
    ("GET", "/complaints"): STAFF,
    ("GET", "/complaints/stats"): STAFF,
    ("GET", "/complaints/{complaint_id}"): STAFF,
    ("PATCH", "/complaints/{complaint_id}"): STAFF,
    ("GET", "/api-clients"): frozenset({ADMIN}),
    ("POST", "/api-clients"): frozenset({ADMIN}),
    ("POST", "/api-clients/{client_id}/revoke"): frozenset({ADMIN}),
    ("POST", "/lender/postings"): frozenset({API_CLIENT}),
    ("POST", "/lender/postings/files"): frozenset({API_CLIENT, LENDER_OPS, ADMIN}),
    ("GET", "/lender/postings/unmatched"): frozenset({LENDER_OPS, ADMIN}),
    ("GET", "/lender/postings/conflicts"): frozenset({LENDER_OPS, ADMIN}),
    ("POST", "/lender/postings/{posting_id}/match"): frozenset({LENDER_OPS, ADMIN}),
    ("POST", "/lender/postings/{posting_id}/dismiss"): frozenset({LENDER_OPS, ADMIN}),
    ("POST", "/lender/postings/conflicts/{conflict_id}/accept"): frozenset({LENDER_OPS, ADMIN}),
    ("POST", "/lender/postings/conflicts/{conflict_id}/reject"): frozenset({LENDER_OPS, ADMIN}),
    ("POST", "/placements"): frozenset({LENDER_OPS, ADMIN}),
    ("POST", "/cases/{case_id}/offers"): frozenset({COLLECTOR, DISPATCHER}),
    ("GET", "/offers"): PLANNERS,
    ("POST", "/offers/{offer_id}/approve"): PLANNERS,
    ("POST", "/offers/{offer_id}/refuse"): PLANNERS,
    ("GET", "/offers/approval-limits"): PLANNERS,
    ("PUT", "/offers/approval-limits"): frozenset({ADMIN}),
    ("POST", "/placements/recall"): frozenset({LENDER_OPS, ADMIN}),
    ("POST", "/placements/by-rules"): frozenset({LENDER_OPS, ADMIN}),
    ("POST", "/placements/recall/by-rules"): frozenset({LENDER_OPS, ADMIN}),
    ("GET", "/placements/recall/standing-rules"): frozenset({LENDER_OPS, ADMIN}),
    ("PUT", "/placements/recall/standing-rules"): frozenset({LENDER_OPS, ADMIN}),
    ("POST", "/placements/replace"): frozenset({LENDER_OPS, ADMIN}),
    ("POST", "/receipts/{payment_id}/void"): PLANNERS,
    ("POST", "/receipts/{payment_id}/reissue"): PLANNERS,
    ("GET", "/reports/agency-performance"): frozenset({LENDER_OPS, ADMIN, COMPLIANCE}),
    ("GET", "/lender/exports/postings"): frozenset({LENDER_OPS, ADMIN}),
    ("GET", "/lender/exports/receipts"): frozenset({LENDER_OPS, ADMIN}),
    ("POST", "/cash/deposits"): frozenset({COLLECTOR, DISPATCHER, ADMIN}),
    ("GET", "/cash/deposits"): frozenset({COLLECTOR, DISPATCHER, ADMIN}),
    ("GET", "/cash/report"): PLANNERS,
    ("POST", "/selection/history"): frozenset({ADMIN, LENDER_OPS}),
    ("GET", "/selection/models"): STAFF,
    ("POST", "/selection/models/{model_id}/approve"): OFFICERS,
    ("POST", "/selection/days"): PLANNERS,
    ("GET", "/selection/scores"): STAFF,
    ("POST", "/selection/scores/{score_id}/override"): PLANNERS,
    ("GET", "/selection/report"): STAFF,
    ("POST", "/cases/{case_id}/self-service-links"): STAFF,
    ("GET", "/cases/{case_id}/self-service-links"): STAFF,
    ("POST", "/self-service-links/{link_id}/revoke"): STAFF,
    ("GET", "/cases/{case_id}/self-service-proofs/{sha256}"): CASEWORK,
}

TODAY = operation_today().isoformat()
# Bodies that would succeed on the caller's own objects, so a 2xx is possible at all;
# "{name}" is replaced by the victim's id of that name.
BODIES: dict[tuple[str, str], dict] = {
    ("POST", "/users"): {"username": "intruder", "password": "x" * 12, "role": "collector",
                         "team": "{team}"},
    ("PATCH", "/users/{user_id}"): {"display_name": "renamed"},
    ("POST", "/outbox/{message_id}/cancel"): {"reason": "withdrawn"},
    ("POST", "/self-service-links/{link_id}/revoke"): {"reason": "withdrawn"},
    ("POST", "/message-templates"): {"code": "intruder_notice", "body": "您好"},
    ("PUT", "/message-wording/{jurisdiction}"): {"phrases": ["intruder"]},
    ("POST", "/cases/{case_id}/requests"): {"kind": "hardship"},
    ("POST", "/cases/{case_id}/complaints"): {"category": "service", "description": "slow"},
    ("PATCH", "/complaints/{complaint_id}"): {"complex": True},
    ("POST", "/cases/{case_id}/calls"): {"contact_point_id": "{contact_point_id}",
                                         "connected": False},
    ("PUT", "/users/{user_id}/password"): {"password": "y" * 12},
    ("POST", "/quarantine/{record_id}/replay"): {"payload": {"body": "fixed"}},
    ("POST", "/quarantine/{record_id}/dismiss"): {"reason": "looked at it"},
    ("POST", "/devices/{device_id}/revoke"): {"reason": "lost"},
    ("POST", "/devices/{device_id}/release"): {"reason": "handed over"},
    ("PUT", "/compliance/profiles/{code}"): {"params": {"code": "{code}"}, "reason": "tighten"},
    ("POST", "/compliance/violations/{violation_id}/review"): {"status": "reviewed",
                                                               "note": "seen"},
    ("POST", "/review-flags/{table}/{row_id}/clear"): {"note": "checked the receipt"},
    ("POST", "/follow-ups/{follow_up_id}/complete"): {"resolution": "paid"},
    ("POST", "/follow-ups/{follow_up_id}/cancel"): {"reason": "duplicate"},
    ("POST", "/follow-ups/{follow_up_id}/visit"): {"on": TODAY},
    ("POST", "/visits"): {"case_id": "{case_id}", "address_id": "{address_id}",
                          "scheduled_on": TODAY},
    ("POST", "/visits/auto-assign"): {"team": "{team}", "date": TODAY, "dry_run": True},
    ("PATCH", "/visits/{visit_id}"): {"version": 1, "scheduled_on": TODAY},
    ("POST", "/addresses/geocode"): {"address_ids": ["{address_id}"]},
    ("POST", "/addresses/{address_id}/verify"): {"note": "seen it myself",
                                                 "lat": 31.2, "lng": 121.4},
    ("POST", "/route-plans"): {"date": TODAY, "team": "{team}"},
    ("POST", "/imports"): [{"case_id": "C1"}],
    ("POST", "/api-clients"): {"name": "core", "lender": "{lender_code}",
                               "scopes": ["payments:write"]},
    ("POST", "/api-clients/{client_id}/revoke"): {"reason": "rotated"},
    ("POST", "/lender/postings"): {"txn_id": "T1", "account_id": "{account_ref}",
                                   "amount": "1.00", "paid_at": TODAY},
    ("POST", "/lender/postings/{posting_id}/match"): {"account_id": "{account_ref}"},
    ("POST", "/lender/postings/{posting_id}/dismiss"): {"reason": "not ours"},
    ("POST", "/lender/postings/conflicts/{conflict_id}/reject"): {"reason": "wrong file"},
    ("POST", "/placements"): {"cases": ["{case_ref}"], "agency": "{agency_code}"},
    ("POST", "/cases/{case_id}/offers"): {"kind": "settlement", "schedule": [
        {"due_on": TODAY, "amount": "100.00"}]},
    ("POST", "/offers/{offer_id}/refuse"): {"reason": "too low"},
    ("PUT", "/offers/approval-limits"): {"role": "dispatcher", "max_discount_pct": "10",
                                         "max_instalments": 6},
    ("POST", "/placements/recall"): {"cases": ["{case_ref}"], "reason": "performance"},
    ("POST", "/placements/by-rules"): {"rules": [{"agencies": [{"agency": "{agency_code}",
                                                                "share": 100}]}]},
    ("POST", "/placements/recall/by-rules"): {"rules": [{"kind": "complaints",
                                                         "min_complaints": 1}]},
    ("PUT", "/placements/recall/standing-rules"): {"rules": [{"kind": "complaints",
                                                             "upheld": True}]},
    ("POST", "/placements/replace"): {"cases": ["{case_ref}"], "agency": "{agency_code}",
                                      "reason": "complaint"},
    ("POST", "/receipts/{payment_id}/void"): {"reason": "wrong amount"},
    ("POST", "/receipts/{payment_id}/reissue"): {"reason": "typo", "receipt_no": "R-NEW-1"},
    ("POST", "/selection/models/{model_id}/approve"): {"note": "reviewed the card"},
    ("POST", "/selection/days"): {"team": "{team}", "date": TODAY},
    ("POST", "/selection/scores/{score_id}/override"): {"action": "exclude",
                                                         "reason": "saw them yesterday"},
}
QUERY_DEFAULTS = {"schema_version": 1, "date": TODAY, "from": TODAY, "month": TODAY[:7],
                  "to": (operation_today() + timedelta(days=30)).isoformat()}


def operations(spec: dict) -> list[tuple[str, str, dict]]:
    """(METHOD, path without /api/v1, operation) for every operation, log-out last."""
    ops = []
    for path, item in spec["paths"].items():
        for method, op in item.items():
            if method in {"get", "post", "put", "patch", "delete"}:
                ops.append((method.upper(), path.removeprefix(V1), op))
    return sorted(ops, key=lambda o: (o[:2] == ("DELETE", "/auth/tokens/current"), o[:2]))


def _fill(value, ids: dict):
    if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
        return ids.get(value[1:-1], uuid.uuid4().hex)
    if isinstance(value, list):
        return [_fill(v, ids) for v in value]
    if isinstance(value, dict):
        return {k: _fill(v, ids) for k, v in value.items()}
    return value


def request_for(method: str, path: str, op: dict, ids: dict) -> dict:
    """URL, query and body aimed at the victim's objects (unknown path names: a random id)."""
    url = V1 + _fill_path(path, ids)
    query = {}
    for param in op.get("parameters", []):
        if param["in"] != "query":
            continue
        name = param["name"]
        if name in ids:
            query[name] = ids[name]
        elif param.get("required") and name in QUERY_DEFAULTS:
            query[name] = QUERY_DEFAULTS[name]
    kwargs = {"method": method, "query_string": query}
    if method in {"POST", "PUT", "PATCH"}:
        kwargs["json"] = _fill(BODIES.get((method, path), {}), ids)
    return {"path": url, **kwargs}


def _fill_path(path: str, ids: dict) -> str:
    parts = []
    for part in path.split("/"):
        if part.startswith("{"):
            part = str(ids.get(part[1:-1], uuid.uuid4().hex))
        parts.append(part)
    return "/".join(parts)
