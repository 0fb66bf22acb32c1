"""The app that `make chapter-N` and `make demo-N` serve: the chapter's own app, plus two extras.

uvicorn calls the factory `chapter_app:from_environment` at every start and reload. The chapter
folder comes from the environment variable COURSE_CHAPTER_DIR. /docs and /redoc work offline
(`offline_docs.py`), and with COURSE_DEMO=1 the chapter's demo records are created before the
first visitor (`seed_on_startup.py`). `uvicorn main:app` run inside a chapter folder has neither.
"""

import importlib
import os
import sys
from pathlib import Path

from starlette.types import ASGIApp

CHAPTER_VARIABLE = "COURSE_CHAPTER_DIR"
DEMO_VARIABLE = "COURSE_DEMO"


def load_chapter_app(chapter: Path) -> ASGIApp:
    """Import `main` from the chapter folder, as `uvicorn main:app` run there would."""
    sys.path.insert(0, str(chapter))
    return importlib.import_module("main").app


def build(chapter: Path, demo: bool) -> ASGIApp:
    # Imported here, so that serve.py reads this module's names without loading FastAPI.
    from demo_seeds import read_seed_requests
    from offline_docs import OfflineDocs
    from seed_on_startup import DemoSeeds

    app: ASGIApp = OfflineDocs(load_chapter_app(chapter))
    if demo:
        app = DemoSeeds(app, read_seed_requests(chapter))
    return app


def from_environment() -> ASGIApp:
    return build(Path(os.environ[CHAPTER_VARIABLE]), demo=os.environ.get(DEMO_VARIABLE) == "1")
