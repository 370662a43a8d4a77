"""Every `flask` command group of ours is reachable through the real `flask` command line."""

from __future__ import annotations

import click
from click.testing import CliRunner
from flask.cli import FlaskGroup, ScriptInfo


def test_no_command_group_is_shadowed_by_flasks_own_commands(app):
    flask = FlaskGroup(create_app=lambda: app)
    with click.Context(flask, obj=ScriptInfo(create_app=lambda: app)) as ctx:
        reached = {name: flask.get_command(ctx, name) for name in app.cli.commands}
    assert {n: c for n, c in reached.items() if c is not app.cli.commands[n]} == {}
    assert "route-plans" in reached and "routes" not in app.cli.commands


def test_route_plans_plan_is_the_planning_command_from_the_shell(app):
    result = CliRunner().invoke(FlaskGroup(create_app=lambda: app),
                                              ["route-plans", "plan", "--help"])
    assert result.exit_code == 0, result.output
    assert "--team" in result.output and "--date" in result.output
