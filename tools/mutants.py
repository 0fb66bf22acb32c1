"""`make mutants`: how many beginner-like wrong programs each chapter's checks reject.

Every mutant of every solution block (tools/mutation.py) is written as a copy of its chapter
and its task's checks are run on it; a mutant is killed when one of them fails. Mutants that
behave exactly as the solution (no check could ever tell them apart) are listed, with the
reason, in `NN_chapter/tests/equivalent_mutants.txt` (one per line: `<mutant id>: <reason>`)
and count neither way. The score of a chapter is killed / (mutants - equivalent); the
course's target is 95 % in every chapter.

A run over every chapter writes its report to tools/mutants_report.txt (and the numbers to
tools/mutants_report.json): per chapter the score, per task the counts, every survivor with
its change, every equivalent mutant with its reason, and the time it took.

Usage: python tools/mutants.py [CHAPTER ...] [--task chNN.exM]
"""

import argparse
import json
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import course
import mutation
import variant_runs
import variants

ROOT = Path(__file__).resolve().parents[1]
TARGET = 0.95
REPORT = ROOT / "tools" / "mutants_report.txt"


def equivalent(chapter: str) -> dict[str, str]:
    path = ROOT / chapter / "tests" / "equivalent_mutants.txt"
    if not path.is_file():
        return {}
    found = {}
    for line in path.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            mutant_id, _, reason = line.partition(": ")
            found[mutant_id.strip()] = reason.strip()
    return found


def chapter_files(chapter: str) -> list[Path]:
    return [Path(*f.parts[1:]) for f in variants.tracked_files(ROOT) if f.parts[0] == chapter]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("chapters", nargs="*")
    parser.add_argument("--task", help="only this task's mutants")
    arguments = parser.parse_args()
    chapters = arguments.chapters or course.chapters(ROOT)
    started = time.monotonic()
    all_mutants: dict[str, list[mutation.Mutant]] = {}
    with tempfile.TemporaryDirectory(prefix="course-mutants-") as folder:
        base = Path(folder)
        variant_runs.prepare(base)
        written = []
        for chapter in chapters:
            found = mutation.of_chapter(ROOT / chapter, chapter_files(chapter))
            if arguments.task:
                found = [m for m in found if m.task == arguments.task]
            all_mutants[chapter] = found
            for mutant in found:
                answer = mutant.as_answer(ROOT / chapter)
                written.append(
                    variant_runs.write_variant(base, mutant.id, chapter, "reject", wrong=answer)
                )
        variant_runs.tidy_imports(base)
        print(f"{len(written)} mutants written; running their tasks' checks...", flush=True)
        env = {"COURSE_HYPOTHESIS_PROFILE": "course-no-shrink"}
        rounds = variant_runs.plan_rounds(written)
        results = variant_runs.grouped(
            base, variant_runs.run_rounds(base, rounds, env=env, chunk=60)
        )
    seconds = time.monotonic() - started
    lines, numbers, ok = report(chapters, all_mutants, results)
    lines.append(f"\n{sum(len(m) for m in all_mutants.values())} mutants in {seconds:.0f} s.")
    text = "\n".join(lines) + "\n"
    print(text)
    if not arguments.task and not arguments.chapters:  # the committed report covers them all
        REPORT.write_text(text)
        REPORT.with_suffix(".json").write_text(json.dumps(numbers, indent=1) + "\n")
    return 0 if ok else 1


def report(
    chapters: list[str],
    all_mutants: dict[str, list[mutation.Mutant]],
    results: dict[str, dict[str, dict[str, object]]],
) -> tuple[list[str], dict[str, object], bool]:
    lines: list[str] = []
    numbers: dict[str, object] = {}
    ok = True
    for chapter in chapters:
        known = equivalent(chapter)
        killed, survived, counted = Counter(), [], Counter()
        for mutant in all_mutants[chapter]:
            outcomes = results.get(mutant.id, {})
            own = [r["outcome"] for r in outcomes.values() if r["task"] == mutant.task]
            if mutant.id in known:
                continue
            counted[mutant.task] += 1
            if "failed" in own:
                killed[mutant.task] += 1
            else:
                survived.append(mutant)
        total = sum(counted.values())
        score = sum(killed.values()) / total if total else 1.0
        ok = ok and score >= TARGET
        lines.append(
            f"{chapter}: {sum(killed.values())} of {total} killed ({score:.1%}); "
            f"{len([m for m in all_mutants[chapter] if m.id in known])} equivalent"
        )
        for task in sorted(counted):
            lines.append(f"  {task}: {killed[task]}/{counted[task]}")
        for mutant in survived:
            lines.append(f"  survived: {mutant.id}\n      {mutant.before}\n   -> {mutant.after}")
        for mutant_id, reason in sorted(known.items()):
            lines.append(f"  equivalent: {mutant_id}: {reason}")
        numbers[chapter] = {
            "mutants": len(all_mutants[chapter]),
            "equivalent": len([m for m in all_mutants[chapter] if m.id in known]),
            "killed": sum(killed.values()),
            "score": round(score, 4),
            "survived": [m.id for m in survived],
        }
    return lines, numbers, ok


if __name__ == "__main__":
    sys.exit(main())
