"""`make reset-N` (student edition only): put chapter N's files back as they were handed out.

The handout is the commit whose grading-manifest.json the Classroom workflow pins (the
repository's first commit when that workflow is absent). Every file of the chapter that the
handout holds is restored; files you added stay. What it replaces is first copied to
.course/backups/<chapter>-<time>/, so nothing is lost. In a terminal it asks first (YES=1
skips the question); without one (an editor's task runner) it goes ahead, since the backup
keeps your work.

It speaks the student's language (tools/messages.py).

Usage: python tools/reset_chapter.py CHAPTER_FOLDER
"""

import hashlib
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import manifest
import messages

ROOT = Path(__file__).resolve().parents[1]
BACKUPS = ROOT / ".course" / "backups"
LANGUAGE = messages.language()


def say(key: str, **fields: object) -> str:
    return messages.say(key, LANGUAGE, **fields)


def git(*arguments: str) -> str:
    return subprocess.run(
        ["git", *arguments], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()


def handout_commit() -> str:
    workflow = ROOT / manifest.WORKFLOW
    pin = re.search(r"^  PIN: (\w+)$", workflow.read_text(), re.M) if workflow.is_file() else None
    if pin:
        for commit in git("rev-list", "--all").split():
            try:
                shown = subprocess.run(
                    ["git", "show", f"{commit}:{manifest.NAME}"],
                    cwd=ROOT,
                    capture_output=True,
                    check=True,
                ).stdout
            except subprocess.CalledProcessError:
                continue
            if hashlib.sha256(shown).hexdigest() == pin[1]:
                return commit
    return git("rev-list", "--max-parents=0", "HEAD").splitlines()[-1]


def main() -> int:
    chapter = sys.argv[1]
    if manifest.load(ROOT) is None:
        print(say("reset.instructors"))
        return 1
    try:
        handout = handout_commit()
        files = git("ls-tree", "-r", "--name-only", handout, "--", chapter).splitlines()
    except (subprocess.CalledProcessError, FileNotFoundError, IndexError):
        print(say("reset.needs_history"))
        return 1
    changed = [
        name
        for name in files
        if not (ROOT / name).is_file()
        or (ROOT / name).read_bytes()
        != subprocess.run(
            ["git", "show", f"{handout}:{name}"], cwd=ROOT, capture_output=True, check=True
        ).stdout
    ]
    if not changed:
        print(say("reset.nothing_to_do", chapter=chapter))
        return 0
    print(say("reset.plan", count=len(changed), chapter=chapter))
    print("\n".join(f"  {name}" for name in changed))
    asks = os.environ.get("YES") != "1" and sys.stdin.isatty()
    if asks and input(say("reset.ask")).strip() != "yes":
        print(say("reset.nothing_changed"))
        return 1
    backup = BACKUPS / f"{chapter}-{time.strftime('%Y%m%d-%H%M%S')}"
    for name in changed:
        if (ROOT / name).is_file():
            (backup / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, backup / name)
    git("checkout", handout, "--", *changed)
    print(say("reset.done", chapter=chapter, backup=backup.relative_to(ROOT)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
