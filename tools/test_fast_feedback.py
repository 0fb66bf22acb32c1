"""The student's loop: a hanging test becomes a failure, and `make watch-N` answers a save."""

import ast
import queue
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import variant_runs  # noqa: E402

del sys.path[0]


def test_a_hanging_test_fails_with_its_name(tmp_path: Path) -> None:
    (tmp_path / "test_hang.py").write_text(
        "import time\n\n\ndef test_waits_for_a_worker_that_never_starts():\n    time.sleep(60)\n"
    )
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-c",
            str(ROOT / "pyproject.toml"),
            "--rootdir",
            str(tmp_path),
            "-o",
            "timeout=1",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Timeout (>1.0s) from pytest-timeout" in done.stdout
    assert "test_hang.py::test_waits_for_a_worker_that_never_starts" in done.stdout


def test_watch_runs_the_checks_again_after_a_save(tmp_path: Path) -> None:
    chapter = tmp_path / "01_first_steps"
    shutil.copytree(ROOT / "01_first_steps", chapter, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "conftest.py"):
        shutil.copy(ROOT / name, tmp_path / name)
    shutil.copytree(ROOT / "tools" / "testkit", tmp_path / "tools" / "testkit")
    for module in variant_runs.KIT_NEEDS:
        shutil.copy(ROOT / "tools" / module, tmp_path / "tools" / module)
    command = [sys.executable, str(ROOT / "tools" / "watch.py"), str(chapter)]
    watcher = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(
        target=lambda: [lines.put(line) for line in watcher.stdout or []], daemon=True
    ).start()

    def wait_for(text: str) -> float:
        start = time.monotonic()
        while time.monotonic() - start < 30:
            try:
                if text in lines.get(timeout=1):
                    return time.monotonic() - start
            except queue.Empty:
                assert watcher.poll() is None, "watch.py exited"
        raise AssertionError(f"watch.py never printed {text!r}")

    try:
        wait_for("[watch] every task of this chapter is solved")
        time.sleep(0.5)
        main = chapter / "main.py"
        main.write_text(main.read_text().replace('return {"ping": "pong"}', 'return {"ping": 1}'))
        wait_for("[watch] change seen")
        wait_for("[watch] next: ch01.ex2 Ping, asynchronously")
        wait_for("[watch] stuck? make hint TASK=ch01.ex2")
    finally:
        watcher.terminate()
        watcher.wait(timeout=10)
        if watcher.stdout is not None:
            watcher.stdout.close()


def test_a_copy_of_the_test_kit_carries_every_module_it_imports_from_tools() -> None:
    """The proof, mutation testing and the test above copy tools/testkit and KIT_NEEDS only:
    what the kit and the chapters' tests import from tools/."""
    imported = set()
    sources = [*(ROOT / "tools" / "testkit").glob("*.py"), *ROOT.glob("0*/tests/*.py")]
    for path in sources:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                imported |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                imported.add(node.module.split(".")[0])
    from_tools = {f"{name}.py" for name in imported if (ROOT / "tools" / f"{name}.py").is_file()}
    assert from_tools == set(variant_runs.KIT_NEEDS)
