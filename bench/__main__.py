"""Run every benchmark in turn (`python -m bench`, `make bench`); each prints its own table.

The database benchmarks need PostgreSQL (TEST_DATABASE_URL or DATABASE_URL); each creates and
drops its own throwaway database. Pass `--quick` for a short smoke run of each.
"""

from __future__ import annotations

import subprocess
import sys

BENCHES = {
    "routing": ["--quick"],
    "sync": [],
    "sync_http": ["--rounds", "3", "--visits", "300"],
    "imports": ["--rows", "20000"],
    "promises": ["--sizes", "50000,200000"],
    "autoassign": ["--visits", "500", "--collectors", "20"],
    "load": ["--collectors", "8"],
    "logins": ["--rounds", "5"],
    "messaging": ["--sizes", "10000"],
    "selection": ["--seeds", "1", "--train", "5000", "--test", "5000", "--score-cases", "50000",
                  "--history-rows", "20000"],
    "console": ["--runs", "5"],
    "selfservice": ["--debtors", "200"],
    "recall_rules": ["--cases", "20000", "--runs", "3"],
}


def main(argv: list[str]) -> int:
    """Run each benchmark as its own process so one failure doesn't hide the others."""
    quick = "--quick" in argv
    failed = []
    for name, quick_args in BENCHES.items():
        print(f"\n## bench.{name}\n", flush=True)
        args = quick_args if quick else []
        if subprocess.call([sys.executable, "-m", f"bench.{name}", *args]) != 0:
            failed.append(name)
    if failed:
        print(f"\nfailed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
