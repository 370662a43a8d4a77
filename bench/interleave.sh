#!/usr/bin/env bash
# Run one benchmark alternately on two checkouts (A, B, A, B, ...), same database server.
# Usage: bench/interleave.sh BEFORE_DIR AFTER_DIR PAIRS OUTDIR -- bench.module [args...]
# Each run's output goes to OUTDIR/<module>.<n>.<before|after>.txt with the load average.
set -euo pipefail
BEFORE="$1"; AFTER="$2"; PAIRS="$3"; OUT="$4"; shift 5
mkdir -p "$OUT"
: "${TEST_DATABASE_URL:?set TEST_DATABASE_URL}"
for n in $(seq 1 "$PAIRS"); do
  for side in before after; do
    dir=$BEFORE; [ "$side" = after ] && dir=$AFTER
    f="$OUT/$1.$n.$side.txt"
    { echo "load: $(cut -d' ' -f1-3 /proc/loadavg) at $(date -u +%H:%M:%S)"
      (cd "$dir" && .venv/bin/python -m "$@")
      echo "load-end: $(cut -d' ' -f1-3 /proc/loadavg)"; } >"$f" 2>&1
  done
done
