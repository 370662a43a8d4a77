"""Case search, the case 360 view and its timeline: the API's services, roles and audit."""

from __future__ import annotations

from flask import render_template, request

from server.api.case_schemas import CaseQuerySchema
from server.audit.reads import record_list
from server.cases.search import search_cases
from server.cases.summaries import case_rows
from server.cases.timeline import case_timeline
from server.cases.view import read_case
from server.console import blp
from server.console.forms import loaded
from server.console.session import caller, page
from server.models import Role, utcnow
from server.unit_of_work import use_case

PAGE_SIZE = 50
SEARCH_FIELDS = ("name", "case_ref", "account_ref", "phone", "national_id_last4")


@blp.route("/cases")
@page(*Role.ALL)
def cases():
    """Find cases the caller may read; the ids shown are audited."""
    who, now = caller(), utcnow()
    query = loaded(CaseQuerySchema(), request.args)
    with use_case() as session:
        found = session.scalars(search_cases(session, who, query, now).limit(PAGE_SIZE)).all() \
            if query else []
        record_list(session, who.user_id, "case", [c.id for c in found],
                    {**query, "screen": "search"})
        return render_template("console/cases.html", rows=case_rows(session, who.role, found,
                                                                    now),
                               args=request.args, searched=bool(query), fields=SEARCH_FIELDS,
                               page_size=PAGE_SIZE)


@blp.route("/cases/<case_id>")
@page(*Role.ALL)
def case(case_id: str):
    """The 360 view of one case (masked per role; the read audited)."""
    with use_case() as session:
        return render_template("console/case.html",
                               case=read_case(session, caller(), case_id, utcnow()))


@blp.route("/cases/<case_id>/timeline")
@page(*Role.ALL)
def timeline(case_id: str):
    """The case's story, oldest first, in pages (the read audited)."""
    with use_case() as session:
        feed = case_timeline(session, caller(), case_id, (), request.args.get("after"), 100)
        template = "console/_timeline.html" if request.headers.get("HX-Request") else \
            "console/timeline.html"
        return render_template(template, feed=feed, case_id=case_id)
