"""A collector's day: planned against done (ETAs beside check-ins, outcomes, promises, cash)."""

from __future__ import annotations

from flask import render_template, request

from server.clock import OPERATION_ZONE, local_today
from server.console import blp
from server.console.forms import day
from server.console.session import caller, page
from server.dispatch.collector_day import collector_day, day_collector
from server.models import Role, Team, utcnow
from server.unit_of_work import use_case


@blp.route("/collectors/day")
@page(Role.COLLECTOR, Role.DISPATCHER, Role.COMPLIANCE, Role.ADMIN)
def collector_day_page():
    """One collector's day (a collector: their own; staff: `?collector=` of their agency)."""
    who = caller()
    with use_case() as session:
        user = day_collector(session, who, request.args.get("collector"))
        team = session.get(Team, user.team_id) if user.team_id else None
        tz = team.time_zone if team else OPERATION_ZONE
        on = day(request.args, "date", local_today(utcnow(), tz))
        return render_template("console/collector_day.html", user=user, day=on, tz=tz,
                               summary=collector_day(session, who, user, on))
