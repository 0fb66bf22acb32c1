"""What the student's commands say, in English or in Korean.

`make help`, `make hint`, `make check`, `make progress`, `make grade`, `make watch-N`,
`make reset-N` and `make chapter-N` print through `say(key, ...)`: every message has an English
and a Korean text here, with the same fields (tools/test_messages.py checks both). A failing
check speaks the same language (tools/testkit/bilingual.py). The language is the first of:

1. the environment variable `COURSE_LANG` (`ko` or `en`), e.g. `COURSE_LANG=ko make progress`;
2. the file `COURSE_LANG` at the top of the course, which a Korean student edition holds
   (`make student-edition LANG=ko`);
3. the locale: the first of `LC_ALL`, `LC_MESSAGES` and `LANG` that is set, as POSIX reads
   them; `ko_KR.UTF-8` (or any value starting with `ko`) is Korean;
4. English.

What a task asks, its title and its hint come from the lesson of that language: `README.ko.md`
in Korean where the chapter has one (tools/course.py).
"""

import os
import unicodedata
from collections.abc import Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LANGUAGES = ("en", "ko")
SETTING = "COURSE_LANG"  # the variable, and the file at the top that a Korean edition holds
LOCALE_VARIABLES = ("LC_ALL", "LC_MESSAGES", "LANG")


def normalise(value: str) -> str | None:
    """`ko`, `ko_KR.UTF-8`, `KO` -> "ko"; `en`, `en_US.UTF-8`, `C` -> "en"; other -> None."""
    value = value.strip().lower()
    if value.startswith("ko"):
        return "ko"
    if value.startswith("en") or value in {"c", "posix"} or value.startswith("c."):
        return "en"
    return None


def language(environ: Mapping[str, str] | None = None, root: Path = ROOT) -> str:
    """The language the student's commands speak: "en" or "ko" (see the module's doc)."""
    environ = os.environ if environ is None else environ
    if environ.get(SETTING, "").strip():
        return normalise(environ[SETTING]) or "en"
    setting = root / SETTING
    if setting.is_file():
        return normalise(setting.read_text()) or "en"
    locale = next((environ[name] for name in LOCALE_VARIABLES if environ.get(name)), "")
    return "ko" if normalise(locale) == "ko" else "en"


MESSAGES: dict[str, dict[str, str]] = {
    # Points and the state of a task, in lists and sentences.
    "points.one": {"en": "{count} point", "ko": "{count}점"},
    "points.many": {"en": "{count} points", "ko": "{count}점"},
    "task.done": {"en": "done", "ko": "완료"},
    "task.todo": {"en": "todo", "ko": "남음"},
    "task.unknown": {
        "en": "error: there is no task {task!r}. The tasks are: {names}.",
        "ko": "오류: 없는 과제입니다: {task!r}. 과제 목록: {names}.",
    },
    # make hint
    "hint.name_the_task": {
        "en": "Name the task: make hint TASK=ch03.ex2 (`make progress` names your next one).",
        "ko": "과제를 지정하세요: make hint TASK=ch03.ex2 (다음 과제는 `make progress`로 확인).",
    },
    "hint.header": {
        "en": "{task} {title}: hint {step} of {steps}",
        "ko": "{task} {title}: 힌트 {step}/{steps}",
    },
    "hint.answer_goes_here": {"en": "Your answer goes here:", "ko": "답을 쓸 자리:"},
    "hint.spot": {"en": "{path}, line {number}: {line}", "ko": "{path} {number}번째 줄: {line}"},
    "hint.none": {
        "en": "(The lesson has no hint for this task.)",
        "ko": "(레슨에 이 과제의 힌트가 없습니다.)",
    },
    "hint.running": {"en": "Running the task's checks...", "ko": "과제 검사를 실행하는 중..."},
    "hint.solved": {
        "en": "They all pass: this task is solved.",
        "ko": "검사를 모두 통과했습니다. 이 과제를 해결했습니다.",
    },
    "hint.no_check_ran": {"en": "no check ran", "ko": "실행된 검사가 없습니다"},
    "hint.first_failure": {
        "en": "The first check that fails says:",
        "ko": "가장 먼저 실패한 검사의 메시지:",
    },
    "hint.again": {
        "en": "Stuck still? `make hint TASK={task}` again shows hint {step}.",
        "ko": "아직 막혔나요? `make hint TASK={task}` 명령을 한 번 더 실행하면 "
        "{step}번째 힌트가 나옵니다.",
    },
    # make check
    "check.name_the_task": {
        "en": "Name the task: make check TASK=ch03.ex2 (`make progress` lists them).",
        "ko": "과제를 지정하세요: make check TASK=ch03.ex2 (과제 목록은 `make progress`로 확인).",
    },
    "check.solved": {
        "en": "{task} {title} ({points}): solved.",
        "ko": "{task} {title} ({points}): 해결했습니다.",
    },
    "check.not_solved": {
        "en": "{task} {title} ({points}): not solved yet.",
        "ko": "{task} {title} ({points}): 아직 해결되지 않았습니다.",
    },
    "check.ask_for_a_hint": {
        "en": "`make hint TASK={task}` gives a hint, one step more each time.",
        "ko": "`make hint TASK={task}` 명령으로 힌트를 볼 수 있습니다. "
        "실행할 때마다 한 단계씩 더 자세히 알려 줍니다.",
    },
    # make progress
    "progress.solved": {
        "en": "Solved {solved} of {count} tasks: {earned} of {total}.",
        "ko": "과제 {count}개 중 {solved}개 해결, 점수는 {total} 중 {earned}점.",
    },
    "progress.needs_pytorch": {
        "en": "not checked yet: needs PyTorch, which `make test-7` installs (once)",
        "ko": "아직 검사하지 않음: PyTorch가 필요합니다(`make test-7`을 처음 실행할 때 설치됩니다)",
    },
    "progress.all_checked_solved": {
        "en": "Every task checked so far is solved. Run `make test-7` to go on with 07.",
        "ko": "지금까지 검사한 과제를 모두 해결했습니다. "
        "07장으로 넘어가려면 `make test-7`을 실행하세요.",
    },
    "progress.all_solved": {
        "en": "Every task is solved. Run `make grade` for the full report.",
        "ko": "모든 과제를 해결했습니다. 전체 보고서는 `make grade`로 확인하세요.",
    },
    "progress.next": {
        "en": "Next: {task}, {title} ({points}), in {lesson}",
        "ko": "다음 과제: {task} {title} ({points}), 레슨: {lesson}",
    },
    "progress.hint": {"en": "Hint:", "ko": "힌트:"},
    "progress.check_it": {
        "en": "Check it with `make check TASK={task}`, or `make watch-{number}` to re-run "
        "the chapter's checks on each save.",
        "ko": "`make check TASK={task}` 명령으로 검사하세요. "
        "`make watch-{number}` 명령을 실행해 두면 파일을 저장할 때마다 이 장의 검사를 다시 "
        "실행합니다.",
    },
    # make grade (and the Gradescope report)
    "grade.passed": {"en": "passed", "ko": "통과"},
    "grade.failed": {"en": "failed", "ko": "실패"},
    "grade.checks_did_not_run": {
        "en": "its checks did not run",
        "ko": "이 과제의 검사가 실행되지 않았습니다",
    },
    "grade.given_code_failed": {
        "en": "checks of the given code: {failed} of {count} failed:",
        "ko": "처음부터 주어진 코드의 검사: {count}개 중 {failed}개 실패:",
    },
    "grade.given_code_passed": {
        "en": "checks of the given code: all {count} passed",
        "ko": "처음부터 주어진 코드의 검사: {count}개 모두 통과",
    },
    "grade.not_run_here": {
        "en": "not run here, for want of a container engine ({count}; they take nothing away):",
        "ko": "컨테이너 엔진이 없어서 이 환경에서 실행하지 못한 검사 {count}개(감점 없음):",
    },
    "grade.changed_files_void": {
        "en": "These files differ from the handout, so this grade does not count:",
        "ko": "다음 파일이 배포본과 달라서 이 점수는 인정되지 않습니다:",
    },
    "grade.handout_differs": {
        "en": "The handout used to grade differs from its own manifest:",
        "ko": "채점에 쓴 배포본이 그 배포본의 매니페스트와 맞지 않습니다:",
    },
    "grade.workflow_edited": {
        "en": "The workflow that grades was edited, so this grade does not count:",
        "ko": "채점 워크플로가 수정되었으므로 이 점수는 인정되지 않습니다:",
    },
    "grade.grader_changed": {
        "en": "The code under test changed the grader's files while it ran:",
        "ko": "검사 대상 코드가 실행되는 동안 채점기 파일을 바꿨습니다:",
    },
    "grade.pytest_could_not_run": {
        "en": "pytest could not run {chapter}'s checks ({selection}, exit code {code}):",
        "ko": "pytest가 {chapter}의 검사를 실행하지 못했습니다({selection}, 종료 코드 {code}):",
    },
    "grade.not_used_handout": {
        "en": "Not used (the handout's copies decide the grade):",
        "ko": "채점에 쓰지 않은 파일(점수는 배포본에 있는 원본 파일로 매깁니다):",
    },
    "grade.not_used_steering": {
        "en": "Not used by the grade (files that would steer pytest):",
        "ko": "채점에 쓰지 않은 파일(pytest 동작을 바꿀 수 있는 파일):",
    },
    "grade.total": {
        "en": "Total: {earned}/{possible} points.",
        "ko": "합계: {earned}/{possible}점.",
    },
    "grade.report": {"en": "Report: {results} and {junit}", "ko": "보고서: {results}, {junit}"},
    "grade.all_checks_pass": {"en": "All checks pass.", "ko": "모든 검사를 통과했습니다."},
    "grade.does_not_count": {
        "en": "This grade does not count:",
        "ko": "이 점수는 인정되지 않습니다:",
    },
    "grade.stopped_after": {"en": "stopped after {seconds} s", "ko": "{seconds}초 후 중단됨"},
    # The lines of files that differ from the handout (tools/manifest.py)
    "manifest.missing": {"en": "missing: {name}", "ko": "없음:   {name}"},
    "manifest.changed": {"en": "changed: {name}", "ko": "변경됨: {name}"},
    "manifest.added": {"en": "added:   {name}", "ko": "추가됨: {name}"},
    # The Classroom workflow's summary (tools/task_result.py)
    "result.heading": {"en": "## Grade: {counts}", "ko": "## 점수: {counts}"},
    "result.does_not_count": {"en": "does not count", "ko": "인정되지 않음"},
    "result.points": {"en": "{earned}/{possible} points", "ko": "{earned}/{possible}점"},
    "result.table": {"en": "| task | points |", "ko": "| 과제 | 점수 |"},
    "result.failing_checks": {"en": "Failing checks:", "ko": "실패한 검사:"},
    "result.given_code": {"en": "given code", "ko": "주어진 코드"},
    "result.void": {"en": "The grade does not count:", "ko": "이 점수는 인정되지 않습니다:"},
    "result.no_report": {
        "en": "No report at {path}: the grader did not finish.",
        "ko": "{path}에 보고서가 없습니다. 채점이 끝나지 않았습니다.",
    },
    # make watch-N
    "watch.given_code_broken": {
        "en": "[watch] {count} check(s) of the given code fail: your change broke them.",
        "ko": "[watch] 방금 바꾼 코드 때문에 주어진 코드의 검사 {count}개가 실패합니다.",
    },
    "watch.next": {
        "en": "[watch] next: {task} {title} ({points})",
        "ko": "[watch] 다음 과제: {task} {title} ({points})",
    },
    "watch.stuck": {
        "en": "[watch] stuck? make hint TASK={task}",
        "ko": "[watch] 막혔나요? make hint TASK={task}",
    },
    "watch.all_solved": {
        "en": "[watch] every task of this chapter is solved.",
        "ko": "[watch] 이 장의 과제를 모두 해결했습니다.",
    },
    "watch.waiting": {
        "en": "[watch] save a file in {chapter}/ to run the checks again; Ctrl+C stops.",
        "ko": "[watch] {chapter}/ 폴더의 파일을 저장하면 검사를 다시 실행합니다. "
        "멈추려면 Ctrl+C를 누르세요.",
    },
    "watch.change_seen": {
        "en": "[watch] change seen, running the checks again...",
        "ko": "[watch] 변경 사항을 감지했습니다. 검사를 다시 실행하는 중...",
    },
    # make reset-N
    "reset.instructors": {
        "en": "make reset-N works in the student edition; here it would erase the solutions.",
        "ko": "make reset-N은 학생용 에디션(student edition)에서만 동작합니다. "
        "여기서 실행하면 정답 코드가 지워집니다.",
    },
    "reset.needs_history": {
        "en": "make reset-N needs the edition's git history (it holds the handout).",
        "ko": "make reset-N을 쓰려면 처음 배포된 파일이 담긴 이 에디션의 git 이력이 필요합니다.",
    },
    "reset.nothing_to_do": {
        "en": "{chapter}/ is as it was handed out: nothing to reset.",
        "ko": "{chapter}/ 폴더는 처음 배포된 상태 그대로입니다. 되돌릴 것이 없습니다.",
    },
    "reset.plan": {
        "en": "This puts {count} file(s) of {chapter}/ back as they were handed out:",
        "ko": "{chapter}/ 폴더의 파일 {count}개를 처음 배포된 상태로 되돌립니다:",
    },
    "reset.ask": {
        "en": "Your versions go to a backup first. Type yes to go on: ",
        "ko": "지금 파일은 먼저 백업해 둡니다. 계속하려면 yes를 입력하세요: ",
    },
    "reset.nothing_changed": {"en": "Nothing changed.", "ko": "아무것도 바꾸지 않았습니다."},
    "reset.done": {
        "en": "{chapter}/ is back to its starter files. Your versions: {backup}/",
        "ko": "{chapter}/ 폴더를 처음 배포된 상태로 되돌렸습니다. "
        "되돌리기 전 파일(백업): {backup}/",
    },
    # make chapter-N and make demo-N (tools/serve.py)
    "serve.serving": {
        "en": "Serving {chapter} - stop with Ctrl+C",
        "ko": "{chapter} 실행 중 - 멈추려면 Ctrl+C",
    },
    "serve.demo": {
        "en": "Demo of {chapter} - stop with Ctrl+C",
        "ko": "{chapter} 데모 - 멈추려면 Ctrl+C",
    },
    "serve.no_chapter": {
        "en": "error: no chapter at '{chapter}'. Use make chapter-N with N from 1 to 7.",
        "ko": "오류: '{chapter}'에 해당하는 장이 없습니다. make chapter-N의 N은 1부터 7까지입니다.",
    },
    "serve.port_in_use": {
        "en": "error: port {port} on {host} is already in use (another chapter still running?). "
        "Stop it with Ctrl+C, or pick another: make chapter-N PORT={other}",
        "ko": "오류: {host}의 {port}번 포트가 이미 사용 중입니다(다른 장의 서버가 아직 실행 "
        "중인가요?). 그 서버를 Ctrl+C로 멈추거나 다른 포트를 쓰세요: make chapter-N PORT={other}",
    },
    "serve.did_not_start": {
        "en": "error: {chapter} did not start: {reason}",
        "ko": "오류: {chapter}의 서버를 시작하지 못했습니다: {reason}",
    },
    "serve.start_check_failed": {
        "en": "the start-up check exited with code {code}: {output}",
        "ko": "시작 검사가 종료 코드 {code}(으)로 끝났습니다: {output}",
    },
    "serve.projector": {
        "en": "  Open on the projector: {url}",
        "ko": "  프로젝터 화면에서 열 주소: {url}",
    },
    "serve.demo_records": {
        "en": "  Demo records: {count} requests from {path}",
        "ko": "  데모 데이터: {path}의 요청 {count}개",
    },
    "serve.no_demo_records": {
        "en": "  Demo records: none (no {name} in this chapter)",
        "ko": "  데모 데이터: 없음(이 장에는 {name} 파일이 없습니다)",
    },
    # The Makefile (tools/say.py)
    "make.no_chapter": {
        "en": "error: there is no chapter {chapter}; use a number from 1 to 7.",
        "ko": "오류: {chapter}장은 없습니다. 1부터 7까지의 숫자를 쓰세요.",
    },
    "make.installing_core": {
        "en": "Installing the course's packages into {venv} (first run only)...",
        "ko": "이 과정에서 쓰는 패키지를 {venv}에 설치하는 중입니다 (처음 한 번만)...",
    },
    "make.installing_model": {
        "en": "Installing chapter 07's packages (PyTorch, SQLModel, safetensors) into {venv}...",
        "ko": "07장의 패키지(PyTorch, SQLModel, safetensors)를 {venv}에 설치하는 중입니다...",
    },
    "make.snapshots_for_authors": {
        "en": "error: make snapshots is for the course's authors: it would accept any change to "
        'what /docs shows. Your operations go under tags=["exercises"], which the snapshot '
        "leaves out; put the given operations back as they were handed out.",
        "ko": "오류: make snapshots는 과정 제작자용입니다. 이 명령은 /docs에 보이는 내용이 어떻게 "
        '바뀌었든 모두 받아들입니다. 여러분의 경로 작동에는 tags=["exercises"]가 붙고, 스냅샷은 '
        "이 태그가 붙은 경로 작동을 빼고 비교합니다. 주어진 경로 작동은 받은 그대로 되돌려 "
        "두세요.",
    },
    "make.docker_running": {
        "en": "Open http://localhost:{port}/docs  -  logs: make docker-logs  -  "
        "stop: make docker-stop",
        "ko": "http://localhost:{port}/docs 를 여세요  -  로그: make docker-logs  -  "
        "중지: make docker-stop",
    },
    # make help
    "help.usage": {
        "en": "Usage: make <target> [PORT=8000] [HOST=127.0.0.1]   (N is a chapter, 1-7)",
        "ko": "사용법: make <타깃> [PORT=8000] [HOST=127.0.0.1]   (N은 장 번호, 1-7)",
    },
    "help.loop": {
        "en": "Your loop (the first command installs chapters 01-06's packages, about 100 MB):",
        "ko": "자주 쓰는 명령 (처음 실행하는 명령이 01-06장의 패키지 약 100 MB를 설치합니다):",
    },
    "help.chapter": {
        "en": "Serve chapter N with auto-reload; open http://127.0.0.1:8000/docs",
        "ko": "N장을 자동 리로드로 실행합니다. http://127.0.0.1:8000/docs 를 여세요",
    },
    "help.test_n": {
        "en": "Run chapter N's checks (seconds; the slow generated ones are left to make test)",
        "ko": "N장의 검사를 실행합니다 (몇 초. 느린 자동 생성 검사는 make test에서 실행합니다)",
    },
    "help.watch": {
        "en": "Run chapter N's checks on every save; shows the next task",
        "ko": "저장할 때마다 N장의 검사를 실행하고 다음 과제를 보여 줍니다",
    },
    "help.check": {
        "en": "Run one task's checks: solved or not",
        "ko": "과제 하나의 검사를 실행합니다: 해결했는지 알려 줍니다",
    },
    "help.hint": {
        "en": "A hint for a task, one step more each time",
        "ko": "과제의 힌트를 보여 줍니다. 실행할 때마다 한 단계씩 더 알려 줍니다",
    },
    "help.progress": {
        "en": "Which tasks you solved, and the next one with its hint",
        "ko": "해결한 과제와 다음 과제, 그리고 그 힌트를 보여 줍니다",
    },
    "help.grade": {
        "en": "Your score for chapter N / every chapter, with a report in grade/",
        "ko": "N장 / 모든 장의 점수를 매기고 grade/에 보고서를 씁니다",
    },
    "help.reset": {
        "en": "Put chapter N's files back as handed out (keeps a backup)",
        "ko": "N장의 파일을 처음 받은 상태로 되돌립니다 (백업을 남깁니다)",
    },
    "help.demo": {
        "en": "Serve chapter N for a class demo, with example records",
        "ko": "수업 시연용으로 예시 데이터를 넣어 N장을 실행합니다",
    },
    "help.chapter_7": {
        "en": "Chapter 07 installs PyTorch the first time (about 750 MB on disk, a minute or two):",
        "ko": "07장은 처음에 PyTorch를 설치합니다 (디스크 약 750 MB, 1-2분):",
    },
    "help.chapter_7_too": {
        "en": "As for the other chapters",
        "ko": "다른 장과 같습니다",
    },
    "help.train": {
        "en": "Retrain chapter 07's model (~10 min)",
        "ko": "07장의 모델을 다시 학습합니다 (약 10분)",
    },
    "help.bench": {
        "en": "Benchmark chapter 07 (+ transformers and matplotlib, ~160 MB; several minutes)",
        "ko": "07장 벤치마크 (+ transformers, matplotlib 약 160 MB. 몇 분 걸립니다)",
    },
    "help.bench_vllm": {
        "en": "Chapter 07 against vLLM's CPU build (+ vLLM in VLLM_VENV, ~3.4 GB; ~8 min)",
        "ko": "07장을 vLLM CPU 빌드와 비교합니다 (+ VLLM_VENV에 vLLM 약 3.4 GB. 약 8분)",
    },
    "help.ray": {
        "en": "Serve chapter 07 on Ray Serve replicas (+ Ray, ~240 MB)",
        "ko": "07장을 Ray Serve 레플리카로 실행합니다 (+ Ray 약 240 MB)",
    },
    "help.bench_ray": {
        "en": "What Ray Serve costs (+ Ray; ~5 min)",
        "ko": "Ray Serve의 비용을 잽니다 (+ Ray. 약 5분)",
    },
    "help.everything": {"en": "Everything:", "ko": "전체:"},
    "help.test": {
        "en": "Every check of every chapter (installs all of the above; ~15 min)",
        "ko": "모든 장의 모든 검사 (위의 패키지를 모두 설치합니다. 약 15분)",
    },
    "help.lint": {
        "en": "Check / fix the style with ruff",
        "ko": "ruff로 스타일을 검사 / 수정합니다",
    },
    "help.docker": {
        "en": "Chapter 06's image (needs an engine)",
        "ko": "06장의 이미지 (컨테이너 엔진이 필요합니다)",
    },
    "help.clean": {
        "en": "Remove .venv, grade/ and caches",
        "ko": ".venv, grade/, 캐시를 지웁니다",
    },
    "help.instructors": {"en": "Instructors:", "ko": "강사용:"},
    "help.student_edition": {
        "en": "Write the student edition to DEST=dist/student-edition (LANG=ko: Korean)",
        "ko": "학생용 에디션을 DEST=dist/student-edition에 만듭니다 (LANG=ko: 한국어판)",
    },
    "help.gradescope": {
        "en": "Write Gradescope's autograder.zip to dist/gradescope/",
        "ko": "Gradescope용 autograder.zip을 dist/gradescope/에 씁니다",
    },
    "help.grade_class": {
        "en": "Grade every submission in dir with the edition's checks",
        "ko": "dir 안의 모든 제출물을 학생용 에디션의 검사로 채점합니다",
    },
    "help.mutants": {
        "en": "Mutation testing of the solutions (all chapters or CHAPTER=N; ~15 min)",
        "ko": "정답 코드의 변이 테스트 (모든 장 또는 CHAPTER=N. 약 15분)",
    },
    "help.snapshots": {
        "en": "Accept a deliberate change to what /docs shows",
        "ko": "/docs에 보이는 내용을 의도적으로 바꾼 것을 스냅샷에 반영합니다",
    },
    "help.screenshots": {
        "en": "Retake the Swagger UI pictures in the lessons (needs Chromium)",
        "ko": "레슨의 Swagger UI 그림을 다시 찍습니다 (Chromium이 필요합니다)",
    },
}


def say(key: str, /, language_code: str | None = None, **fields: object) -> str:
    """The message `key` in the chosen language, its fields filled in."""
    return MESSAGES[key][language_code or language()].format(**fields)


def points(count: int, language_code: str | None = None) -> str:
    """`1 point`, `2 points`; `1점`, `2점`."""
    key = "points.one" if count == 1 else "points.many"
    return say(key, language_code, count=count)


def width(text: str) -> int:
    """How many columns a terminal gives `text`: Hangul and other wide characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def pad(text: str, columns: int) -> str:
    """`text` followed by spaces up to `columns` terminal columns (str.ljust counts characters)."""
    return text + " " * max(0, columns - width(text))
