"""Log-in timing: an unknown username beside a wrong password (the baseline), same run.

The claim (docs/security.md): an unknown name costs what a wrong password costs, so timing
does not tell who exists. Both go through the real endpoint with production argon2 parameters
on an embedded SQLite database, interleaved, each from its own address (the back-off of the
name is set out of reach: it is not what is measured).

    python -m bench.logins [--rounds 40]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time

from server import create_app
from server.auth.service import create_user
from server.extensions import db


def _app(instance: str):
    from flask_migrate import upgrade

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance}/bench.sqlite3",
                      "INSTANCE_DIR": instance, "SECRET_KEY": "bench", "RATELIMIT_ENABLED": False,
                      "AUDIT_HMAC_KEY": "bench", "AUDIT_ANCHOR_FILE": "",
                      "LOGIN_ACCOUNT_FREE_FAILURES": 1_000_000})
    with app.app_context():
        upgrade()
        create_user(db.session, "known.user", "correct horse battery", "collector")
        db.session.commit()
    return app


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=40)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as instance:
        client = _app(instance).test_client()
        times: dict[str, list[float]] = {"wrong password (baseline)": [], "unknown name": []}
        names = {"wrong password (baseline)": "known.user", "unknown name": "nobody.here"}
        for n in range(args.rounds + 2):
            for label, name in names.items():
                start = time.perf_counter()
                answer = client.post("/api/v1/auth/tokens", json={
                    "username": name, "password": "not the password"},
                    environ_base={"REMOTE_ADDR": f"10.{n // 250}.{n % 250}.{len(label)}"})
                elapsed = time.perf_counter() - start
                assert answer.status_code == 401, answer.get_json()
                if n >= 2:  # warm-up rounds dropped
                    times[label].append(elapsed * 1000)
    print(f"{'case':<28}{'median ms':>10}{'mean ms':>10}{'stdev':>8}")
    for label, values in times.items():
        print(f"{label:<28}{statistics.median(values):>10.1f}{statistics.mean(values):>10.1f}"
              f"{statistics.stdev(values):>8.1f}")
    base, ours = (statistics.median(v) for v in times.values())
    print(f"unknown / wrong: {ours / base:.3f}")


if __name__ == "__main__":
    main()
