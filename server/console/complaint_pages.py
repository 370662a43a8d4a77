"""Complaints with their clocks: the open queue soonest due first, and answering one."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for

from server.api.complaint_schemas import ComplaintUpdateSchema
from server.audit.reads import record_list, record_read
from server.cases.complaints import complaints_query, readable_complaint, update_complaint
from server.console import blp
from server.console.forms import loaded
from server.console.session import caller, page
from server.models import ComplaintStatus, Role, utcnow
from server.unit_of_work import use_case

STAFF = (Role.DISPATCHER, Role.COMPLIANCE, Role.ADMIN)
SHOWN = 100


@blp.route("/complaints")
@page(*STAFF)
def complaints():
    """Open complaints on readable cases, soonest due first (the ids shown audited)."""
    who = caller()
    with use_case() as session:
        rows = session.scalars(complaints_query(who, {"open": True}).limit(SHOWN)).all()
        record_list(session, who.user_id, "complaint", [c.id for c in rows],
                    {"open": True, "screen": "complaints"})
        return render_template("console/complaints.html", rows=rows, now=utcnow())


@blp.route("/complaints/<complaint_id>")
@page(*STAFF)
def complaint(complaint_id: str):
    """One complaint, its clock and the form to answer it (the read audited)."""
    who = caller()
    with use_case() as session:
        found = readable_complaint(session, who, complaint_id)
        record_read(session, who.user_id, "complaint", found.id)
        return render_template("console/complaint.html", c=found, now=utcnow(),
                               statuses=[s for s in ComplaintStatus.ALL
                                         if s != ComplaintStatus.RECEIVED],
                               may_extend=who.role in (Role.COMPLIANCE, Role.ADMIN))


@blp.route("/complaints/<complaint_id>", methods=["POST"])
@page(*STAFF)
def answer_complaint(complaint_id: str):
    """Take it, move it on, mark it complex, extend it once, or resolve it with the answer."""
    who = caller()
    form = {k: v for k, v in request.form.items() if k != "csrf_token"}
    if form.pop("take", None):
        form["handler_id"] = who.user_id
    with use_case() as session:
        update_complaint(session, who, complaint_id, loaded(ComplaintUpdateSchema(), form),
                         utcnow())
    return redirect(url_for("console.complaint", complaint_id=complaint_id))
