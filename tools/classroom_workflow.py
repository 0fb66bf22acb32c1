"""Write the student edition's GitHub Actions workflow: grade, publish, give Classroom points.

On every push it puts the handout's tests back (from the repository's first commit, which is
the handout GitHub Classroom created), runs `make grade`, shows the table in the run's
summary, uploads grade/ as an artifact, and runs one Classroom grader step per task with
that task's points, which GitHub Classroom adds up.
"""

import course

HEAD = """\
# Written by the course's tools/classroom_workflow.py. Editing it is visible: make grade
# compares it with the handout (grading-manifest.json).
name: Autograding

on:
  push:
  workflow_dispatch:

permissions:
  checks: write
  actions: read
  contents: read

jobs:
  grade:
    name: make grade
    runs-on: ubuntu-latest
    timeout-minutes: 30
    steps:
      - uses: actions/checkout@v6
        with:
          fetch-depth: 0
      - uses: actions/setup-python@v6
        with:
          python-version: "3.11"
      - name: Put the handout's tests and grading files back
        run: |
          handout="$RUNNER_TEMP/handout"
          mkdir -p "$handout"
          git archive "$(git rev-list --max-parents=0 HEAD | tail -n 1)" | tar -x -C "$handout"
          python3 "$handout/tools/restore_handout.py" "$handout" .
      - name: Set up .venv
        run: make setup
      - name: Install the CPU build of PyTorch (chapter 07; the runners have no GPU)
        run: .venv/bin/python -m pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu
      - name: Grade
        run: make grade || true
      - name: Publish the report
        run: .venv/bin/python tools/task_result.py --summary >> "$GITHUB_STEP_SUMMARY"
      - uses: actions/upload-artifact@v6
        with:
          name: grade
          path: grade/
"""

STEP = """\
      - name: "{task.id} {task.title}"
        id: {step}
        uses: classroom-resources/autograding-command-grader@v1
        with:
          test-name: "{task.id} {task.title}"
          command: .venv/bin/python tools/task_result.py {task.id}
          timeout: 1
          max-score: {task.points}
"""

REPORTER = """\
      - name: Autograding Reporter
        uses: classroom-resources/autograding-grader-reporter@v1
        env:
{env}
        with:
          runners: {runners}
"""


def step_id(task: course.Task) -> str:
    return task.id.replace(".", "-")


def render(tasks: list[course.Task]) -> str:
    steps = "".join(STEP.format(task=task, step=step_id(task)) for task in tasks)
    env = "\n".join(
        f'          {step_id(t).upper()}_RESULTS: "${{{{ steps.{step_id(t)}.outputs.result }}}}"'
        for t in tasks
    )
    runners = ",".join(step_id(task) for task in tasks)
    return HEAD + steps + REPORTER.format(env=env, runners=runners)
