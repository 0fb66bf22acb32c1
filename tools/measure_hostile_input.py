"""Time the hostile-input corpus of chapters 01-06: how long each answer took, and how long a
GET /docs sent meanwhile on another connection had to wait (the goal: under 100 ms on 2 cores).

The numbers come from each chapter's tests/test_hostile_input.py, which appends every case's
times to the file named by HOSTILE_INPUT_TIMINGS while it runs its cases against
`uvicorn main:app`; this script runs those tests and sums them up.

Usage: .venv/bin/python tools/measure_hostile_input.py > tools/hostile_input_timings.txt
"""

import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted(
    p.name for p in ROOT.glob("0[1-6]_*") if (p / "tests/test_hostile_input.py").is_file()
)


def run(chapter: str, timings: Path) -> list[tuple[str, int, int]]:
    """(case, answer ms, longest /docs wait ms) for each case of the chapter's corpus."""
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
         f"{chapter}/tests/test_hostile_input.py"],
        cwd=ROOT, check=False, capture_output=True, text=True,
        env={**os.environ, "HOSTILE_INPUT_TIMINGS": str(timings)},
    )  # fmt: skip
    if result.returncode != 0:
        sys.exit(f"{chapter}: the hostile-input tests failed\n{result.stdout[-5000:]}")
    rows = [line.split("\t") for line in timings.read_text().splitlines()]
    return [(case, int(answer), int(waited)) for case, answer, waited in rows]


def main() -> None:
    print(f"date:    {time.strftime('%Y-%m-%dT%H:%MZ', time.gmtime())}")
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"machine: {os.cpu_count()} cores, Python {platform.python_version()}, load {load}")
    print()
    print("chapter               cases  slowest answer                 longest /docs wait")
    worst_overall = 0
    with tempfile.TemporaryDirectory() as folder:
        for chapter in CHAPTERS:
            timed = run(chapter, Path(folder) / f"{chapter}.tsv")
            slowest = max(timed, key=lambda t: t[1])
            waited = max(timed, key=lambda t: t[2])
            worst_overall = max(worst_overall, waited[2])
            print(
                f"{chapter:21} {len(timed):5}  {slowest[1]:4} ms  {slowest[0][:22]:22}"
                f"  {waited[2]:4} ms  {waited[0]}"
            )
    print()
    print(f"longest wait of a concurrent GET /docs: {worst_overall} ms (goal: under 100 ms)")


if __name__ == "__main__":
    main()
