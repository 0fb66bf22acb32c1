"""A chapter that cannot start stops `make chapter-N` at once, with one line that says why.

No traceback, no "Uvicorn running on ..." before it, and no reloader left waiting for a file
to change: `serve.py` must exit (the timeout below would catch a waiting one) with code 1.
"""

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SERVE = Path(__file__).with_name("serve.py")


def serve(chapter: Path | str, *options: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SERVE), str(chapter), "--port", "0", *options],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **env},
        check=False,
    )


def write_chapter(folder: Path, **files: str) -> Path:
    folder.mkdir()
    for name, text in files.items():
        (folder / name.replace("__", ".")).write_text(textwrap.dedent(text))
    return folder


def test_a_bad_setting_is_named_in_one_line() -> None:
    result = serve("06_docker", LOG_LEVEL="loud")
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == (
        "error: 06_docker did not start: invalid setting LOG_LEVEL='loud': "
        "Input should be 'critical', 'error', 'warning', 'info' or 'debug'\n"
    )


def test_a_missing_module_file_is_named_with_the_line_that_imports_it(tmp_path: Path) -> None:
    chapter = tmp_path / "06_docker"
    shutil.copytree(ROOT / "06_docker", chapter, ignore=shutil.ignore_patterns("tests"))
    (chapter / "store.py").unlink()
    router = (chapter / "routers" / "users.py").read_text().splitlines()
    line = 1 + next(i for i, text in enumerate(router) if text.startswith("from store import"))
    result = serve(chapter)
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == (
        f"error: 06_docker did not start: routers/users.py:{line}: "
        "ModuleNotFoundError: No module named 'store'\n"
    )


def test_a_file_missing_at_start_up_is_named_in_one_line(tmp_path: Path) -> None:
    chapter = write_chapter(
        tmp_path / "08_fake",
        main__py="""\
            import logging
            from contextlib import asynccontextmanager
            from pathlib import Path

            from fastapi import FastAPI

            WEIGHTS = Path(__file__).with_name("weights.bin")


            @asynccontextmanager
            async def lifespan(app):
                logging.getLogger("fake").critical("Cannot start: this line must not show")
                WEIGHTS.read_bytes()
                yield


            app = FastAPI(lifespan=lifespan)
            """,
    )
    result = serve(chapter)
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == (
        "error: 08_fake did not start: main.py:13: FileNotFoundError: "
        f"[Errno 2] No such file or directory: '{chapter / 'weights.bin'}'\n"
    )


def test_a_syntax_error_is_named_with_its_line(tmp_path: Path) -> None:
    chapter = write_chapter(tmp_path / "08_fake", main__py="app = FastAPI(\n")
    result = serve(chapter)
    assert result.returncode == 1
    assert result.stderr == (
        "error: 08_fake did not start: main.py:1: SyntaxError: '(' was never closed\n"
    )


def test_a_demo_record_that_is_refused_stops_the_demo(tmp_path: Path) -> None:
    chapter = write_chapter(
        tmp_path / "08_fake",
        main__py="""\
            from fastapi import FastAPI

            app = FastAPI()


            @app.post("/numbers", status_code=201)
            def add(number: int) -> int:
                return number
            """,
        demo_seeds__py="""\
            SEED_REQUESTS = [("POST", "/numbers?number=1", None), ("POST", "/nothing", None)]
            """,
    )
    result = serve(chapter, "--demo")
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == (
        "error: 08_fake did not start: DemoSeedError: "
        'demo_seeds.py: POST /nothing answered 404 {"detail":"Not Found"}\n'
    )
