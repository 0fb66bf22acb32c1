"""Read the grader's results.json for the Classroom workflow.

python tools/task_result.py [--results FILE] ch03.ex2   exit 0 when task ch03.ex2 passed
                                                       (and the grade counts), else say why
python tools/task_result.py [--results FILE] --summary  the report as Markdown; exit 1 if
                                                       the grade is void

FILE defaults to grade/results.json beside the tools folder (what `make grade` writes). It
speaks the student's language (tools/messages.py): a Korean edition's summary is Korean.
"""

import argparse
import json
import sys
from pathlib import Path

import messages

DEFAULT = Path(__file__).resolve().parents[1] / "grade" / "results.json"


def say(key: str, **fields: object) -> str:
    return messages.say(key, messages.language(), **fields)


def summary(report: dict) -> int:
    tasks = report.get("tasks", [])
    earned = sum(task["earned"] for task in tasks)
    possible = sum(task["points"] for task in tasks)
    void = report["status"] == "error"
    counts = (
        say("result.does_not_count")
        if void
        else say("result.points", earned=earned, possible=possible)
    )
    print(say("result.heading", counts=counts) + "\n")
    print(say("result.table") + "\n| --- | --- |")
    for task in tasks:
        print(f"| {task['id']} | {task['earned']}/{task['points']} |")
    failing = [test for test in report["tests"] if test["status"] != "pass"]
    if failing:
        print("\n" + say("result.failing_checks") + "\n")
        for test in failing:
            owner = test.get("task_id", say("result.given_code"))
            print(f"- `{test['name']}` ({owner}): {test['status']}")
    if report["message"]:
        print(f"\n```text\n{report['message']}\n```")
    return 1 if report["status"] == "error" else 0


def task(report: dict, task_id: str) -> int:
    own = [test for test in report["tests"] if test.get("task_id") == task_id]
    for test in own:
        if test["status"] != "pass":
            print(f"{test['name']}: {test['status']}\n{test['message']}\n")
    if report["status"] == "error":
        print(say("result.void") + "\n" + report["message"])
        return 1
    return 0 if own and all(test["status"] == "pass" for test in own) else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=Path, default=DEFAULT)
    parser.add_argument("--summary", action="store_true")
    parser.add_argument("task", nargs="?")
    arguments = parser.parse_args()
    if not arguments.results.is_file():
        print(say("result.no_report", path=arguments.results))
        return 1
    report = json.loads(arguments.results.read_text())
    if arguments.summary:
        return summary(report)
    return task(report, arguments.task)


if __name__ == "__main__":
    sys.exit(main())
