"""`make gradescope`: a Gradescope autograder for the student edition (autograder.zip).

Gradescope unpacks the zip into /autograder/source, runs `setup.sh` once when it builds the
image, then `run_autograder` for each submission, which it puts in /autograder/submission, and
reads /autograder/results/results.json. Here the zip holds the student edition as handed out,
so the grade is computed with the instructor's copy of the checks by design: whatever a
student uploads, only the code of its chapter folders is used (tools/grading_tree.py).

Choose the "Ubuntu 24.04" base image in Gradescope's autograder settings: the course needs
Python 3.11 or newer, and 22.04 ships 3.10. `run_autograder` honours AUTOGRADER_ROOT and
AUTOGRADER_PYTHON, so that it can be tried here on a folder laid out like /autograder.

Usage: python tools/gradescope.py EDITION_DIR ZIP_FILE
"""

import stat
import sys
import zipfile
from pathlib import Path

SETUP = """\
#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder's image.
set -euo pipefail
cd /autograder/source
if ! python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
  echo "This course needs Python 3.11 or newer: choose the Ubuntu 24.04 base image." >&2
  exit 1
fi
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
python3 -m venv /autograder/venv
/autograder/venv/bin/pip install --quiet -r requirements.txt
/autograder/venv/bin/pip install --quiet torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu
/autograder/venv/bin/pip install --quiet -r requirements-07.txt
"""

RUN = """\
#!/usr/bin/env bash
# Gradescope runs this for each submission. Arguments, if any, name the chapters to grade.
set -uo pipefail
root="${AUTOGRADER_ROOT:-/autograder}"
python="${AUTOGRADER_PYTHON:-$root/venv/bin/python}"
mkdir -p "$root/results"
"$python" "$root/source/tools/grade.py" --submission "$root/submission" \\
  --output "$root/grade" --gradescope "$root/results/results.json" "$@"
status=$?
if [ ! -s "$root/results/results.json" ]; then
  printf '{"score": 0, "output": "The grader could not run (exit code %s)."}' "$status" \\
    > "$root/results/results.json"
fi
exit 0
"""

SKIPPED = {".git", "__pycache__", ".venv", "grade"}


def build(edition: Path, destination: Path) -> None:
    destination.parent.mkdir(parents=True, exist_ok=True)
    executable = stat.S_IFREG | 0o755
    with zipfile.ZipFile(destination, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in (("setup.sh", SETUP), ("run_autograder", RUN)):
            info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
            info.external_attr = executable << 16
            archive.writestr(info, text)
        for path in sorted(edition.rglob("*")):
            relative = path.relative_to(edition)
            if path.is_file() and not SKIPPED & set(relative.parts):
                info = zipfile.ZipInfo(relative.as_posix(), date_time=(2026, 1, 1, 0, 0, 0))
                mode = 0o755 if path.stat().st_mode & 0o111 else 0o644
                info.external_attr = (stat.S_IFREG | mode) << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, path.read_bytes())


def main() -> None:
    edition, destination = (Path(argument).resolve() for argument in sys.argv[1:3])
    build(edition, destination)
    print(f"Gradescope autograder written to {destination}")


if __name__ == "__main__":
    main()
