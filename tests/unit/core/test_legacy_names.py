"""The deprecated request names (server/api/legacy_names.py) read as the new ones."""

from __future__ import annotations

from werkzeug.datastructures import MultiDict

from server.api.legacy_names import renamed, renamed_args

OLD = "ag" + "ent"


def test_old_body_keys_and_the_old_role_value_read_as_the_new_names_at_any_depth():
    body = {f"{OLD}_id": "u1", "role": OLD,
            "nested": [{f"{OLD}s": ["u2"], "roles": [OLD, "admin"]}],
            "note": f"an {OLD} wrote this"}
    assert renamed(body) == {"collector_id": "u1", "role": "collector",
                             "nested": [{"collectors": ["u2"], "roles": ["collector", "admin"]}],
                             "note": f"an {OLD} wrote this"}


def test_a_new_name_given_beside_its_old_one_wins():
    assert renamed({f"{OLD}_id": "old", "collector_id": "new"}) == {"collector_id": "new"}
    args = renamed_args(MultiDict([(f"{OLD}_id", "old"), ("collector_id", "new")]))
    assert args.getlist("collector_id") == ["new"]


def test_old_query_keys_and_role_values_read_as_the_new_names():
    args = renamed_args(MultiDict([(OLD, "u1"), ("role", OLD), (f"{OLD}_ids", "a"),
                                   (f"{OLD}_ids", "b"), ("page", "2")]))
    assert args.to_dict(flat=False) == {"collector": ["u1"], "role": ["collector"],
                                        "collector_ids": ["a", "b"], "page": ["2"]}
