"""Read the grader's results.json for the Classroom workflow.

python tools/task_result.py [--results FILE] ch03.ex2   exit 0 when task ch03.ex2 passed
                                                       (and the grade counts), else say why
python tools/task_result.py [--results FILE] --summary  the report as Markdown; exit 1 if
                                                       the grade is void

FILE defaults to grade/results.json beside the tools folder (what `make grade` writes).
"""

import argparse
import json
import sys
from pathlib import Path

DEFAULT = Path(__file__).resolve().parents[1] / "grade" / "results.json"


def summary(report: dict) -> int:
    tasks = report.get("tasks", [])
    earned = sum(task["earned"] for task in tasks)
    possible = sum(task["points"] for task in tasks)
    counts = "does not count" if report["status"] == "error" else f"{earned}/{possible} points"
    print(f"## Grade: {counts}\n")
    print("| task | points |\n| --- | --- |")
    for task in tasks:
        print(f"| {task['id']} | {task['earned']}/{task['points']} |")
    failing = [test for test in report["tests"] if test["status"] != "pass"]
    if failing:
        print("\nFailing checks:\n")
        for test in failing:
            print(f"- `{test['name']}` ({test.get('task_id', 'given code')}): {test['status']}")
    if report["message"]:
        print(f"\n```text\n{report['message']}\n```")
    return 1 if report["status"] == "error" else 0


def task(report: dict, task_id: str) -> int:
    own = [test for test in report["tests"] if test.get("task_id") == task_id]
    for test in own:
        if test["status"] != "pass":
            print(f"{test['name']}: {test['status']}\n{test['message']}\n")
    if report["status"] == "error":
        print(f"The grade does not count:\n{report['message']}")
        return 1
    return 0 if own and all(test["status"] == "pass" for test in own) else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=Path, default=DEFAULT)
    parser.add_argument("--summary", action="store_true")
    parser.add_argument("task", nargs="?")
    arguments = parser.parse_args()
    if not arguments.results.is_file():
        print(f"No report at {arguments.results}: the grader did not finish.")
        return 1
    report = json.loads(arguments.results.read_text())
    if arguments.summary:
        return summary(report)
    return task(report, arguments.task)


if __name__ == "__main__":
    sys.exit(main())
