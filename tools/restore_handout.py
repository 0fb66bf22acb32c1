"""Put the handout's copies of every file that grades back, before grading a submission.

The Classroom workflow runs this from the handout's own copy (not the student's), so an
edited test, Makefile or grading tool counts for nothing: every file listed in the handout's
grading-manifest.json is copied from HANDOUT, and any test or conftest.py the handout does
not have is removed.

Usage: python HANDOUT/tools/restore_handout.py HANDOUT SUBMISSION
"""

import shutil
import sys
from pathlib import Path

import manifest


def restore(handout: Path, submission: Path) -> list[str]:
    expected = manifest.load(handout)
    if expected is None:
        raise SystemExit(f"{handout} holds no {manifest.NAME}")
    changed = manifest.differences(submission, expected)
    for name in [*expected, manifest.NAME]:
        target = submission / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(handout / name, target)
    for name in manifest.extra_files(submission, expected):
        (submission / name).unlink()
    return changed


def main() -> None:
    handout, submission = (Path(argument).resolve() for argument in sys.argv[1:3])
    changed = restore(handout, submission)
    print(f"Restored the handout's {len(manifest.load(handout) or {})} graded files.")
    for line in changed:
        print(f"  the submission had {line}")


if __name__ == "__main__":
    main()
