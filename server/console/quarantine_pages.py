"""Quarantine review: rows phones sent that could not be applied, replayed fixed or dismissed."""

from __future__ import annotations

import json

from flask import redirect, render_template, request, url_for

from server.api.fact_effects import drain_after_response
from server.audit.reads import record_list, record_read
from server.console import blp
from server.console.forms import choice
from server.console.session import caller, page
from server.errors import InvalidInput
from server.models import QuarantineStatus, Role, utcnow
from server.sync import review
from server.unit_of_work import use_case

REVIEWERS = (Role.DISPATCHER, Role.ADMIN)
SHOWN = 100


def _reviewer():
    return caller()  # the one caller type (server.access.Caller)


def _payload(form) -> dict:
    try:
        payload = json.loads(form.get("payload", ""))
    except ValueError as exc:
        raise InvalidInput("the corrected row is not valid JSON",
                           {"payload": [str(exc)]}) from None
    if not isinstance(payload, dict):
        raise InvalidInput("the corrected row must be a JSON object", {"payload": ["object"]})
    return payload


@blp.route("/quarantine")
@page(*REVIEWERS)
def quarantine():
    """The quarantined rows the reviewer may see (open first); the ids shown are audited."""
    reviewer = _reviewer()
    status = choice(request.args, "status", QuarantineStatus.ALL) or QuarantineStatus.OPEN
    with use_case() as session:
        rows = session.scalars(review.visible(reviewer, status).limit(SHOWN)).all()
        record_list(session, reviewer.user_id, "quarantine", [r.id for r in rows],
                    {"status": status, "screen": "quarantine"})
        return render_template("console/quarantine.html", rows=rows, status=status,
                               statuses=QuarantineStatus.ALL)


@blp.route("/quarantine/<record_id>")
@page(*REVIEWERS)
def quarantined(record_id: str):
    """One quarantined row: reason, errors, the payload to fix (the read audited)."""
    reviewer = _reviewer()
    with use_case() as session:
        record = review.get(session, reviewer, record_id)
        record_read(session, reviewer.user_id, "quarantine", record.id)
        return render_template("console/quarantined.html", record=record,
                               payload=json.dumps(record.payload, ensure_ascii=False, indent=2))


@blp.route("/quarantine/<record_id>/replay", methods=["POST"])
@page(*REVIEWERS)
def replay(record_id: str):
    """Apply the corrected row through the push path, for the collector who sent it."""
    drain_after_response()  # the replayed fact's effects, once answered
    with use_case() as session:
        review.replay(session, _reviewer(), record_id, _payload(request.form), utcnow(),
                      request.form.get("note") or None)
    return redirect(url_for("console.quarantined", record_id=record_id))


@blp.route("/quarantine/<record_id>/dismiss", methods=["POST"])
@page(*REVIEWERS)
def dismiss(record_id: str):
    """Close the row without applying it (a reason is required)."""
    reason = (request.form.get("reason") or "").strip()
    if not reason:
        raise InvalidInput("a dismissal needs a reason", {"reason": ["required"]})
    with use_case() as session:
        review.dismiss(session, _reviewer(), record_id, reason, utcnow())
    return redirect(url_for("console.quarantined", record_id=record_id))
