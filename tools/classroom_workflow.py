"""Write the student edition's GitHub Actions workflow, as GitHub Classroom's reporter requires.

Classroom reads points only from a workflow named `Autograding Tests` whose single job is
`run-autograding-tests`: one `autograding-command-grader` step per task (its `max-score`
the task's points, its `result` output read by the reporter) and one
`autograding-grading-reporter` step whose `runners` lists those steps' ids, each passed as
`<ID>_RESULTS` in its environment (the actions' READMEs and action.yml files; see
tools/test_workflow.py for the exact inputs checked).

Nothing of the student's repository runs before the handout is found. The handout is the
commit whose `grading-manifest.json` has the SHA-256 written into this workflow (PIN), and
whose files match that manifest: not "the first commit", which a rewritten history could
fake. The grader is then the handout's own `tools/grade.py`, in a fresh virtual environment
outside the repository, over the submission: the student's tests, Makefile, pytest
configuration or workflow play no part, and an edited copy of this workflow makes the grade
void (the grader compares it with the handout's).
"""

import course

HEAD = """\
# Written by the course's tools/classroom_workflow.py. Editing it makes the grade void: the
# grader compares it with the handout's copy. PIN is the SHA-256 of the handout's
# grading-manifest.json.
name: Autograding Tests

on:
  push:
  workflow_dispatch:
  repository_dispatch:

permissions:
  checks: write
  actions: read
  contents: read

env:
  PIN: {pin}

jobs:
  run-autograding-tests:
    runs-on: ubuntu-latest
    timeout-minutes: 40
    steps:
      - uses: actions/checkout@v6
        with:
          fetch-depth: 0
      - uses: actions/setup-python@v6
        with:
          python-version: "3.11"
      - name: Find the handout (the commit whose manifest is pinned), outside the repository
        run: |
          handout="$RUNNER_TEMP/handout"
          mkdir -p "$handout"
          for commit in $(git rev-list --all); do
            digest=$(git show "$commit:grading-manifest.json" 2>/dev/null | sha256sum)
            if [ "${{digest%% *}}" = "$PIN" ]; then
              git archive "$commit" | tar -x -C "$handout"
              break
            fi
          done
          python3 - "$handout" <<'CHECK'
          import hashlib, json, pathlib, sys
          root = pathlib.Path(sys.argv[1])
          manifest = root / "grading-manifest.json"
          if not manifest.is_file():
              sys.exit("No commit of this repository holds the handout: no grade can be computed.")
          for name, digest in json.loads(manifest.read_text())["files"].items():
              if hashlib.sha256((root / name).read_bytes()).hexdigest() != digest:
                  sys.exit(f"The handout's {{name}} does not match its manifest.")
          print("Handout found and checked.")
          CHECK
      - name: Install the handout's pinned packages, outside the repository
        run: |
          python3 -m venv "$RUNNER_TEMP/venv"
          "$RUNNER_TEMP/venv/bin/pip" install --quiet -r "$RUNNER_TEMP/handout/requirements.txt"
          "$RUNNER_TEMP/venv/bin/pip" install --quiet torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu
          "$RUNNER_TEMP/venv/bin/pip" install --quiet -r "$RUNNER_TEMP/handout/requirements-07.txt"
      - name: Grade with the handout's grader
        run: >-
          "$RUNNER_TEMP/venv/bin/python" "$RUNNER_TEMP/handout/tools/grade.py"
          --submission "$GITHUB_WORKSPACE" --output "$RUNNER_TEMP/grade" || true
      - name: Publish the report
        run: >-
          "$RUNNER_TEMP/venv/bin/python" "$RUNNER_TEMP/handout/tools/task_result.py"
          --results "$RUNNER_TEMP/grade/results.json" --summary >> "$GITHUB_STEP_SUMMARY"
      - uses: actions/upload-artifact@v6
        with:
          name: grade
          path: ${{{{ runner.temp }}}}/grade/
"""

STEP = """\
      - name: "{task.id} {task.title}"
        id: {step}
        uses: classroom-resources/autograding-command-grader@v1
        with:
          test-name: "{task.id} {task.title}"
          command: >-
            "$RUNNER_TEMP/venv/bin/python" "$RUNNER_TEMP/handout/tools/task_result.py"
            --results "$RUNNER_TEMP/grade/results.json" {task.id}
          timeout: 1
          max-score: {task.points}
"""

REPORTER = """\
      - name: Autograding Reporter
        uses: classroom-resources/autograding-grading-reporter@v1
        env:
{env}
        with:
          runners: {runners}
"""


def step_id(task: course.Task) -> str:
    return task.id.replace(".", "-")


def render(tasks: list[course.Task], pin: str) -> str:
    steps = "".join(STEP.format(task=task, step=step_id(task)) for task in tasks)
    env = "\n".join(
        f'          {step_id(t).upper()}_RESULTS: "${{{{ steps.{step_id(t)}.outputs.result }}}}"'
        for t in tasks
    )
    runners = ",".join(step_id(task) for task in tasks)
    return HEAD.format(pin=pin) + steps + REPORTER.format(env=env, runners=runners)
