"""Auto-assign: preview how the team's planned visits of a day would be shared out (and why
any is left out), then accept it."""

from __future__ import annotations

from flask import current_app, redirect, render_template, request, url_for

from server.clock import local_today
from server.console import blp
from server.console.forms import choice, day
from server.console.session import caller, page
from server.dispatch.autoassign import AutoAssignRequest, auto_assign
from server.dispatch.board import board_team, team_collectors
from server.models import Role, utcnow
from server.unit_of_work import use_case

PLANNERS = (Role.DISPATCHER, Role.ADMIN)
BALANCES = ("count", "amount")


@blp.route("/auto-assign", methods=["POST"])
@page(*PLANNERS)
def auto_assign_page():
    """A dry run shows the proposal; `accept` writes it (the same service as the API)."""
    who, accept = caller(), bool(request.form.get("accept"))
    with use_case() as session:
        team = board_team(session, who, request.form.get("team"))
        on = day(request.form, "date", local_today(utcnow(), team.time_zone))
        result = auto_assign(session, who, AutoAssignRequest(
            team.code, on, choice(request.form, "balance", BALANCES) or "count", not accept),
            utcnow(), current_app.config["DISPATCH_BALANCE_KM"])
        if accept:
            return redirect(url_for("console.board", team=team.code, date=on.isoformat()))
        names = {c["id"]: c["name"] for c in team_collectors(session, team)}
        return render_template("console/autoassign.html", team=team, day=on, result=result,
                               names=names, balance=request.form.get("balance", "count"))
