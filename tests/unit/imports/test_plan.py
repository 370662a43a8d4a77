"""Planning writes: new keys are created, changed ones updated, the rest left alone."""

from __future__ import annotations

from server.imports.upsert import plan

RULES = {"name": "replace", "phone": "coalesce", "vulnerable": "or"}


def _old(**values):
    """The row in the database as plan reads it: its id, then the rules' columns in order."""
    row = {"name": "张三", "phone": "138", "vulnerable": False, **values}
    return ("old-id", *(row[column] for column in RULES))


def test_a_new_key_gets_a_fresh_id_and_its_defaults():
    result = plan({"P1": ({"name": "张三", "phone": None, "vulnerable": None}, 2)}, {}, RULES,
                  {"vulnerable": False})
    (record,) = result.records
    assert result.created == {"P1"} and result.ids["P1"] == record["id"] != "old-id"
    assert record["vulnerable"] is False and result.lines == {2}


def test_blank_values_and_a_lowered_flag_change_nothing():
    wanted = {"P1": ({"name": "张三", "phone": None, "vulnerable": False}, 2)}
    result = plan(wanted, {"P1": _old(vulnerable=True)}, RULES)
    assert (result.records, result.unchanged, result.ids) == ([], 1, {"P1": "old-id"})


def test_a_changed_value_updates_and_carries_the_blanks_over():
    wanted = {"P1": ({"name": "张四", "phone": None, "vulnerable": None}, 7)}
    result = plan(wanted, {"P1": _old()}, RULES)
    assert result.records == [{"name": "张四", "phone": "138", "vulnerable": False,
                               "id": "old-id"}]
    assert result.lines == {7} and result.created == set()


def test_a_raised_flag_and_a_filled_blank_are_changes_but_a_lowered_flag_is_not():
    wanted = {"P1": ({"name": "张三", "phone": None, "vulnerable": True}, 3),
              "P2": ({"name": "张三", "phone": "139", "vulnerable": False}, 4),
              "P3": ({"name": "张三", "phone": None, "vulnerable": None}, 5)}
    existing = {"P1": _old(), "P2": _old(vulnerable=True, phone=None), "P3": _old(phone=None)}
    result = plan(wanted, existing, RULES)
    assert [r["vulnerable"] for r in result.records] == [True, False]
    assert result.lines == {3, 4} and result.unchanged == 1
