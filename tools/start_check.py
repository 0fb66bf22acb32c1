"""Start a chapter once, without the reloader, and say in one line why it cannot start.

`serve.py` runs this before it starts uvicorn with auto-reload. It imports the app that
uvicorn would serve (`chapter_app.py`), runs its start-up (the lifespan: settings, files,
models, demo records) and its shutdown, as a server would. When that fails it writes one line,
naming the setting, the file or the line of code at fault, to the file given as --verdict,
and exits with 1. A reloader started after a failed start would print the traceback, then wait
for a file to change, while nothing answers.

Usage: python tools/start_check.py CHAPTER_DIR --verdict FILE [--demo]
"""

import argparse
import asyncio
import sys
import traceback
from pathlib import Path
from typing import Any

import chapter_app
from pydantic import ValidationError
from pydantic_settings import BaseSettings
from starlette.types import ASGIApp, Message


class StartupFailed(Exception):
    """The app reported a failed start-up without raising."""


async def start_and_stop(app: ASGIApp) -> None:
    """Drive the ASGI lifespan protocol once: start-up, then shutdown."""
    events: asyncio.Queue[Message] = asyncio.Queue()
    failures: list[str] = []

    async def receive() -> Message:
        return await events.get()

    async def send(message: Message) -> None:
        if message["type"] == "lifespan.startup.complete":
            events.put_nowait({"type": "lifespan.shutdown"})
        elif message["type"].endswith(".failed"):
            failures.append(str(message.get("message") or "the app reported a failed start"))

    events.put_nowait({"type": "lifespan.startup"})
    scope = {"type": "lifespan", "asgi": {"version": "3.0", "spec_version": "2.0"}, "state": {}}
    await app(scope, receive, send)
    if failures:
        raise StartupFailed(failures[0].strip().splitlines()[-1])


def settings_in(error: ValidationError) -> BaseSettings | None:
    """The settings object whose validation raised `error`, if a settings class raised it."""
    frames = traceback.walk_tb(error.__traceback__)
    for frame, _ in frames:
        for name in ("self", "__pydantic_self__"):
            candidate = frame.f_locals.get(name)
            if isinstance(candidate, BaseSettings):
                return candidate
    return None


def short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else f"{text[:57]}..."


def describe_settings_error(error: ValidationError, settings: BaseSettings) -> str:
    prefix = str(settings.model_config.get("env_prefix") or "")
    problems = []
    for item in error.errors(include_url=False):
        variable = (prefix + "__".join(str(part) for part in item["loc"])).upper()
        problems.append(f"{variable}={short(item.get('input'))}: {item['msg']}")
    return "invalid setting " + "; ".join(problems)


def where(error: BaseException, chapter: Path) -> str:
    """`main.py:12: ` for the deepest line of the chapter's own code in the traceback."""
    if isinstance(error, SyntaxError) and error.filename:
        path, line = Path(error.filename), error.lineno
    else:
        inside = [
            (Path(frame.filename), frame.lineno)
            for frame in traceback.extract_tb(error.__traceback__)
            if Path(frame.filename).is_relative_to(chapter)
        ]
        if not inside:
            return ""
        path, line = inside[-1]
    shown = path.relative_to(chapter) if path.is_relative_to(chapter) else path
    return f"{shown}:{line}: "


def describe(error: BaseException, chapter: Path) -> str:
    if isinstance(error, ValidationError) and (settings := settings_in(error)) is not None:
        return describe_settings_error(error, settings)
    message = (str(error).strip().splitlines() or [""])[0]
    if isinstance(error, SyntaxError):
        message = error.msg
    return f"{where(error, chapter)}{type(error).__name__}: {message}".rstrip(": ")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("chapter", type=Path)
    parser.add_argument("--verdict", type=Path, required=True)
    parser.add_argument("--demo", action="store_true")
    args = parser.parse_args()
    chapter = args.chapter.resolve()
    try:
        app = chapter_app.build(chapter, demo=args.demo)
        asyncio.run(start_and_stop(app))
    except (Exception, SystemExit) as error:
        args.verdict.write_text(describe(error, chapter) + "\n")
        sys.exit(1)


if __name__ == "__main__":
    main()
