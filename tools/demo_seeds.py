"""Demo records for `make demo-N`: a chapter's example requests, read from the chapter.

The convention: a chapter that stores records has a file `demo_seeds.py` with a list
`SEED_REQUESTS` of `(method, path, JSON body or None)`. Right after the app's start-up (its
lifespan has run, so stores made there exist) and before the server takes its first request,
`seed_on_startup.py` sends each to the app in order, and each must answer 2xx. The chapter
stays standalone: the file is plain data, and the records go through the same validation as a
visitor's.

They are sent twice: once by the start-up check (`start_check.py`), in a process that ends at
once, and once by the server. A store in memory forgets the first; a store that persists (a
database file) must accept the same records twice, or the demo must use a fresh one.
"""

import importlib.util
from pathlib import Path
from typing import Any

SEEDS_FILE = "demo_seeds.py"
SeedRequest = tuple[str, str, Any]


def read_seed_requests(chapter: Path) -> list[SeedRequest]:
    path = chapter / SEEDS_FILE
    if not path.is_file():
        return []
    spec = importlib.util.spec_from_file_location(f"demo_seeds_of_{chapter.name}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return list(module.SEED_REQUESTS)
