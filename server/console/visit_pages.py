"""Assign and re-assign a visit: the compliance verdict shown, blocks overridden with a reason."""

from __future__ import annotations

from flask import current_app, render_template, request

from server.console import blp
from server.console.forms import overrides, version
from server.console.session import caller, page
from server.dispatch.board import team_collectors
from server.dispatch.queries import read_visit
from server.dispatch.visits import update_visit
from server.errors import RuleViolation
from server.models import Case, Party, Role, Team, utcnow
from server.routing.service import replan_for_visits
from server.routing.settings import routing_settings
from server.unit_of_work import use_case

PLANNERS = (Role.DISPATCHER, Role.ADMIN)


def _replanner(user_id: str):
    """Re-plan the routes the change touches, as the API does."""
    provider, budget = routing_settings(current_app.config)
    return lambda session, visit_ids: replan_for_visits(
        session, visit_ids, matrix_provider=provider, budget=budget, created_by=user_id)


def _render(session, view, status: int = 200, **extra):
    case = session.get(Case, view.case_id)
    team = session.get(Team, view.team_id) if view.team_id else None
    return render_template(
        "console/assign.html", visit=view, case=case, debtor=session.get(Party, case.debtor_id),
        team=team, collectors=team_collectors(session, team) if team else [],
        chosen=extra.pop("chosen", [a.user_id for a in view.assignees]), **extra), status


@blp.route("/visits/<visit_id>", methods=["GET"])
@page(*PLANNERS)
def visit(visit_id: str):
    """One visit with its collectors and the form to (re)assign them (the read audited)."""
    with use_case() as session:
        return _render(session, read_visit(session, caller(), visit_id))


@blp.route("/visits/<visit_id>", methods=["POST"])
@page(*PLANNERS)
def assign(visit_id: str):
    """Assign the chosen collectors; a block comes back with its findings to override."""
    who, chosen = caller(), request.form.getlist("collector")
    try:
        with use_case() as session:
            view = update_visit(session, who, visit_id, {
                "assignees": chosen, "overrides": overrides(request.form)},
                version(request.form), utcnow(), _replanner(who.user_id))
            page_ = _render(session, view, findings=view.findings, saved=True)
    except RuleViolation as exc:
        with use_case() as session:
            return _render(session, read_visit(session, who, visit_id), 422, chosen=chosen,
                           blocked=exc.findings, message=exc.message)
    return page_
