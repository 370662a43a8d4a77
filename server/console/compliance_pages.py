"""Compliance: violations to review, the overrides dispatchers gave, and the audit search."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for

from server.api.audit_schemas import AuditQuerySchema
from server.audit.queries import audit_events
from server.compliance.engine.verdicts import Rule
from server.compliance.violations import REVIEW_STATUSES, review_violation, violations_query
from server.console import blp
from server.console.forms import choice, loaded
from server.console.session import caller, page
from server.errors import InvalidInput
from server.models import Role
from server.unit_of_work import use_case

OFFICERS = (Role.COMPLIANCE, Role.ADMIN)
SHOWN = 100
AUDIT_FIELDS = ("actor_id", "action", "object_type", "object_id", "since", "until")


@blp.route("/compliance")
@page(*OFFICERS)
def compliance():
    """Violations (filtered by rule and status), the latest overrides, and an audit search."""
    args = request.args
    filters = {"rule": choice(args, "rule", tuple(str(r) for r in Rule)),
               "status": choice(args, "status", ("open", *REVIEW_STATUSES)) or "open"}
    audit_query = loaded(AuditQuerySchema(), {k: args.get(k, "") for k in AUDIT_FIELDS})
    with use_case() as session:
        violations = session.scalars(violations_query(filters).limit(SHOWN)).all()
        overrides = session.scalars(audit_events({"action": "visit.assign.override"})
                                    .limit(20)).all()
        events = session.scalars(audit_events(audit_query).limit(SHOWN)).all() \
            if audit_query else []
        return render_template("console/compliance.html", violations=violations,
                               overrides=overrides, events=events, filters=filters, args=args,
                               rules=[str(r) for r in Rule], audit_fields=AUDIT_FIELDS,
                               review_statuses=REVIEW_STATUSES)


@blp.route("/compliance/violations/<violation_id>", methods=["POST"])
@page(*OFFICERS)
def review(violation_id: str):
    """Close an open violation as reviewed or dismissed, with a note."""
    status = choice(request.form, "status", REVIEW_STATUSES)
    note = (request.form.get("note") or "").strip()
    if not status or not note:
        raise InvalidInput("a review needs a status and a note",
                           {"status" if not status else "note": ["required"]})
    with use_case() as session:
        review_violation(session, violation_id, status, note, caller().user_id)
    return redirect(url_for("console.compliance"))
