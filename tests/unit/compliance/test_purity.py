"""The compliance package stays pure: no web framework, no database, no ORM models."""

import ast
from pathlib import Path

import server.compliance.engine

PACKAGE = Path(server.compliance.engine.__file__).parent
FORBIDDEN = ("flask", "sqlalchemy", "server.models", "server.extensions", "server.db")


def imported_modules(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def test_no_compliance_module_imports_flask_sqlalchemy_or_models():
    modules = sorted(PACKAGE.glob("*.py"))
    assert len(modules) > 5
    for path in modules:
        bad = {m for m in imported_modules(path) if m.startswith(FORBIDDEN)}
        assert not bad, f"{path.name} imports {bad}"


def test_compliance_modules_stay_small():
    for path in PACKAGE.glob("*.py"):
        assert len(path.read_text().splitlines()) < 300, path.name


def test_every_public_function_and_class_has_a_docstring():
    missing = []
    for path in PACKAGE.glob("*.py"):
        tree = ast.parse(path.read_text())
        members = [n for c in tree.body if isinstance(c, ast.ClassDef) for n in c.body]
        public = [
            n
            for n in [*tree.body, *members]
            if isinstance(n, ast.FunctionDef | ast.ClassDef) and not n.name.startswith("_")
        ]
        missing += [f"{path.name}:{n.name}" for n in public if ast.get_docstring(n) is None]
    assert missing == []
