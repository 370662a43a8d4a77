"""The follow-up queue: the API's scoped list, paged and filtered, and its actions on a row."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app, redirect, render_template, request, url_for

from server.api.followup_schemas import CancelSchema, CompleteSchema, PlanVisitSchema
from server.api.pagination import paginate_select
from server.audit.reads import record_list
from server.clock import local_midnight_utc, operation_zone
from server.console import blp
from server.console.forms import choice, day, loaded
from server.console.session import caller, page
from server.errors import InvalidInput
from server.followups import service
from server.models import FollowUpKind, Role
from server.unit_of_work import use_case

MANAGERS = (Role.DISPATCHER, Role.COMPLIANCE, Role.ADMIN)
PLANNERS = (Role.DISPATCHER, Role.ADMIN)
PAGE_SIZE = 50


class _Page:
    """flask-smorest's pagination parameters, as paginate_select reads and fills them."""

    def __init__(self, number: int):
        self.page, self.page_size, self.item_count = number, PAGE_SIZE, 0


def _filters(args) -> dict:
    status = choice(args, "status", (*service.FOLLOW_UP_STATUSES, "all")) or "open"
    due = day(args, "due_by", None)
    zone = operation_zone(current_app.config)
    return {"status": None if status == "all" else status,
            "kind": choice(args, "kind", FollowUpKind.ALL),
            "due_before": local_midnight_utc(due + timedelta(days=1), zone) if due else None,
            "shown_status": status, "due_by": due}


def _page_number(args) -> int:
    raw = (args.get("page") or "1").strip()
    if not raw.isdigit() or int(raw) < 1:
        raise InvalidInput("page is not a page number", {"page": ["a whole number from 1"]})
    return int(raw)


def _back():
    """Back to the list the form was sent from (only ever a follow-ups list)."""
    listed = url_for("console.follow_ups")
    sent = request.form.get("next") or ""
    return redirect(sent if sent.startswith(listed + "?") or sent == listed else listed)


@blp.route("/follow-ups")
@page(*Role.CASEWORK)
def follow_ups():
    """Follow-ups in the caller's scope, soonest due first, a page at a time (ids audited)."""
    who, filters = caller(), _filters(request.args)
    number = _page_number(request.args)
    paging = _Page(number)
    query = {k: filters[k] for k in ("status", "kind", "due_before")}
    with use_case() as session:
        rows = paginate_select(session, service.follow_ups_query(query, who), paging)
        record_list(session, who.user_id, "follow_up", [r.id for r in rows],
                    {**query, "page": number, "screen": "follow-ups"})
        return render_template("console/follow_ups.html", rows=rows, filters=filters,
                               page=number, total=paging.item_count, page_size=PAGE_SIZE,
                               kinds=FollowUpKind.ALL, statuses=service.FOLLOW_UP_STATUSES,
                               may_cancel=who.role in MANAGERS,
                               may_plan=who.role in PLANNERS)


@blp.route("/follow-ups/<follow_up_id>/complete", methods=["POST"])
@page(*Role.CASEWORK)
def complete_follow_up(follow_up_id: str):
    """Mark a follow-up done with its resolution."""
    body = loaded(CompleteSchema(), {"resolution": request.form.get("resolution", "")})
    with use_case() as session:
        service.complete_follow_up(session, follow_up_id, body["resolution"], caller())
    return _back()


@blp.route("/follow-ups/<follow_up_id>/cancel", methods=["POST"])
@page(*MANAGERS)
def cancel_follow_up(follow_up_id: str):
    """Cancel a follow-up, saying why."""
    body = loaded(CancelSchema(), {"reason": request.form.get("reason", "")})
    with use_case() as session:
        service.cancel_follow_up(session, follow_up_id, body["reason"], caller())
    return _back()


@blp.route("/follow-ups/<follow_up_id>/visit", methods=["POST"])
@page(*PLANNERS)
def plan_follow_up_visit(follow_up_id: str):
    """Turn a revisit follow-up into a planned visit on the chosen day."""
    body = loaded(PlanVisitSchema(), {"on": request.form.get("on", "")})
    with use_case() as session:
        service.plan_revisit(session, follow_up_id, body["on"], caller())
    return _back()
