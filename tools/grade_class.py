"""`make grade-class`: grade every submission of a class with the handout's own checks.

Each folder in SUBMISSIONS is one student's repository (a clone, or an unpacked download).
The handout is the student edition the instructor built (`make student-edition`): its
`tools/grade.py` grades each submission from outside (tools/grading_tree.py), so nothing a
student changed or added steers the grade, and an edited workflow makes it void. Results go
to SUBMISSIONS/grades.csv (one row per student: each task's points, the total, and why a
grade does not count) and each student's reports to SUBMISSIONS/<student>/grade/.

Usage: python tools/grade_class.py HANDOUT SUBMISSIONS
"""

import csv
import json
import subprocess
import sys
from pathlib import Path


def main() -> int:
    handout, submissions = (Path(argument).resolve() for argument in sys.argv[1:3])
    students = sorted(p for p in submissions.iterdir() if p.is_dir() and not p.name.startswith("."))
    if not students:
        print(f"No submission in {submissions}/: put one folder per student there.")
        return 1
    rows = []
    task_ids: list[str] = []
    for number, student in enumerate(students, 1):
        print(f"[{number}/{len(students)}] {student.name}", flush=True)
        done = subprocess.run(
            [sys.executable, str(handout / "tools" / "grade.py"), "--submission", str(student)],
            capture_output=True,
            text=True,
            check=False,
        )
        results = student / "grade" / "results.json"
        if not results.is_file():
            rows.append(
                {"student": student.name, "void": f"the grader failed: {done.stderr[-300:]}"}
            )
            continue
        report = json.loads(results.read_text())
        points = {task["id"]: task["earned"] for task in report.get("tasks", [])}
        task_ids = task_ids or list(points)
        void = report["status"] == "error"
        rows.append(
            {
                "student": student.name,
                **points,
                "total": 0 if void else sum(points.values()),
                "void": (report["message"] or "").replace("\n", " ") if void else "",
            }
        )
    output = submissions / "grades.csv"
    with output.open("w", newline="") as file:
        writer = csv.DictWriter(file, ["student", *task_ids, "total", "void"], restval="")
        writer.writeheader()
        writer.writerows(rows)
    print(f"{len(rows)} submissions graded: {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
