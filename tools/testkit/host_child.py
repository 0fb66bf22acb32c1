"""The app host's child: serve one chapter's app over HTTP, and load it afresh on request.

Started by `apphost.AppHost` as `python -I host_child.py`. It binds 127.0.0.1 on a free port,
writes `PORT <n>` on stdout and serves with uvicorn. Every request goes to the chapter's app,
except these, which the tests send:

- `POST /__testkit__/reset` `{"chapter": dir, "env": {...}, "app": "main:app",
  "reload": true, "plugin": file}`: stop the app that runs (its lifespan's shutdown), forget
  the chapter's modules, set the environment, import the chapter's `main` again and start its
  lifespan. The answer is `{"ok": true}` or `{"ok": false, "error": "<what went wrong, with
  the file and line>"}`.
- `GET /__testkit__/requests`: `[method, path, status]` of every request the app answered
  since the last reset (what a test cannot see itself, such as a smoke check's call).
- `GET /__testkit__/errors`: the tracebacks of the exceptions the app let escape since the
  last reset (a 500 says only "Internal Server Error"; these say why).
- `POST /__testkit__/plugin/<name>`: call `<name>(app, body)` from the plugin file given at
  reset (a chapter's test hooks, such as closing a gate in front of the model).

The student's code runs here and only here: whatever it does, it cannot reach the process
that runs the tests and decides what passed. The child ends when its parent closes stdin.
"""

import asyncio
import contextlib
import importlib
import importlib.util
import json
import os
import socket
import sys
import threading
import traceback
from pathlib import Path
from typing import Any

import uvicorn

PREFIX = "/__testkit__/"
BASE_ENVIRONMENT = dict(os.environ)


def watch_parent() -> None:
    """Exit when the parent closes our stdin (it ended, or it is done with us)."""
    watch_fd = os.dup(0)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)  # input() in the chapter's code reads nothing, not our pipe

    def wait() -> None:
        while os.read(watch_fd, 1024):
            pass
        os._exit(0)

    threading.Thread(target=wait, daemon=True, name="watch-parent").start()


def where_it_failed(error: BaseException, chapter: Path | None) -> str:
    """The traceback, keeping the frames of the chapter's files (the student's code)."""
    frames = traceback.extract_tb(error.__traceback__)
    own = [f for f in frames if chapter is not None and f.filename.startswith(str(chapter))]
    lines = traceback.format_list(own or frames[-3:])
    lines += traceback.format_exception_only(type(error), error)
    return "".join(lines).rstrip()


class Host:
    def __init__(self) -> None:
        self.chapter: Path | None = None
        self.app: Any = None
        self.state: dict[str, Any] = {}
        self.stack: contextlib.AsyncExitStack | None = None
        self.plugin: Any = None
        self.errors: list[str] = []
        self.requests: list[tuple[str, str, int]] = []
        self.lock = asyncio.Lock()

    def forget_chapter(self) -> None:
        if self.chapter is None:
            return
        folder = str(self.chapter)
        for name, module in list(sys.modules.items()):
            if (getattr(module, "__file__", None) or "").startswith(folder):
                del sys.modules[name]
        with contextlib.suppress(ValueError):
            sys.path.remove(folder)

    async def stop_app(self) -> None:
        stack, self.stack, self.app, self.state = self.stack, None, None, {}
        if stack is not None:
            await stack.aclose()

    async def reset(self, order: dict[str, Any]) -> dict[str, Any]:
        async with self.lock:
            try:
                await self.stop_app()
            except Exception as error:  # the old app's shutdown: report it, carry on
                self.errors.append(where_it_failed(error, self.chapter))
            chapter = Path(order["chapter"]).resolve()
            if order.get("reload", True) or chapter != self.chapter:
                self.forget_chapter()
            self.errors, self.requests = [], []
            os.environ.clear()
            os.environ.update(BASE_ENVIRONMENT)
            os.environ.update({k: v for k, v in order.get("env", {}).items() if v is not None})
            self.chapter = chapter
            if str(chapter) not in sys.path:
                sys.path.insert(0, str(chapter))
            os.chdir(chapter)
            module_name, _, attribute = order.get("app", "main:app").partition(":")
            try:
                module = importlib.import_module(module_name)
                found = getattr(module, attribute.removesuffix("()"), None)
                if found is None:
                    name = attribute.removesuffix("()")
                    return {"ok": False, "error": f"{module_name}.py defines no `{name}`"}
                self.plugin = load_plugin(order.get("plugin"))
                if self.plugin is not None and hasattr(self.plugin, "make_app"):
                    self.app = self.plugin.make_app(module)
                else:
                    self.app = found() if attribute.endswith("()") else found
                self.stack = contextlib.AsyncExitStack()
                lifespan = getattr(getattr(self.app, "router", None), "lifespan_context", None)
                if lifespan is not None:
                    state = await self.stack.enter_async_context(lifespan(self.app))
                    self.state = dict(state or {})
            except BaseException as error:  # SystemExit and KeyboardInterrupt included
                self.app = None
                return {"ok": False, "error": where_it_failed(error, self.chapter)}
            return {"ok": True}

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            await self.lifespan(receive, send)
            return
        path = scope.get("path", "")
        if scope["type"] == "http" and path.startswith(PREFIX):
            await self.control(path.removeprefix(PREFIX), scope, receive, send)
            return
        if self.app is None:
            await answer(send, 503, {"detail": "the app host has no app loaded"})
            return
        scope["state"] = dict(self.state)
        started = False

        async def tracking_send(message: dict[str, Any]) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                self.requests.append((scope.get("method", ""), path, message["status"]))
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as error:
            self.errors.append(where_it_failed(error, self.chapter))
            if not started and scope["type"] == "http":
                await answer(send, 500, {"detail": "Internal Server Error"})

    async def lifespan(self, receive: Any, send: Any) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                with contextlib.suppress(Exception):
                    await self.stop_app()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def control(self, what: str, scope: dict[str, Any], receive: Any, send: Any) -> None:
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        order = json.loads(body) if body else {}
        if what == "reset":
            await answer(send, 200, await self.reset(order))
        elif what == "errors":
            await answer(send, 200, {"errors": self.errors})
        elif what == "requests":
            await answer(send, 200, {"requests": self.requests})
        elif what.startswith("plugin/") and self.plugin is not None:
            hook = getattr(self.plugin, what.removeprefix("plugin/"))
            result = await asyncio.get_running_loop().run_in_executor(None, hook, self.app, order)
            await answer(send, 200, {"result": result})
        else:
            await answer(send, 404, {"detail": f"no such control: {what}"})


def load_plugin(path: str | None) -> Any:
    if not path:
        return None
    spec = importlib.util.spec_from_file_location("testkit_host_plugin", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


async def answer(send: Any, status: int, body: object) -> None:
    payload = json.dumps(body).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(payload))]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})


def main() -> None:
    watch_parent()
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)  # connections wait in the backlog until uvicorn accepts them
    print(f"PORT {sock.getsockname()[1]}", flush=True)
    config = uvicorn.Config(
        Host(), log_level="warning", lifespan="on", access_log=False, timeout_keep_alive=3600
    )
    uvicorn.Server(config).run(sockets=[sock])


if __name__ == "__main__":
    main()
