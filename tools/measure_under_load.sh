#!/usr/bin/env bash
# Run the whole suite (`make test`) on a busy machine: two busy loops beside it, one per core
# of a 2-core machine, as a grader running submissions side by side or a laptop doing other
# work would be. Prints each run's pytest summary, its wall time and the load, then `make grade`
# under the same load beside a quiet `make grade`, to show the score does not move.
# Usage: bash tools/measure_under_load.sh [RUNS] > tools/under_load.txt   (after `make setup`)
set -uo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
logs=${LOGS:-$(mktemp -d)}  # each run's whole output, for the failures' details

busy() { sh -c 'while :; do :; done' & }
stop_busy() { kill "${loops[@]}" 2>/dev/null; wait "${loops[@]}" 2>/dev/null; loops=(); }
score() { .venv/bin/python -c 'import json; r = json.load(open("grade/results.json")); print(" ".join(t["id"] + "=" + str(t["earned"]) for t in r["tasks"]), "status", r["status"])'; }

echo "date:     $(date -u +%Y-%m-%dT%H:%MZ)"
echo "machine:  $(nproc) cores, $(python3 --version 2>&1)"
echo "logs:     $logs"
loops=()
make grade >/dev/null 2>&1
echo "quiet make grade:  $(score)"
for run in $(seq 1 "$runs"); do
  loops=(); busy; loops+=($!); busy; loops+=($!)
  start=$(date +%s)
  make test > "$logs/run-$run.log" 2>&1
  end=$(date +%s)
  echo "run $run: $(tail -n 1 "$logs/run-$run.log")  (wall $((end - start)) s, load at the end $(cut -d' ' -f1-3 /proc/loadavg))"
  grep -E "^(FAILED|ERROR) " "$logs/run-$run.log" | sed 's/^/    /'
  grep -E "^=+ .*(passed|failed).* =+$" "$logs/run-$run.log" | sed 's/^/    pytest: /' 
  stop_busy
done
loops=(); busy; loops+=($!); busy; loops+=($!)
make grade >/dev/null 2>&1
echo "busy make grade:   $(score)"
stop_busy
