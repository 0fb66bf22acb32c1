"""Stop early, with one clear line, when the Python that would build .venv is too old."""

import sys

MINIMUM = (3, 11)

if sys.version_info < MINIMUM:
    found = ".".join(map(str, sys.version_info[:3]))
    sys.exit(
        f"error: this course needs Python {MINIMUM[0]}.{MINIMUM[1]} or newer, but "
        f"'{sys.executable}' is {found}. Install a newer Python, then run for example "
        f"`make chapter-1 PYTHON=python3.12` (see TROUBLESHOOTING.md)."
    )
