"""Only the unit of work commits: no other module of the application calls commit or begin."""

import ast
from pathlib import Path

import server

ROOT = Path(server.__file__).parent
HOME = ROOT / "unit_of_work.py"
NAMED = {"checkpoint", "keep_and_raise", "write_aside", "use_case"}
CALLS = {"commit", "begin"}


def _transaction_calls(path: Path) -> list[str]:
    tree = ast.parse(path.read_text())
    return [f"{path.relative_to(ROOT.parent)}:{node.lineno} .{node.func.attr}()"
            for node in ast.walk(tree)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr in CALLS]


def test_no_module_outside_the_unit_of_work_commits_or_begins_a_transaction():
    offenders = [call for path in sorted(ROOT.rglob("*.py")) if path != HOME
                 for call in _transaction_calls(path)]
    assert offenders == []


def test_the_unit_of_work_commits_only_in_its_named_methods():
    tree = ast.parse(HOME.read_text())
    owners = {fn.name for fn in ast.walk(tree) if isinstance(fn, ast.FunctionDef)
              for node in ast.walk(fn) if isinstance(node, ast.Call)
              and isinstance(node.func, ast.Attribute) and node.func.attr in CALLS}
    assert owners and owners <= NAMED
