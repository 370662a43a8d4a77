"""Arrows point one way: the layer contract of server/, read from every module's imports.

Entrypoints -> capabilities -> facts/cases -> sync -> db/audit/access -> floor (models, errors,
config, clock, the pure engines). A module may import its own unit, any lower layer and, among
capabilities, another capability (no cycles). Every import against that is listed in UPWARD
with its reason; a listed import that is gone fails too, so the list only shrinks.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import server

ROOT = Path(server.__file__).parent

FLOOR, SHARED, PROTOCOL, STATE, CAPABILITY, ENTRYPOINT = range(6)
# Units: server.<package> (or a top-level module), the pure engines on their own.
LAYERS = {
    # the floor: no domain, no database beyond the typed models
    "models": FLOOR, "errors": FLOOR, "config": FLOOR, "clock": FLOOR, "extensions": FLOOR,
    "unit_of_work": FLOOR, "logging_setup": FLOOR,
    "compliance.engine": FLOOR, "routing.solver": FLOOR, "addresses.geo": FLOOR,
    # shared infrastructure below every feature
    "db": SHARED, "audit": SHARED, "access": SHARED,
    # the sync protocol: pull, push, cursor, quarantine, the table registry
    "sync": PROTOCOL,
    # what stored facts imply; case and account state
    "facts": STATE, "cases": STATE,
    # capabilities (packages other branches add are named here already)
    "compliance": CAPABILITY, "routing": CAPABILITY, "addresses": CAPABILITY,
    "dispatch": CAPABILITY, "imports": CAPABILITY, "promises": CAPABILITY,
    "followups": CAPABILITY, "auth": CAPABILITY, "people": CAPABILITY, "demo": CAPABILITY,
    "health": CAPABILITY, "messaging": CAPABILITY, "selection": CAPABILITY,
    "payments": CAPABILITY, "complaints": CAPABILITY,
    # entrypoints and their wiring
    "api": ENTRYPOINT, "console": ENTRYPOINT, "cli": ENTRYPOINT, "jobs": ENTRYPOINT,
    "devserver": ENTRYPOINT, "gunicorn_conf": ENTRYPOINT, "": ENTRYPOINT,
    "errors_http": ENTRYPOINT, "security": ENTRYPOINT, "observability": ENTRYPOINT,
    "selfservice": ENTRYPOINT,
}
PURE = ("compliance.engine", "routing.solver", "addresses.geo")
PURE_FORBIDDEN = ("flask", "flask_smorest", "sqlalchemy", "flask_sqlalchemy")
PURE_MAY_USE = ("errors", "clock")  # plain exceptions and date arithmetic

# Imports against the layers, each with the reason it is still there.
UPWARD = {
    ("db.connection", "audit"): "app wiring beside the connection settings: installs the "
                                "audit chain's key per app (create_app calls it)",
    ("sync.push", "facts.effects"): "a push changes visit state and promises in its own "
                                    "transaction; to be declared per table on the registry",
    ("sync.push", "facts.plausible"): "a push flags implausible money as it applies it; to be "
                                      "declared per table on the registry",
    ("sync.pull", "compliance.visit_windows"): "pulled visits carry their legal windows; to be "
                                               "declared per table on the registry",
    ("facts.deferred", "addresses.field"): "after a push, check-ins move an address through "
                                           "verification",
    ("facts.deferred", "compliance.synced"): "after a push, synced facts are judged by the "
                                             "compliance rules",
    ("facts.effects", "payments.matching"): "a receipt pushed after the lender posted the same "
                                            "money is matched to that posting in the push",
    ("facts.effects", "promises.lifecycle"): "a pushed promise supersedes the account's "
                                             "active one in the push's transaction",
    ("cases.settlement", "followups.pending"): "closing a settled or recalled case cancels "
                                               "its follow-ups that are still pending",
    ("cases.requests", "dispatch.assignment"): "a debtor's request (dispute, hold) unassigns "
                                               "the case's open visits",
    ("cases.requests", "dispatch.checks"): "a debtor's request re-checks the case's planned "
                                           "visits against the rules",
    ("facts.plausible", "compliance.effective"): "a pushed promise's due date is checked "
                                                 "against the case's effective profile",
    ("cases.calls", "compliance.effective"): "a logged call is checked against the case's "
                                             "effective profile",
    ("cases.calls", "compliance.inputs"): "a logged call is checked with the debtor's facts, "
                                          "consents and contact attempts",
    ("cases.complaints", "compliance.effective"): "a complaint's clock comes from the case's "
                                                  "effective profile",
    ("cases.requests", "compliance.effective"): "a debtor's request is recorded under the "
                                                "case's effective profile",
    ("cases.view", "compliance.effective"): "the case view explains the effective profile and "
                                            "today's legal contact windows",
    ("cases.view", "compliance.inputs"): "the case view shows the debtor's zone, opt-outs and "
                                         "preferred windows",
    ("cases.summaries", "compliance.inputs"): "list rows show the debtor's opt-outs and zone "
                                              "(DEFAULT_TZ: to move to server.clock)",
    ("cases.search", "compliance.inputs"): "search filters on the debtor's local day "
                                           "(DEFAULT_TZ: to move to server.clock)",
    ("cases.calls", "compliance.violations"): "a call that broke a blocking rule is flagged "
                                              "for compliance review as it is logged",
    ("cases.contact_details", "imports"): "a reported phone is normalised by the import's "
                                          "cell parser (one normalisation)",
    ("sync.push", "cases.field_facts"): "pushed case_requests / call_logs are applied by the "
                                        "staff services; to be declared per table on the "
                                        "registry",
    ("facts.effects", "payments.field_offers"): "an offer pushed from the phone becomes a "
                                                 "pending offer through the offer service in "
                                                 "the push (declared on the registry)",
    ("sync.values", "payments.offer_values"): "the value checks of offer_requests (pure) sit "
                                              "beside the offer service's; to be declared per "
                                              "table on the registry",
    ("sync.values", "cases"): "the value checks of case_requests / call_logs are shared with "
                              "the REST schema (cases.request_values); to be declared per "
                              "table on the registry",
}


def _unit(module: str) -> str:
    """The contract's unit of a dotted module path below server."""
    rest = module.removeprefix("server").removeprefix(".")
    for pure in PURE:
        if rest == pure or rest.startswith(pure + "."):
            return pure
    return rest.split(".")[0]


def _layer(unit: str) -> int:
    return LAYERS.get(unit, CAPABILITY)  # a new package counts as a capability


def _imports(path: Path) -> set[str]:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    package = parts if path.name == "__init__.py" else parts[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package[: len(package) - node.level + 1] + ([base] if base else []))
            found.add(base)
            if base == "server" or node.level:
                found.update(f"{base}.{alias.name}" for alias in node.names
                             if _is_module(f"{base}.{alias.name}"))
    return found


def _is_module(dotted: str) -> bool:
    path = ROOT.parent / dotted.replace(".", "/")
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


def _graph() -> dict[str, set[str]]:
    graph = {}
    for path in sorted(ROOT.rglob("*.py")):
        parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        graph[name] = _imports(path)
    return graph


def _short(module: str) -> str:
    return module.removeprefix("server.")


def _violations():
    for module, targets in _graph().items():
        here = _unit(module)
        for target in targets:
            if not target.startswith("server.") or _unit(target) == here:
                continue
            there = _unit(target)
            if _layer(there) > _layer(here) or (here == "db" and there != "models"):
                yield _short(module), _short(target)


def _listed(module: str, target: str):
    for (mod, tgt) in UPWARD:
        if (module == mod or module.startswith(mod + ".")) and (
                target == tgt or target.startswith(tgt + ".")):
            return mod, tgt
    return None


def test_every_import_points_down_or_is_listed_with_its_reason():
    unlisted = sorted({v for v in _violations() if _listed(*v) is None})
    assert unlisted == []


def test_every_listed_upward_import_still_exists():
    used = {_listed(*v) for v in _violations()}
    assert sorted(set(UPWARD) - used) == []


def test_the_pure_engines_import_neither_flask_nor_sqlalchemy_nor_the_app():
    bad = []
    for module, targets in _graph().items():
        if _unit(module) not in PURE:
            continue
        for target in targets:
            top = target.split(".")[0]
            if top in PURE_FORBIDDEN or (
                    top == "server" and _unit(target) not in PURE_MAY_USE + PURE):
                bad.append((module, target))
    assert bad == []


def test_the_db_package_imports_only_models_and_the_sync_protocol_no_capability():
    graph = _graph()
    for module, targets in graph.items():
        unit = _unit(module)
        if unit not in ("db", "sync"):
            continue
        for target in targets:
            there = _unit(target) if target.startswith("server.") else None
            if there is None or there == unit or _listed(_short(module), _short(target)):
                continue
            allowed = {"models"} if unit == "db" else {"models", "errors", "db", "audit",
                                                       "access", "clock", "config"}
            assert there in allowed, f"{module} imports {target}"


def test_no_two_units_import_each_other_even_through_others():
    edges = defaultdict(set)
    for module, targets in _graph().items():
        for target in targets:
            if (target.startswith("server.") and _unit(module) != _unit(target)
                    and not _listed(_short(module), _short(target))):
                edges[_unit(module)].add(_unit(target))
    cycles = []
    for start in sorted(edges):
        seen, stack = set(), [(start, (start,))]
        while stack:
            node, path = stack.pop()
            for nxt in edges[node]:
                if nxt == start:
                    cycles.append(" -> ".join((*path, start)))
                elif nxt not in seen:
                    seen.add(nxt)
                    stack.append((nxt, (*path, nxt)))
    assert cycles == []
