"""The sync table registry: each table's anchor, scope, masking and effects are one entry."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from server.models import VisitNote
from server.sync import scope, tables
from server.sync.rows import Masker
from server.sync.scope import Who

WHO = Who(collector_id="u1", now=datetime(2026, 12, 2, 9, tzinfo=UTC), today=date(2026, 12, 2))


def _sql(clause) -> str:
    return str(clause.compile(compile_kwargs={"literal_binds": True}))


def test_every_anchor_names_a_column_of_its_table():
    for spec in tables.SYNC_TABLES.values():
        for column, _ in spec.anchors:
            assert column in spec.table.c, (spec.name, column)


def test_an_unknown_reach_or_effect_is_refused_when_the_entry_is_written():
    with pytest.raises(ValueError, match="nowhere"):
        tables.SyncTable("x", VisitNote, True, anchors=(("visit_id", "nowhere"),))
    with pytest.raises(ValueError, match="teleports"):
        tables.SyncTable("x", VisitNote, True, effects=frozenset({"teleports"}))
    with pytest.raises(ValueError):
        tables.with_effect("teleports")


def test_a_new_table_is_scoped_masked_and_given_effects_by_its_entry_alone(monkeypatch):
    entry = tables.SyncTable("notes_again", VisitNote, True, anchors=(("visit_id", "visit"),),
                             mask=lambda row, liable: {**row, "body": "***"},
                             effects=frozenset({tables.JUDGED}))
    monkeypatch.setitem(tables.SYNC_TABLES, "notes_again", entry)
    monkeypatch.setattr(tables, "_ALL", (*tables._ALL, entry))
    visits = scope.current_visits(WHO)
    assert "visit_notes.visit_id IN" in _sql(scope.in_scope("notes_again", visits, WHO))
    assert Masker(set)("notes_again", {"body": "hello"}) == {"body": "***"}
    assert "notes_again" in tables.with_effect(tables.JUDGED)


def test_a_kept_condition_narrows_the_scope_but_not_the_anchor():
    visits = scope.current_visits(WHO)
    assert "payment_promises.status" in _sql(scope.in_scope("payment_promises", visits, WHO))
    assert "payment_promises.status" not in _sql(scope.anchored("payment_promises", visits, WHO))
    assert tables.SYNC_TABLES["payment_promises"].filtered
    assert not tables.SYNC_TABLES["payments"].filtered


def test_route_tables_hold_todays_plans_and_look_back_from_a_day_for_rows_that_left():
    visits = scope.current_visits(WHO)
    today = _sql(scope.in_scope("route_stops", visits, WHO))
    since = _sql(scope.anchored("route_stops", visits, WHO, since=date(2026, 11, 30)))
    assert "route_plans.plan_date = '2026-12-02'" in today
    assert "route_plans.plan_date >= '2026-11-30'" in since


def test_contact_points_are_masked_unless_their_party_is_liable_loaded_once():
    calls = []

    def liable():
        calls.append(1)
        return {"p1"}

    mask = Masker(liable)
    assert mask("contact_points", {"party_id": "p1", "value": "13800001234"})["value"] == \
        "13800001234"
    assert mask("contact_points", {"party_id": "p2", "value": "13800001234"})["value"] == \
        "*******1234"
    assert len(calls) == 1
    assert mask("visits", {"id": "v"}) == {"id": "v"}


def test_a_day_keyed_table_holds_todays_rows_and_looks_back_only_to_the_cursors_day():
    visits = scope.current_visits(WHO)
    today = _sql(scope.in_scope("selection_scores", visits, WHO))
    since = _sql(scope.anchored("selection_scores", visits, WHO, since=date(2026, 11, 30)))
    anyday = _sql(scope.anchored("selection_scores", visits, WHO))
    assert "selection_scores.scored_on = '2026-12-02'" in today
    assert "selection_scores.scored_on >= '2026-11-30'" in since
    assert "selection_scores.scored_on <= '2026-12-02'" in since
    assert "scored_on" not in anyday
    assert tables.SYNC_TABLES["selection_scores"].dated


def test_hidden_columns_never_reach_a_device_and_reasons_travel_labelled():
    spec = tables.SYNC_TABLES["selection_scores"]
    assert {"p_visit", "p_no_visit", "model_id", "override_reason"}.isdisjoint(spec.columns)
    assert {"case_id", "scored_on", "reasons", "selected", "uplift"} <= set(spec.columns)
    row = Masker(set)("selection_scores", {"reasons": '["NEAR_BASE"]'})
    assert row["reasons"] == '[{"code":"NEAR_BASE","en":"Near the team\'s base",' \
                             '"zh":"距离团队驻地近"}]'
    with pytest.raises(ValueError, match="no_such"):
        tables.SyncTable("x", VisitNote, False, hidden=frozenset({"no_such"}))
