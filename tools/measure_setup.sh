#!/usr/bin/env bash
# Time what a student waits for: the first-time setup from a fresh clone, then the checks of
# chapters 01-05. Usage: bash tools/measure_setup.sh > tools/setup_timings.txt
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
git clone --quiet "$root" "$work/course"
cd "$work/course"

seconds() { local start=$SECONDS; "$@" >/dev/null 2>&1; echo $((SECONDS - start)); }

echo "date:        $(date -u +%Y-%m-%dT%H:%MZ)"
echo "machine:     $(nproc) cores, $(python3 --version 2>&1), $(uname -sm)"
# Other work on the machine slows every figure below; the load average says how much there was.
if [ -r /proc/loadavg ]; then echo "load:        $(cut -d' ' -f1-3 /proc/loadavg) (1, 5, 15 min averages, at the start)"; fi
echo "setup:       $(seconds make setup) s  (make setup: venv + pinned packages, fresh clone)"
echo "second run:  $(seconds make setup) s  (nothing to reinstall)"
echo "chapter 07:  $(seconds make .venv/.model-installed) s  (PyTorch, SQLModel, safetensors on top)"
for run in 1 2 3; do
  echo "test 01-05:  $(seconds .venv/bin/python -m pytest 01_first_steps 02_path_query_params \
    03_crud_path 04_crud_query 05_crud_pydantic) s  (run $run)"
done
echo "test-7:      $(seconds make test-7) s"
echo "bench:       $(seconds make .venv/.bench-installed) s  (chapter 07's benchmark extras, installed by make test)"
echo "browser:     $(seconds .venv/bin/python -m pytest tools/browser) s  (the walkthroughs and demo scripts in Chromium)"
echo "make test:   $(seconds make test) s  (every chapter and the tooling checks)"
if [ -r /proc/loadavg ]; then echo "load:        $(cut -d' ' -f1-3 /proc/loadavg) (at the end)"; fi
