"""Today's board per team: visits by status, filters, counts, refreshed live by htmx."""

from __future__ import annotations

from flask import current_app, render_template, request

from server.clock import OPERATION_ZONE, local_today
from server.console import blp
from server.console.forms import choice, day
from server.console.session import caller, page
from server.dispatch.board import board_team, team_board
from server.models import Role, VisitStatus, utcnow
from server.unit_of_work import use_case

REFRESH_S = 30


@blp.route("/board")
@page(*Role.CASEWORK)
def board():
    """The visits of a day for one team (a collector: only their own)."""
    who = caller()
    with use_case() as session:
        team = board_team(session, who, request.args.get("team"))
        on = day(request.args, "date", local_today(utcnow(), team.time_zone if team else
                                                   OPERATION_ZONE))
        shown = team_board(session, who, on, team, choice(request.args, "status",
                                                           VisitStatus.ALL),
                           request.args.get("collector") or None)
        template = "console/_board.html" if request.headers.get("HX-Request") else \
            "console/board.html"
        return render_template(template, board=shown, statuses=VisitStatus.ALL,
                               status=request.args.get("status", ""),
                               collector=request.args.get("collector", ""),
                               refresh_s=current_app.config.get("CONSOLE_REFRESH_S",
                                                                REFRESH_S),
                               may_assign=who.role in (Role.DISPATCHER, Role.ADMIN))
