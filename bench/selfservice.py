"""Share of planned visits that self-service makes unnecessary, in the demo simulation.

Run `python -m bench.selfservice [--debtors 600] [--seed 2024] [--rates open=0.35,...]`. It
seeds the demo operation (`flask demo seed`) into a throwaway SQLite database, issues a
self-service link for every case with an open planned visit, and lets each debtor answer with
the stated response rates (a seeded draw: the rates are assumptions, not observations; change
them with --rates). Every answer runs through the same use cases as the page (promise, stop
visits, dispute, complaint, call-back), so what a visit becomes is what the product does:
cancelled by the request, or postponed past its planned day by the promise. Beside it, the
same-run baseline: the same visits with no self-service (none saved).
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from datetime import timedelta

from sqlalchemy import select

DEFAULT_RATES = {"open": 0.35, "verify": 0.8, "promise": 0.45, "stop_visits": 0.08,
                 "dispute": 0.05, "complaint": 0.03, "call_back": 0.15}


def _rates(raw: str) -> dict[str, float]:
    rates = dict(DEFAULT_RATES)
    for part in filter(None, raw.split(",")):
        name, value = part.split("=")
        if name not in rates:
            raise SystemExit(f"unknown rate {name!r}; one of {', '.join(rates)}")
        rates[name] = float(value)
    return rates


def _answer(session, link, rng, rates, now, today) -> str:
    from server.messaging import selfservice as actions
    from server.models import Account

    roll = rng.random()
    if roll < rates["promise"]:
        account = session.scalar(select(Account).where(Account.case_id == link.case_id)
                                 .order_by(Account.outstanding.desc()).limit(1))
        due = today + timedelta(days=rng.randint(1, 14))
        amount = min(account.outstanding, max(account.overdue_amount, account.outstanding / 10))
        actions.make_promise(session, link, {"account_id": account.id,
                                             "amount": f"{amount:.2f}",
                                             "due_on": due.isoformat()}, now)
        return "promise"
    for kind, what, form in (("stop_visits", "stop", {"channel": "visit"}),
                             ("dispute", "dispute", {"note": "not my loan"}),
                             ("complaint", "complaint", {"category": "service",
                                                         "note": "too many calls"})):
        roll -= rates["promise"] if kind == "stop_visits" else 0
        if roll < rates[kind]:
            actions.make_request(session, link, what, form, now)
            return kind
        roll -= rates[kind]
    slots = actions.slots(session, link, now)
    if slots and rng.random() < rates["call_back"]:
        actions.ask_call_back(session, link, {"at": slots[0].isoformat()}, now)
        return "call_back"
    actions.summary(session, link, now)
    return "looked"


def run(debtors: int, seed: int, rates: dict[str, float]) -> dict:
    from flask_migrate import upgrade

    from server import create_app
    from server.access import OPERATOR
    from server.clock import local_today
    from server.demo.seed import seed_demo
    from server.dispatch.assignment import ASSIGNABLE
    from server.messaging.links import issue_link
    from server.models import Visit, utcnow
    from server.unit_of_work import use_case

    folder = tempfile.mkdtemp(prefix="bench-selfservice-")
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.sqlite3",
                      "INSTANCE_DIR": folder, "SECRET_KEY": "bench", "TESTING": True})
    rng = random.Random(seed)
    with app.app_context():
        upgrade()
        now = utcnow()
        today = local_today(now, "Asia/Shanghai")
        with use_case() as session:
            seed_demo(session, seed=seed, debtors=debtors)
        with use_case() as session:
            planned = {v.id: (v.case_id, v.scheduled_on) for v in session.scalars(select(
                Visit).where(Visit.status.in_(ASSIGNABLE), Visit.scheduled_on >= today))}
        cases = sorted({case for case, _ in planned.values()})
        answers: dict[str, int] = {}
        started = time.perf_counter()
        for case_id in cases:
            with use_case() as session:
                link, _ = issue_link(session, OPERATOR, case_id, {}, now, "bench", "")
                if rng.random() >= rates["open"] * rates["verify"]:
                    answers["no_answer"] = answers.get("no_answer", 0) + 1
                    continue
                got = _answer(session, link, rng, rates, now, today)
                answers[got] = answers.get(got, 0) + 1
        elapsed = time.perf_counter() - started
        with use_case() as session:
            after = {v.id: v for v in session.scalars(select(Visit).where(
                Visit.id.in_(list(planned))))}
            cancelled = sum(1 for v in after.values() if v.status == "cancelled")
            postponed = sum(1 for vid, v in after.items() if v.status != "cancelled"
                            and v.scheduled_on > planned[vid][1])
    return {"debtors": debtors, "cases": len(cases), "planned": len(planned),
            "cancelled": cancelled, "postponed": postponed, "answers": answers,
            "seconds": elapsed}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--debtors", type=int, default=600)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--rates", default="")
    args = parser.parse_args(argv)
    rates = _rates(args.rates)
    result = run(args.debtors, args.seed, rates)
    saved = result["cancelled"] + result["postponed"]
    share = saved / result["planned"] if result["planned"] else 0.0
    load = os.getloadavg()
    print(f"rates: {', '.join(f'{k}={v}' for k, v in rates.items())}")
    print(f"debtors {result['debtors']}, cases with a planned visit {result['cases']}, "
          f"planned visits {result['planned']}")
    print(f"answers: {dict(sorted(result['answers'].items()))}")
    print("| run | planned visits | cancelled | postponed past their day | unnecessary |")
    print("| --- | ---: | ---: | ---: | ---: |")
    print(f"| baseline: no self-service | {result['planned']} | 0 | 0 | 0.0 % |")
    print(f"| self-service links | {result['planned']} | {result['cancelled']} | "
          f"{result['postponed']} | {share:.1%} |")
    print(f"{result['cases']} links issued and answered through the use cases in "
          f"{result['seconds']:.1f} s; load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
