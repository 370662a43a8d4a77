"""Team reports: per collector over some days, with a bar chart of the amount collected."""

from __future__ import annotations

from datetime import timedelta

from flask import render_template, request

from server.clock import local_today
from server.console import blp
from server.console.forms import day
from server.console.session import caller, page
from server.dispatch.board import board_team
from server.dispatch.team_report import team_report, team_report_by_day
from server.errors import InvalidInput
from server.models import Role, utcnow
from server.unit_of_work import use_case

MAX_DAYS = 92


@blp.route("/reports")
@page(Role.DISPATCHER, Role.COMPLIANCE, Role.ADMIN)
def reports():
    """A team's visits, right-party contact rate, promises made and kept, amount collected."""
    with use_case() as session:
        team = board_team(session, caller(), request.args.get("team"))
        if team is None:
            raise InvalidInput("no team to report on", {"team": ["required"]})
        today = local_today(utcnow(), team.time_zone)
        last = day(request.args, "to", today)
        first = day(request.args, "from", last - timedelta(days=6))
        if not timedelta(0) <= last - first <= timedelta(days=MAX_DAYS):
            raise InvalidInput(f"from must be before to, at most {MAX_DAYS} days apart",
                               {"from": ["invalid range"]})
        return render_template("console/reports.html", team=team,
                               report=team_report(session, team, first, last),
                               days=team_report_by_day(session, team, first, last))
