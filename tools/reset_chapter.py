"""`make reset-N` (student edition only): put chapter N's files back as they were handed out.

The handout is the repository's first commit. Every file of the chapter that it holds is
restored; files you added are left alone. It asks first, unless YES=1 is given.

Usage: python tools/reset_chapter.py CHAPTER_FOLDER
"""

import os
import subprocess
import sys
from pathlib import Path

import manifest

ROOT = Path(__file__).resolve().parents[1]


def git(*arguments: str) -> str:
    return subprocess.run(
        ["git", *arguments], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()


def main() -> int:
    chapter = sys.argv[1]
    if manifest.load(ROOT) is None:
        print("make reset-N works in the student edition; here it would erase the solutions.")
        return 1
    try:
        handout = git("rev-list", "--max-parents=0", "HEAD").splitlines()[-1]
    except (subprocess.CalledProcessError, FileNotFoundError, IndexError):
        print("make reset-N needs the edition's git history (its first commit is the handout).")
        return 1
    print(f"This puts every file of {chapter}/ back as it was handed out.")
    print("Your changes to those files are lost (files you added stay).")
    if os.environ.get("YES") != "1" and input("Type yes to go on: ").strip().lower() != "yes":
        print("Nothing changed.")
        return 1
    git("checkout", handout, "--", chapter)
    print(f"{chapter}/ is back to its starter files.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
