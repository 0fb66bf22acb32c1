"""`make watch-N`: run chapter N's quick checks now, then again each time a file is saved.

Watching is `watchfiles` (what uvicorn's --reload uses): it waits for changes without
polling and runs the checks once per burst of saves. Stop it with Ctrl+C.

Usage: python tools/watch.py CHAPTER_FOLDER [PYTEST_OPTION ...]
"""

import contextlib
import subprocess
import sys
from pathlib import Path

from watchfiles import PythonFilter, watch

ROOT = Path(__file__).resolve().parents[1]
# Besides .py files, chapter 06 grades its Dockerfile and compose.yaml.
WATCHED_NAMES = {"Dockerfile", "compose.yaml"}


class ChapterFilter(PythonFilter):
    def __call__(self, change: object, path: str) -> bool:
        return Path(path).name in WATCHED_NAMES or super().__call__(change, path)


def check(chapter: str, options: list[str]) -> None:
    command = [sys.executable, "-m", "pytest", chapter, "-q", "--no-header", *options]
    result = subprocess.run(command, cwd=ROOT, check=False)
    state = "all checks pass" if result.returncode == 0 else "some checks fail"
    print(
        f"\n[watch] {state}. Save a file in {chapter}/ to run them again; Ctrl+C stops.", flush=True
    )


def main() -> None:
    chapter, *options = sys.argv[1:]
    check(chapter, options)
    # debounce: saves closer together than this count as one; the checks run once after them.
    for _changes in watch(ROOT / chapter, watch_filter=ChapterFilter(), debounce=300, step=50):
        print("\n[watch] change seen, running the checks again...\n", flush=True)
        check(chapter, options)


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        main()
