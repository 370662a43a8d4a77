"""Visit-selection benchmark: honest evaluation on the simulator, then scale.

    python -m bench.selection [--seeds 5] [--train 50000] [--test 20000]
                              [--score-cases 1000000] [--history-rows 1000000]

1. Evaluation, per seed: train on a simulated history (visits chosen by the old rule plus
   chance), test on fresh held-out cases. Qini / AUUC on a randomised copy of the test cases
   (model, random, today's rule = priority then dpd), and the visits each order needs to recover
   95 % of what visiting every case recovers (realised outcomes of both arms).
2. Scale, each phase in its own process (peak memory is that process's max RSS): scoring
   `--score-cases` cases (both calibrated models, amount, expected value; reasons for the chosen
   share) beside the floor of one raw LightGBM predict over the same matrix; training through
   the database path (history rows in PostgreSQL -> feature SQL -> fit) beside the floor of one
   uncalibrated LightGBM fit on the same examples. Needs TEST_DATABASE_URL for the training.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

from server.selection.model.learner import UpliftModel
from server.selection.model.metrics import auuc, qini, visits_to_recover
from server.selection.model.simulator import (
    VISIT_COST,
    randomised,
    simulate,
    todays_rule_score,
)

RESULTS = Path(__file__).resolve().parent.parent / "docs" / "selection_bench_results.md"


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def evaluate(seed: int, n_train: int, n_test: int) -> dict:
    """One seed: Qini / AUUC and visits to 95 % for model, random, today's rule, the oracle."""
    train, test = simulate(n_train, seed), simulate(n_test, seed + 1000)
    model = UpliftModel().fit(train.X, train.treated, train.y, train.amount)
    s = model.score(test.X)
    rng = np.random.default_rng(seed + 2000)
    scores = {"model": s.expected_value(VISIT_COST), "random": rng.random(n_test),
              "rule": todays_rule_score(test).astype(float) + rng.random(n_test) * 1e-3,
              "oracle": (test.p1 - test.p0) * test.amount}
    rct = randomised(test, seed + 3000)
    with_visit, without = test.y1 * test.amount, test.y0 * test.amount
    out = {"seed": seed}
    for name, score in scores.items():
        order = np.argsort(-score, kind="stable")
        out[f"visits_{name}"] = visits_to_recover(order, with_visit, without)
        if name != "oracle":
            out[f"qini_{name}"] = qini(rct.y, score, rct.treated)
            out[f"auuc_{name}"] = auuc(rct.y, score, rct.treated)
    out["positive_ev_cases"] = int((scores["model"] > 0).sum())
    out["cases"] = n_test
    return out


def phase_score(n: int) -> dict:
    """Score n cases (both models, amount, expected value) beside one raw predict and the
    previous path; reasons for the top 5 % (at most 10,000: a team's day is hundreds)."""
    portfolio = simulate(max(n // 20, 20_000), seed=501)
    model = UpliftModel().fit(portfolio.X, portfolio.treated, portfolio.y, portfolio.amount)
    X = simulate(n, seed=502).X
    floor_t = time.perf_counter()
    model._two.estimator_trmnt.calibrated_classifiers_[0].estimator.booster_.predict(X)
    floor = time.perf_counter() - floor_t
    started = time.perf_counter()
    s = model.score(X)
    ev = s.expected_value(VISIT_COST)
    top = np.argsort(-ev)[: min(n // 20, 10_000)]
    scored = time.perf_counter() - started
    peak = _peak_mb()  # before the previous path's whole-matrix copies
    wrap_t = time.perf_counter()  # the previous path: scikit-learn's wrappers, whole matrix
    model._two.estimator_trmnt.predict_proba(X)
    model._two.estimator_ctrl.predict_proba(X)
    model._amount.predict(X)
    wrappers = time.perf_counter() - wrap_t
    reasons_t = time.perf_counter()
    model.reasons(X[top])
    total = scored + time.perf_counter() - reasons_t
    return {"cases": n, "score_s": scored, "with_reasons_s": total, "floor_one_predict_s": floor,
            "wrappers_s": wrappers, "load_avg": os.getloadavg()[0],
            "reasons_for": len(top), "peak_mb": peak, "peak_with_previous_mb": _peak_mb()}


def phase_train(rows_wanted: int, server_url: str) -> dict:
    """History rows into PostgreSQL, then the training job's path, timed without the load."""
    from flask_migrate import upgrade
    from lightgbm import LGBMClassifier

    from bench.pgdb import throwaway_database
    from server import create_app
    from server.extensions import db
    from server.models import Agency
    from server.selection.history import store_history_rows
    from server.selection.model.render import history_rows, row_count
    from server.selection.training import TrainingSettings, train_model, training_examples

    probe = simulate(2_000, seed=601)
    per_case = row_count(probe) / 2_000
    portfolio = simulate(int(rows_wanted / per_case), seed=602)
    now = datetime(2026, 6, 15, 2, tzinfo=UTC)
    settings = TrainingSettings(window_days=0)
    decided = datetime.combine(now.date() - timedelta(days=settings.horizon_days),
                               datetime.min.time(), UTC)
    with throwaway_database(server_url, "doorstep_bench") as url:
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench",
                          "AUDIT_HMAC_KEY": "bench", "INSTANCE_DIR": "/tmp"})
        with app.app_context():
            upgrade()
            session = db.session
            session.add(Agency(id="L", code="L", name="Lender", kind="lender"))
            session.flush()
            load_t = time.perf_counter()
            stored = store_history_rows(session, "L", history_rows(portfolio, decided))
            session.commit()
            session.execute(db.text("ANALYZE selection_history"))
            load = time.perf_counter() - load_t
            started = time.perf_counter()
            result = train_model(session, now, settings)
            train = time.perf_counter() - started
            session.commit()
            feat_t = time.perf_counter()
            X, _, paid, _, _ = training_examples(session, [decided], settings.horizon_days)
            features = time.perf_counter() - feat_t
            floor_t = time.perf_counter()
            LGBMClassifier(n_estimators=150, n_jobs=2, verbose=-1).fit(X, paid)
            floor = time.perf_counter() - floor_t
            db.session.remove()
            db.engine.dispose()
    return {"history_rows": stored, "cases": len(portfolio.kind), "load_s": load,
            "train_s": train, "features_s": features, "floor_one_fit_s": floor,
            "examples": result.get("examples"), "peak_mb": _peak_mb()}


def phase_load(rows_wanted: int, server_url: str) -> dict:
    """History rows into PostgreSQL: the import's write path (binary COPY) beside the previous
    one (multi-row INSERT … VALUES … ON CONFLICT DO NOTHING), interleaved in one database."""
    from flask_migrate import upgrade

    from bench.pgdb import throwaway_database
    from server import create_app
    from server.db.sql import insert_ignore
    from server.extensions import db
    from server.models import Agency, HistoryEvent, new_id
    from server.selection.history import BATCH, COLUMNS, store_history_rows
    from server.selection.model.render import history_rows, row_count

    probe = simulate(2_000, seed=601)
    portfolio = simulate(int(rows_wanted / (row_count(probe) / 2_000)), seed=602)
    decided = datetime(2026, 5, 16, tzinfo=UTC)
    rows = list(history_rows(portfolio, decided))
    halves = {"copy": rows[0::2], "values": rows[1::2]}
    times = {"copy": 0.0, "values": 0.0}
    with throwaway_database(server_url, "doorstep_bench") as url:
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench",
                          "AUDIT_HMAC_KEY": "bench", "INSTANCE_DIR": "/tmp"})
        with app.app_context():
            upgrade()
            session = db.session
            session.add(Agency(id="L", code="L", name="Lender", kind="lender"))
            session.commit()
            for start in range(0, max(len(h) for h in halves.values()), 10 * BATCH):
                for name, half in halves.items():  # interleaved, so load swings hit both
                    part = half[start:start + 10 * BATCH]
                    began = time.perf_counter()
                    if name == "copy":
                        store_history_rows(session, "L", part)
                    else:
                        batch = [{c: (r | {"id": new_id(), "lender_id": "L",
                                           "source": "import"}).get(c) for c in COLUMNS}
                                 for r in part]
                        insert_ignore(session, HistoryEvent.__table__, batch,
                                      conflict=("source", "source_key"))
                    session.commit()
                    times[name] += time.perf_counter() - began
            stored = session.scalar(db.text("SELECT count(*) FROM selection_history"))
            db.session.remove()
            db.engine.dispose()
    return {"history_rows": stored, "copy_rows": len(halves["copy"]),
            "copy_s": times["copy"], "values_rows": len(halves["values"]),
            "values_s": times["values"], "peak_mb": _peak_mb()}


def _child(phase: str, arg: int) -> dict:
    out = subprocess.run([sys.executable, "-m", "bench.selection", "--phase", phase,
                          "--arg", str(arg)], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _table(evals: list[dict], score: dict | None, train: dict | None) -> str:
    lines = ["| seed | Qini model / random / rule | AUUC model / random / rule | visits to 95 %: "
             "model / rule / random / oracle (of cases) | fewer visits than the rule |",
             "|---|---|---|---|---|"]
    for e in evals:
        fewer = 1 - e["visits_model"] / e["visits_rule"]
        lines.append(
            f"| {e['seed']} | {e['qini_model']:.3f} / {e['qini_random']:.3f} / "
            f"{e['qini_rule']:.3f} | {e['auuc_model']:.3f} / {e['auuc_random']:.3f} / "
            f"{e['auuc_rule']:.3f} | {e['visits_model']:,} / {e['visits_rule']:,} / "
            f"{e['visits_random']:,} / {e['visits_oracle']:,} ({e['cases']:,}) | "
            f"**{fewer:.1%}** |")
    fewer = [1 - e["visits_model"] / e["visits_rule"] for e in evals]
    lines.append(f"\nFewer visits than today's rule for the same 95 % recovery: mean "
                 f"**{np.mean(fewer):.1%}**, min {min(fewer):.1%} over {len(evals)} seeds "
                 f"(goal ≥ 30 %).")
    if score:
        lines.append(f"\nScoring {score['cases']:,} cases: **{score['score_s']:.1f} s** "
                     f"(reasons for the top {score['reasons_for']:,} too: "
                     f"{score['with_reasons_s']:.1f} s; floor, one raw LightGBM predict: "
                     f"{score['floor_one_predict_s']:.1f} s; the previous path through "
                     f"scikit-learn's wrappers: {score['wrappers_s']:.1f} s; load average "
                     f"{score['load_avg']:.1f}); peak memory "
                     f"{score['peak_mb']:,.0f} MB (goal < 60 s).")
    if train:
        lines.append(f"\nTraining on {train['history_rows']:,} history rows "
                     f"({train['cases']:,} cases, {train['examples']:,} examples): "
                     f"**{train['train_s']:.1f} s** through the database (feature SQL alone "
                     f"{train['features_s']:.1f} s; floor, one uncalibrated LightGBM fit: "
                     f"{train['floor_one_fit_s']:.1f} s; loading the rows, not counted: "
                     f"{train['load_s']:.0f} s); peak memory {train['peak_mb']:,.0f} MB "
                     f"(goal < 10 min).")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--train", type=int, default=50_000)
    parser.add_argument("--test", type=int, default=20_000)
    parser.add_argument("--score-cases", type=int, default=1_000_000)
    parser.add_argument("--history-rows", type=int, default=1_000_000)
    parser.add_argument("--phase", choices=("score", "train", "load"))
    parser.add_argument("--arg", type=int, default=0)
    args = parser.parse_args(argv)
    server_url = os.environ.get("TEST_DATABASE_URL") or os.environ.get("DATABASE_URL", "")
    if args.phase == "score":
        print(json.dumps(phase_score(args.arg)))
        return 0
    if args.phase == "train":
        print(json.dumps(phase_train(args.arg, server_url)))
        return 0
    if args.phase == "load":
        print(json.dumps(phase_load(args.arg, server_url)))
        return 0
    evals = [evaluate(seed, args.train, args.test) for seed in range(1, args.seeds + 1)]
    score = _child("score", args.score_cases) if args.score_cases else None
    train = _child("train", args.history_rows) if args.history_rows and server_url else None
    table = _table(evals, score, train)
    header = (f"# Visit-selection benchmark\n\n`python -m bench.selection "
              f"{' '.join(argv)}` on {platform.node()} ({os.cpu_count()} cores), "
              f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC; train {args.train:,} / test "
              f"{args.test:,} simulated cases per seed.\n\n")
    RESULTS.write_text(header + table + "\n")
    print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
