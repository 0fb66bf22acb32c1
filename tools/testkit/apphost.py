"""Run a chapter's app in a process of its own, and talk to it over HTTP, as real clients do.

The graded checks never import the student's code: `host_child.py` does, in a child process,
so nothing in a chapter's files can change what the tests see except the answers its app
gives. One child per pytest process serves every chapter in turn; `reset()` loads the
chapter's `main.py` afresh (an empty store) before each test and each generated example.

    host = apphost.shared()
    host.reset(CHAPTER_DIR)
    host.client.get("/users")          # a testkit.client.Client on the child's address
"""

import atexit
import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from testkit.bilingual import message
from testkit.client import Client

CHILD = Path(__file__).with_name("host_child.py")
START_WITHIN_S = 60  # a Python start plus FastAPI's import: about a second on an idle machine
RESET_WITHIN_S = 120  # chapter 07 loads its model and may start its engine in a process
REQUEST_WITHIN_S = 60
# What the child inherits: enough to run Python and find its packages, nothing of the tests'
# own settings (a variable such as APP_VERSION in the grader's shell must not reach the app).
PASSED_ON = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "SYSTEMROOT", "VIRTUAL_ENV")


class HostError(Exception):
    """The chapter's app could not be loaded or served; the message says why, for a student."""


class AppHost:
    def __init__(self) -> None:
        self.process: subprocess.Popen[bytes] | None = None
        self.client: Client | None = None
        self.base_url = ""
        self.chapter: Path | None = None
        self.log: Any = None

    def launch(self) -> None:
        """Start the child's process without waiting for it (it boots while pytest collects)."""
        if self.process is not None:
            return
        # Bytecode is cached as usual (__pycache__, ignored by git): a reset re-imports the
        # chapter's modules, which would otherwise be compiled again each time.
        env = {name: os.environ[name] for name in PASSED_ON if name in os.environ}
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 (closed in close())
        self.process = subprocess.Popen(
            [sys.executable, "-I", str(CHILD)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.log,
            env=env,
            start_new_session=True,  # one signal ends it and whatever it started
        )

    def start(self) -> None:
        if self.process is not None and self.process.poll() is not None:
            self.close()
        self.launch()
        if self.client is None:
            line = self._read_port_line()
            port = int(line.split()[1])
            self.base_url = f"http://127.0.0.1:{port}"
            self.client = Client("127.0.0.1", port, timeout=REQUEST_WITHIN_S)

    def _read_port_line(self) -> str:
        assert self.process is not None and self.process.stdout is not None
        deadline = time.monotonic() + START_WITHIN_S
        os.set_blocking(self.process.stdout.fileno(), False)
        buffer = b""
        while b"\n" not in buffer:
            chunk = self.process.stdout.read()
            buffer += chunk or b""
            if self.process.poll() is not None:
                raise HostError(
                    message(
                        f"the app host exited at start:\n{self.log_tail()}",
                        f"앱 호스트가 시작하다가 종료되었습니다:\n{self.log_tail()}",
                    )
                )
            if time.monotonic() > deadline:
                raise HostError(
                    message(
                        f"the app host did not start within {START_WITHIN_S} s",
                        f"앱 호스트가 {START_WITHIN_S}초 안에 시작하지 않았습니다",
                    )
                )
            if not chunk:
                time.sleep(0.01)
        return buffer.decode().splitlines()[0]

    def log_tail(self, size: int = 3000) -> str:
        if self.log is None:
            return ""
        self.log.seek(0)
        return self.log.read().decode(errors="replace")[-size:]

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def reset(
        self,
        chapter: Path,
        env: dict[str, str | None] | None = None,
        app: str = "main:app",
        reload: bool = True,
        plugin: Path | None = None,
    ) -> None:
        """Load `chapter`'s app afresh in the child, with `env` set on top of a clean one.

        `reload=False` keeps the chapter's modules imported between resets (chapter 07's
        SQLModel tables can be defined once per process); a child that served another
        chapter that way is replaced by a new one.
        """
        chapter = Path(chapter).resolve()
        if self.alive() and not reload and self.chapter not in (None, chapter):
            self.close()
        self.start()
        self.chapter = chapter
        order = {
            "chapter": str(chapter),
            "env": env or {},
            "app": app,
            "reload": reload,
            "plugin": str(plugin) if plugin else None,
        }
        answer = self.control("reset", order, timeout=RESET_WITHIN_S)
        if not answer["ok"]:
            raise HostError(
                message(
                    f"The app did not start:\n{answer['error']}",
                    f"앱이 시작하지 못했습니다:\n{answer['error']}",
                )
            )

    def control(self, what: str, body: object = None, timeout: float = REQUEST_WITHIN_S) -> Any:
        assert self.client is not None
        try:
            response = self.client.post(f"/__testkit__/{what}", json=body, timeout=timeout)
        except OSError as error:
            died, tail = not self.alive(), self.log_tail()
            self.close()
            if died:
                raise HostError(
                    message(
                        f"The app's process ended (did the code call exit() or crash?):\n{tail}",
                        "앱의 프로세스가 끝났습니다(코드가 exit()를 호출했거나 앱이 비정상 "
                        f"종료되었나요?):\n{tail}",
                    )
                ) from None
            raise HostError(
                message(
                    f"The app did not answer within {timeout:.0f} s ({error})",
                    f"앱이 {timeout:.0f}초 안에 응답하지 않았습니다({error})",
                )
            ) from None
        return response.json()

    def errors(self) -> list[str]:
        """Tracebacks of the exceptions the app let escape since the last reset."""
        if not self.alive():
            return []
        try:
            return self.control("errors")["errors"]
        except HostError:
            return []

    def requests(self) -> list[tuple[str, str, int]]:
        """(method, path, status) of every request the app answered since the last reset."""
        return [tuple(entry) for entry in self.control("requests")["requests"]]  # type: ignore[misc]

    def call(self, hook: str, body: object = None) -> Any:
        """Call a hook of the plugin given to `reset` (in the child, beside the app)."""
        return self.control(f"plugin/{hook}", body)["result"]

    def close(self) -> None:
        if self.client is not None:
            self.client.close()
            self.client = None
        if self.process is not None:
            if self.process.stdin is not None:
                self.process.stdin.close()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=10)
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.process.pid, signal.SIGKILL)  # and whatever it started
            self.process.wait()
            if self.process.stdout is not None:
                self.process.stdout.close()
            self.process = None
        if self.log is not None:
            self.log.close()
            self.log = None


_shared: AppHost | None = None


def shared() -> AppHost:
    """The host of this pytest process, started on first use and stopped at exit."""
    global _shared
    if _shared is None:
        _shared = AppHost()
        atexit.register(_shared.close)
    return _shared
