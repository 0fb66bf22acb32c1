"""`make grade` and `make grade-N`: score every task, say why a task failed, write grade/.

The checks run in a grading tree (tools/grading_tree.py): the handout's tests, lessons and
tools, and the submission's code, nothing else. The handout is the copy of the course this
file belongs to; the submission is this repository too, unless `--submission` names another
(`python HANDOUT/tools/grade.py --submission SUBMISSION`, as the Classroom workflow and the
Gradescope autograder run it). A task earns its points when every one of its checks passes.

The grade does not count ("void") when it cannot be trusted: the handout's own graded files
differ from its manifest (this repository's tests were edited), the workflow that grades was
edited, or the code under test changed the grader's files while it ran. Files of the
submission that could steer pytest are never used, and are listed.

Reports: grade/results.json (Exercism's test-runner interface, version 3, with the course's
task ids in `task_id` and per-task points in `tasks`), grade/junit.xml, and with
`--gradescope FILE` Gradescope's results.json. The exit code is 0 when the grade was computed
(whatever the score), 1 when it is void, 2 when the checks could not run.

What it prints (and the messages in its reports) speaks the student's language, the task titles
those of the lesson in that language (tools/messages.py); the reports' keys and statuses stay
as their formats define them.

Usage: python tools/grade.py [--submission DIR] [--output DIR] [--gradescope FILE] [CHAPTER ...]
"""

import argparse
import json
import sys
import tempfile
import textwrap
from pathlib import Path
from xml.etree import ElementTree

import course
import grading
import grading_tree
import manifest
import messages

ROOT = Path(__file__).resolve().parents[1]
SHOWN_LINES = 14  # of a failed task's first message
LANGUAGE = messages.language()
TITLE_COLUMNS = 28  # a task's title is padded to this many terminal columns


def say(key: str, **fields: object) -> str:
    return messages.say(key, LANGUAGE, **fields)


def first_failure(results: list[grading.Result], task: str) -> str | None:
    for result in results:
        if result.task == task and result.status != "pass":
            message = (result.message or result.status).strip()
            lines = message.splitlines()
            if len(lines) > SHOWN_LINES:
                lines = [*lines[:SHOWN_LINES], "  ..."]
            test = result.name.rsplit("::", 1)[-1]
            return f"{test}:\n" + "\n".join(lines)
    return None if any(r.task == task for r in results) else say("grade.checks_did_not_run")


def table(
    chapters: list[str], results: list[grading.Result], tasks: list[course.Task]
) -> tuple[list[str], int, int]:
    lines, earned, possible = [], 0, 0
    for chapter in chapters:
        lines.append(chapter)
        for task in [t for t in tasks if t.chapter == chapter]:
            solved = grading.passed(results, task.id)
            earned += task.points if solved else 0
            possible += task.points
            verdict = say("grade.passed") if solved else say("grade.failed")
            got = task.points if solved else 0
            title = messages.pad(task.title, TITLE_COLUMNS)
            lines.append(f"  {task.id}  {title} {verdict}  {got}/{task.points}")
            why = None if solved else first_failure(results, task.id)
            if why:
                lines.append(textwrap.indent(why, "        "))
        not_run = grading.skipped(results, chapter)
        if not_run:
            lines.append("  " + say("grade.not_run_here", count=len(not_run)))
            lines += [f"        {r.name}: {(r.message or '').strip()}" for r in not_run]
        given = [r for r in results if r.chapter == chapter and r.task is None]
        broken = [r for r in given if r.status in {"fail", "error"}]
        if broken:
            lines.append(
                "  " + say("grade.given_code_failed", failed=len(broken), count=len(given))
            )
            lines += [f"        {r.name}" for r in broken]
        else:
            lines.append("  " + say("grade.given_code_passed", count=len(given)))
    return lines, earned, possible


def exercism(results: list[grading.Result], status: str, message: str | None) -> dict:
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


def junit(results: list[grading.Result]) -> bytes:
    suite = ElementTree.Element("testsuite", name="course", tests=str(len(results)))
    for result in results:
        module, _, name = result.name.rpartition("::")
        case = ElementTree.SubElement(suite, "testcase", classname=module, name=name)
        if result.status in {"fail", "error"}:
            kind = "failure" if result.status == "fail" else "error"
            ElementTree.SubElement(case, kind, message=result.status).text = result.message
        elif result.status == "skip":
            ElementTree.SubElement(case, "skipped", message=result.message or "")
    suite.set("failures", str(sum(r.status == "fail" for r in results)))
    suite.set("errors", str(sum(r.status == "error" for r in results)))
    return ElementTree.tostring(suite, encoding="utf-8", xml_declaration=True)


def gradescope(
    results: list[grading.Result], tasks: list[course.Task], void: list[str]
) -> dict[str, object]:
    """Gradescope's results.json: one entry per task, its checks' messages as its output."""
    entries = []
    for task in tasks:
        solved = grading.passed(results, task.id) and not void
        why = first_failure(results, task.id) if not solved else None
        entries.append(
            {
                "name": f"{task.id} {task.title}",
                "number": task.id,
                "score": task.points if solved else 0,
                "max_score": task.points,
                "status": "passed" if solved else "failed",
                "output": why or (say("grade.all_checks_pass") if solved else "\n".join(void)),
                "visibility": "visible",
            }
        )
    document: dict[str, object] = {"tests": entries, "visibility": "visible"}
    if void:
        document["output"] = say("grade.does_not_count") + "\n" + "\n".join(void)
        document["score"] = 0
    return document


def handout_problems(submission: Path) -> list[str]:
    """Why the handout (the copy whose tools run) cannot be trusted, if it cannot."""
    expected = manifest.load(ROOT)
    if expected is None:
        return []  # the instructor's repository: no manifest, nothing to compare with
    found = manifest.differences(ROOT, expected, LANGUAGE)
    if not found:
        return []
    why = say("grade.changed_files_void" if submission == ROOT else "grade.handout_differs")
    return [why] + [f"  {line}" for line in found]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("chapters", nargs="*", help="chapter folders; default: all")
    parser.add_argument("--submission", type=Path, default=ROOT)
    parser.add_argument("--output", type=Path, default=None, help="default: SUBMISSION/grade")
    parser.add_argument("--gradescope", type=Path, help="also write Gradescope's results.json")
    arguments = parser.parse_args()
    submission = arguments.submission.resolve()
    output = (arguments.output or submission / "grade").resolve()
    chapters = arguments.chapters or course.chapters(ROOT)
    tasks = [t for t in course.all_tasks(ROOT, LANGUAGE) if t.chapter in chapters]
    void = handout_problems(submission)

    with tempfile.TemporaryDirectory(prefix="course-grade-") as folder:
        tree = grading_tree.build(ROOT, submission, Path(folder))
        batches = grading.run(tree.root, chapters)
        changed = tree.changed()
    results = [result for batch in batches for result in batch.results]
    edited_workflow = [name for name in tree.replaced if name.startswith(".github/")]
    if edited_workflow and submission != ROOT:
        void += [say("grade.workflow_edited")]
        void += [f"  {name}" for name in edited_workflow]
    if changed:
        void += [say("grade.grader_changed")]
        void += [f"  {name}" for name in changed]
    broken = [batch for batch in batches if batch.broken]
    problems = [
        say(
            "grade.pytest_could_not_run", chapter=b.chapter, selection=b.selection, code=b.exit_code
        )
        + "\n"
        + b.output[-3000:]
        for b in broken
    ]

    lines, earned, possible = table(chapters, results, tasks)
    failed = [r for r in results if r.status in {"fail", "error"}]
    status = "error" if void or problems else ("fail" if failed else "pass")
    message = "\n".join(void + problems) or None
    output.mkdir(parents=True, exist_ok=True)
    report = exercism(results, status, message)
    report["tasks"] = [
        {"id": t.id, "points": t.points, "earned": t.points * grading.passed(results, t.id)}
        for t in tasks
    ]
    (output / "results.json").write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n")
    (output / "junit.xml").write_bytes(junit(results))
    if arguments.gradescope:
        document = gradescope(results, tasks, void + problems)
        arguments.gradescope.write_text(json.dumps(document, indent=1, ensure_ascii=False))

    print("\n".join(lines))
    unused = [*tree.ignored, *[name for name in tree.replaced if name not in edited_workflow]]
    if unused and submission != ROOT:
        print("\n" + say("grade.not_used_handout"))
        print("\n".join(f"  {name}" for name in unused))
    elif tree.ignored:
        print("\n" + say("grade.not_used_steering"))
        print("\n".join(f"  {name}" for name in tree.ignored))
    print("\n" + say("grade.total", earned=earned, possible=possible))
    if message:
        print(message)
    print(say("grade.report", results=output / "results.json", junit=output / "junit.xml"))
    if problems:
        return 2
    return 1 if void else 0


if __name__ == "__main__":
    sys.exit(main())
