"""The student's quick loop: with `-m "not slow"`, files whose tests are all slow are not even read.

`make test-N` and `make watch-N` run `pytest -m "not slow"`. A test file that marks itself
slow as a whole (`pytestmark = pytest.mark.slow` at the top level) is skipped before it is
imported, so its heavy imports (schemathesis, hypothesis) cost nothing there. `make test`
and CI run everything.
"""

import re
from pathlib import Path

import pytest

pytest_plugins = ["testkit.plugin", "testkit.report"]

WHOLE_FILE_IS_SLOW = re.compile(r"^pytestmark = .*\bpytest\.mark\.slow\b", re.M)


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    if "not slow" not in (config.option.markexpr or ""):
        return None
    is_test_file = collection_path.suffix == ".py" and collection_path.name.startswith("test_")
    if is_test_file and WHOLE_FILE_IS_SLOW.search(collection_path.read_text()):
        return True
    return None
