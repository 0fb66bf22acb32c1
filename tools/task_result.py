"""Read grade/results.json (written by `make grade`) for the Classroom workflow.

python tools/task_result.py ch03.ex2   exit 0 when task ch03.ex2 passed, else print why
python tools/task_result.py --summary  print the report as Markdown; exit 1 if it is void
"""

import json
import sys
from pathlib import Path

RESULTS = Path(__file__).resolve().parents[1] / "grade" / "results.json"


def main() -> int:
    report = json.loads(RESULTS.read_text())
    if sys.argv[1] == "--summary":
        passed = sum(test["status"] == "pass" for test in report["tests"])
        print(f"## Grade: {report['status']}\n\n{passed} of {len(report['tests'])} checks pass.\n")
        for test in report["tests"]:
            if test["status"] != "pass":
                print(f"- `{test['name']}` ({test.get('task_id', 'given code')}): {test['status']}")
        if report["message"]:
            print(f"\n```text\n{report['message']}\n```")
        return 1 if report["status"] == "error" else 0
    task = sys.argv[1]
    own = [test for test in report["tests"] if test.get("task_id") == task]
    for test in own:
        if test["status"] != "pass":
            print(f"{test['name']}: {test['status']}\n{test['message']}\n")
    solved = report["status"] != "error" and own and all(t["status"] == "pass" for t in own)
    return 0 if solved else 1


if __name__ == "__main__":
    sys.exit(main())
