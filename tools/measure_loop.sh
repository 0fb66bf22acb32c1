#!/usr/bin/env bash
# Time the student's loop and the per-task proof, on this machine as it is now.
# Usage: bash tools/measure_loop.sh > tools/loop_timings.txt   (after `make setup`)
# Each line gives the wall time and the CPU time (user + sys) of one command; on a machine
# shared with other work the wall time is the larger, and the CPU time the steadier.
set -uo pipefail
cd "$(dirname "$0")/.."
TIMEFORMAT='%R %U %S'

measure() {  # measure LABEL COMMAND...: one line "LABEL  wall W s, cpu C s"
  local label=$1
  shift
  local times status=0
  times=$( { time "$@" >/dev/null 2>&1; } 2>&1 | tail -n 1) || status=$?
  read -r wall user sys <<<"$times"
  printf "%-28s wall %5.1f s, cpu %5.1f s" "$label" "$wall" "$(awk "BEGIN { print $user + $sys }")"
  if [ "$status" -ne 0 ]; then printf "  (FAILED, exit %s)" "$status"; fi
  echo
}

echo "date:     $(date -u +%Y-%m-%dT%H:%MZ)"
echo "machine:  $(nproc) cores, $(python3 --version 2>&1), load $(cut -d' ' -f1-3 /proc/loadavg)"
for chapter in 1 2 3 4 5 6; do
  for run in 1 2 3; do
    measure "make test-$chapter (run $run)" make "test-$chapter"
  done
done
measure "make test-7" make test-7
measure "per-task proof alone" .venv/bin/python -m pytest -q -p no:cacheprovider tools/test_task_proof.py
measure "make test" make test
.venv/bin/python - <<'PY'
# make watch-N: from a save to the end of the re-run, chapter 01 in a scratch copy.
import shutil, subprocess, sys, tempfile, time
from pathlib import Path
scratch = Path(tempfile.mkdtemp())
shutil.copytree("01_first_steps", scratch / "01_first_steps")
shutil.copy("pyproject.toml", scratch)
shutil.copy("conftest.py", scratch)  # the root conftest.py that skips slow files unread
command = [sys.executable, "tools/watch.py", str(scratch / "01_first_steps"),
           "-m", "not slow", "-p", "no:schemathesis", "-p", "no:hypothesispytest"]
watcher = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
lines = iter(watcher.stdout)
next(line for line in lines if "[watch] all checks pass" in line)
for run in (1, 2, 3):
    time.sleep(1)
    main = scratch / "01_first_steps" / "main.py"
    saved = time.monotonic()
    main.write_text(main.read_text() + "\n# saved\n")
    next(line for line in lines if "[watch] all checks pass" in line)
    print(f"make watch-1, save to result (run {run}): {time.monotonic() - saved:4.1f} s")
watcher.terminate()
shutil.rmtree(scratch)
PY
