"""The outbox: outbound messages of readable cases, filtered and paged, with cancel and retry
over the same use cases as /api/v1/outbox (the list's ids and every action audited)."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for

from server.api.outbox_schemas import OutboxCancelSchema
from server.api.pagination import paginate_select
from server.audit.reads import record_list
from server.console import blp
from server.console.followup_pages import _Page, _page_number
from server.console.forms import choice, loaded
from server.console.session import caller, page
from server.messaging import states
from server.messaging.logonly import masked
from server.messaging.outbox import cancel_message, outbox_query, retry_message
from server.models import Role, utcnow
from server.unit_of_work import use_case

STAFF = (Role.DISPATCHER, Role.COMPLIANCE, Role.ADMIN)
TEMPLATES = ("ptp_reminder", "visit_notice", "self_service_link")


def _filters(args) -> dict:
    return {"status": choice(args, "status", states.ALL),
            "channel": choice(args, "channel", ("sms", "email")),
            "template": choice(args, "template", TEMPLATES)}


def _back():
    listed = url_for("console.outbox")
    sent = request.form.get("next") or ""
    return redirect(sent if sent.startswith(listed + "?") or sent == listed else listed)


@blp.route("/outbox")
@page(*STAFF)
def outbox():
    """Messages soonest due first, a page at a time; numbers masked (ids audited)."""
    who, filters = caller(), _filters(request.args)
    number = _page_number(request.args)
    paging = _Page(number)
    with use_case() as session:
        rows = paginate_select(session, outbox_query(who, filters), paging)
        record_list(session, who.user_id, "outbox_message", [r.id for r in rows],
                    {**{k: v for k, v in filters.items() if v}, "page": number,
                     "screen": "outbox"})
        return render_template("console/outbox.html", rows=rows, filters=filters,
                               page=number, total=paging.item_count, statuses=states.ALL,
                               args={k: v for k, v in filters.items() if v},
                               page_size=paging.page_size,
                               templates=TEMPLATES, masked=masked,
                               cancellable=states.CANCELLABLE, retryable=states.RETRYABLE)


@blp.route("/outbox/<message_id>/cancel", methods=["POST"])
@page(*STAFF)
def cancel_outbox_message(message_id: str):
    body = loaded(OutboxCancelSchema(), {"reason": request.form.get("reason", "")})
    with use_case() as session:
        cancel_message(session, caller(), message_id, body["reason"], utcnow())
    return _back()


@blp.route("/outbox/<message_id>/retry", methods=["POST"])
@page(*STAFF)
def retry_outbox_message(message_id: str):
    with use_case() as session:
        retry_message(session, caller(), message_id, utcnow())
    return _back()
