"""The text `flask demo seed` prints: what was seeded, and who can log in with what."""

from __future__ import annotations

import unicodedata

from server.demo.geography import TIME_ZONE
from server.demo.seed import SeedReport

_SHOWN = ("agencies", "teams", "users", "parties", "cases", "accounts", "addresses",
          "contact_points", "visits", "visit_assignees", "check_ins", "visit_outcomes",
          "payment_promises", "payments", "consents", "contact_attempts")


def format_report(report: SeedReport) -> str:
    """A summary of counts, then the logins table with the shared password and a warning."""
    counts = report.counts
    lines = [f"Demo seeded (seed {report.seed}, today {report.today.isoformat()} {TIME_ZONE}):"]
    lines += [f"  {name:<18} {counts.get(name, 0):>6}" for name in _SHOWN]
    width = max(len(login[0]) for login in report.logins)
    lines += ["", "Logins (all share one password):",
              f"  {'username':<{width}}  {'role':<10}  {_pad('team', 8)}  name"]
    lines += [f"  {username:<{width}}  {role:<10}  {_pad(team, 8)}  {who}"
              for username, role, team, who in report.logins]
    lines += ["", f"  password: {report.password}",
              "WARNING: demo data and a shared, published password. Never use this database "
              "for real work or expose it beyond your machine."]
    return "\n".join(lines)


def _pad(text: str, width: int) -> str:
    """Left-align in a terminal where Chinese characters take two columns."""
    shown = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
    return text + " " * max(width - shown, 0)
