"""`make grade` and `make grade-N`: run the checks, print a score per task, write grade/.

A task earns its points when every one of its tests passes. The report goes to
`grade/results.json` (the shape of Exercism's test-runner interface, version 3, with the
course's task ids such as "ch03.ex2" in `task_id`) and `grade/junit.xml`. The exit code is 1
when any check fails, or when a file that grades differs from the handout.

Usage: python tools/grade.py [CHAPTER_FOLDER ...]   (default: every chapter)
"""

import argparse
import json
import os
from pathlib import Path

import course
import grading
import manifest

ROOT = Path(__file__).resolve().parents[1]
OUTPUT = ROOT / "grade"


def report(results: list[grading.Result], status: str, message: str | None) -> dict[str, object]:
    tests = []
    for result in results:
        test: dict[str, object] = {"name": result.name, "status": result.status}
        if result.status == "skip":
            test["status"] = "pass"  # v3 knows no "skip": a skipped check takes nothing away
        test["message"] = result.message
        if result.task:
            test["task_id"] = result.task
        tests.append(test)
    return {"version": 3, "status": status, "message": message, "tests": tests}


def table(chapters: list[str], results: list[grading.Result]) -> tuple[list[str], int, int]:
    lines, earned, possible = [], 0, 0
    for chapter in chapters:
        lines.append(chapter)
        for task in course.lesson_tasks(chapter, ROOT):
            passed = grading.passed(results, task.id)
            earned += task.points if passed else 0
            possible += task.points
            verdict = "passed" if passed else "failed"
            got = task.points if passed else 0
            lines.append(f"  {task.id}  {task.title:<28} {verdict}  {got}/{task.points}")
        given = [r for r in results if r.chapter == chapter and r.task is None]
        broken = [r for r in given if r.status in {"fail", "error"}]
        state = f"{len(broken)} of {len(given)} failed" if broken else f"all {len(given)} passed"
        lines.append(f"  checks of the given code: {state}")
    return lines, earned, possible


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("chapters", nargs="*", help="chapter folders; default: all")
    chapters = parser.parse_args().chapters or course.chapters(ROOT)
    OUTPUT.mkdir(exist_ok=True)
    os.chdir(ROOT)
    run = grading.run(chapters, OUTPUT / "junit.xml")
    lines, earned, possible = table(chapters, run.results)
    tampered = manifest.differences(ROOT)
    failed = [r for r in run.results if r.status in {"fail", "error"}]
    problems = []
    if tampered:
        problems.append("These files differ from the handout, so this grade does not count:")
        problems += [f"  {line}" for line in tampered]
    if run.broken:
        problems.append(f"pytest could not run every check (exit code {run.exit_code}):")
        problems.append(run.output[-3000:])
    status = "error" if problems else ("fail" if failed else "pass")
    message = "\n".join(problems) or None
    results = report(run.results, status, message)
    (OUTPUT / "results.json").write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n")
    print("\n".join(lines))
    print(f"Total: {earned}/{possible} points; {len(failed)} failing check(s).")
    if message:
        print(message)
    print(f"Report: {OUTPUT / 'results.json'} and {OUTPUT / 'junit.xml'}")
    return 0 if status == "pass" else 1


if __name__ == "__main__":
    raise SystemExit(main())
