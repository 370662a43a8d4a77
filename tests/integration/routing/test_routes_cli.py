"""`flask route-plans plan`: progress per collector or pair, a summary, and stored plans."""

from __future__ import annotations

from tests.integration.routing.day import (
    DAY,
    assert_every_stop_is_legal_and_in_shift,
    near,
    plan_of,
    stops_of,
    team_day,
    visit,
)


def test_the_command_prints_progress_and_stores_the_team_plans(app, runner, session, monkeypatch):
    monkeypatch.setitem(app.config, "ROUTING_MAX_ITERATIONS", 100)
    monkeypatch.setitem(app.config, "ROUTING_TWO_PERSON", "ride_together")
    t = team_day(session, collectors=3)
    li, wang, zhao = t.collectors
    visit(session, t, [li, wang], at=near(500, 0))
    visit(session, t, [li], at=near(0, 500))
    visit(session, t, [zhao], at=near(-500, 0))
    visit(session, t, [zhao], at=None)
    session.commit()

    result = runner.invoke(args=["route-plans", "plan", "--date", DAY.isoformat(),
                                 "--team", t.team.code, "--max-runtime", "2"])

    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    (pair,) = [line for line in lines if " (pair): " in line]
    assert set(pair.split(" (pair)")[0].strip().split(" + ")) == {li.username, wang.username}
    assert ": 2 stops, 0 dropped, " in pair
    assert any(line.startswith(f"  {zhao.username}: 1 stops, 1 dropped") and " km, " in line
               for line in lines)
    assert lines[-1].startswith(f"planned 2 routes for 3 collectors on {DAY}: 1 visits dropped")
    assert len(stops_of(session, li)) == 2 and len(stops_of(session, wang)) == 1
    assert plan_of(session, zhao).dropped[0]["reason"] == "no coordinates"
    assert assert_every_stop_is_legal_and_in_shift(session) == 4


def test_the_command_names_an_unknown_team(runner, session):
    result = runner.invoke(args=["route-plans", "plan", "--date", DAY.isoformat(),
                                 "--team", "nope"])

    assert result.exit_code != 0 and "no team 'nope'" in result.output
