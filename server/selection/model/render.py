"""A simulated portfolio as collection-history rows, so the database path can be tested end to end.

The rows are built so that the feature query as of `decided_at` gives back the simulator's
features exactly, and the `horizon` after it holds the visit and the payment that happened.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

from server.selection.model.features import INDEX
from server.selection.model.simulator import Portfolio

DAY = timedelta(days=1)


def _row(case_ref: str, key: str, kind: str, at: datetime, **values) -> dict:
    return {"case_ref": case_ref, "source_key": key, "kind": kind, "occurred_at": at,
            "outcome": values.get("outcome"), "amount": values.get("amount"),
            "balance": values.get("balance"), "dpd": values.get("dpd"),
            "address_verified": values.get("address_verified"),
            "distance_km": values.get("distance_km")}


def _counted(ref: str, at: datetime, kind: str, counts: list[tuple[int, str | None]],
             spread_days: int) -> Iterator[dict]:
    n = 0
    for count, outcome in counts:
        for _ in range(int(count)):
            n += 1
            yield _row(ref, f"{ref}:{kind}:{n}", kind, at - (1 + n % spread_days) * DAY,
                       outcome=outcome)


def case_rows(p: Portfolio, i: int, decided_at: datetime, horizon_days: int) -> Iterator[dict]:
    """The history of case `i`: before the decision (its features), then what followed."""
    ref, x = str(p.case_ids[i]), p.X[i]
    f = {name: x[j] for name, j in INDEX.items()}
    balance, dpd = round(float(f["balance"]), 2), int(f["dpd"])
    yield _row(ref, f"{ref}:snap:0", "snapshot", decided_at - DAY, balance=balance, dpd=dpd,
               address_verified=bool(f["address_verified"]), distance_km=float(f["distance_km"]))
    before = round(balance / (1 + float(f["balance_trend"])), 2)
    yield _row(ref, f"{ref}:snap:1", "snapshot", decided_at - 31 * DAY, balance=before,
               dpd=max(dpd - 30, 0))
    since = int(f["days_since_payment"])
    if since < 999:
        amount = float(f["paid_90d"]) if since < 90 else 1.0
        yield _row(ref, f"{ref}:pay:0", "payment", decided_at - since * DAY,
                   amount=round(amount, 2))
    yield from _counted(ref, decided_at, "promise", [(f["promises_kept"], "kept"),
                                                     (f["promises_broken"], "broken")], 300)
    yield from _counted(ref, decided_at, "reminder", [(f["reminders_delivered"], "delivered")],
                        85)
    calls = [(f["calls_answered"], "answered"), (f["calls_made"] - f["calls_answered"],
                                                 "no_answer")]
    yield from _counted(ref, decided_at, "call", calls, 85)
    visits = [(f["visits_met"], "MET_DEBTOR"), (f["visits_refused"], "REFUSED"),
              (f["visits_prior"] - f["visits_met"] - f["visits_refused"], "NOT_HOME")]
    yield from _counted(ref, decided_at, "visit", visits, 300)
    yield from _counted(ref, decided_at, "self_service", [(f["self_service_90d"], None)], 85)
    if p.treated[i]:
        yield _row(ref, f"{ref}:next:visit", "visit", decided_at + 2 * DAY,
                   outcome="PAID" if p.y[i] else "NOT_HOME")
    if p.y[i]:
        yield _row(ref, f"{ref}:next:pay", "payment",
                   decided_at + min(5, horizon_days - 1) * DAY, amount=float(p.amount[i]))


def history_rows(p: Portfolio, decided_at: datetime, horizon_days: int = 30) -> Iterator[dict]:
    """Every case's history rows, case after case."""
    for i in range(len(p.case_ids)):
        yield from case_rows(p, i, decided_at, horizon_days)


def row_count(p: Portfolio) -> int:
    """How many rows `history_rows` yields (for sizing a benchmark)."""
    c = {name: p.X[:, j] for name, j in INDEX.items()}
    return int(2 + (c["days_since_payment"] < 999).sum() + p.treated.sum() + p.y.sum()
               + sum(c[k].sum() for k in ("promises_kept", "promises_broken",
                                          "reminders_delivered", "calls_made", "visits_prior",
                                          "self_service_90d"))) + 2 * (len(p.case_ids) - 1)

