"""Load a chapter's app into the test process, for the checks that need the app object itself.

Schemathesis' fuzzing and the unit checks of chapter 07's engine take the app or its modules
in hand. Graded checks never do (they talk to the app host), so nothing loaded here can change
a grade. Chapter folders such as `05_crud_pydantic` are no valid package names, and `main.py`
imports its neighbours by bare name, as under uvicorn: the loader puts the chapter on
`sys.path` just for the import, then forgets its modules, so the next load (or another
chapter with its own `config.py`) starts from scratch, with an empty store.
"""

import importlib
import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any


def forget_modules(chapter: Path) -> None:
    for name, module in list(sys.modules.items()):
        origin = getattr(module, "__file__", None) or ""
        if origin.startswith(str(chapter)) and "tests" not in Path(origin).parts:
            del sys.modules[name]


def load_module(chapter: Path, name: str = "main") -> ModuleType:
    forget_modules(chapter)
    sys.path.insert(0, str(chapter))
    try:
        return importlib.import_module(name)
    finally:
        sys.path.remove(str(chapter))
        forget_modules(chapter)


def load_file(path: Path) -> ModuleType:
    """A helper file of a chapter's tests, by its path (test folders are not packages)."""
    spec = importlib.util.spec_from_file_location(f"{path.parent.parent.name}_{path.stem}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def load_app(chapter: Path) -> Any:
    return load_module(chapter).app
