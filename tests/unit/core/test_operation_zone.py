"""The operation's zone is named once, in config; everything else asks server.clock for it."""

import ast
import re
from datetime import UTC, datetime
from pathlib import Path

import server
from server.clock import OPERATION_ZONE, local_today, operation_zone

ROOT = Path(server.__file__).parent
ZONE = re.compile(r"\b(Africa|America|Antarctica|Asia|Atlantic|Australia|Europe|Indian|Pacific)"
                  r"/[A-Z][A-Za-z_]+")


def _docstrings(tree: ast.AST) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                ids.add(id(body[0].value))
    return ids


def test_no_module_but_config_names_a_time_zone():
    found = []
    for path in sorted(ROOT.rglob("*.py")):
        if path == ROOT / "config.py":
            continue
        tree = ast.parse(path.read_text())
        skip = _docstrings(tree)
        found += [f"{path.relative_to(ROOT)}:{node.lineno} {node.value!r}"
                  for node in ast.walk(tree)
                  if isinstance(node, ast.Constant) and isinstance(node.value, str)
                  and id(node) not in skip and ZONE.search(node.value)]
    assert found == []


def test_the_operation_zone_comes_from_the_configuration_when_set():
    assert operation_zone({"SCHEDULER_TIMEZONE": "Asia/Kolkata"}) == "Asia/Kolkata"
    assert operation_zone({}) == OPERATION_ZONE


def test_the_operations_today_turns_at_its_local_midnight_not_at_utc_midnight():
    late_utc = datetime(2026, 3, 1, 16, 30, tzinfo=UTC)  # 00:30 on 2 March in Shanghai
    assert local_today(late_utc, "Asia/Shanghai").isoformat() == "2026-03-02"
    assert local_today(late_utc, "UTC").isoformat() == "2026-03-01"
