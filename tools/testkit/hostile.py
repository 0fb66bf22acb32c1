"""Hostile input, sent as raw bytes over a real socket to a chapter served by uvicorn.

Schemathesis (test_fuzz.py) only ever sends valid JSON. A careless or hostile client sends
anything: `NaN`, lone surrogates, 10 MB bodies, a `Content-Length` that never arrives. Each
chapter's `tests/test_hostile_input.py` lists its cases (`Case`); this module writes them byte
for byte onto a TCP connection to `uvicorn main:app` started in the chapter's folder, as the
lesson starts it, and checks the whole answer, that the connection still serves the next
request, and that a `GET /docs` sent meanwhile on another connection was not held up.
"""

import contextlib
import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

# Time bounds are compared with the same server's usual round trip, measured in the same run,
# so that a busy machine, which stretches both, does not fail a right answer: an answer may
# take ANSWER_WITHIN seconds or ANSWER_ROUND_TRIPS usual round trips, whichever is longer.
# On a quiet 2-core machine a GET /docs takes about 2 ms and waits under 12 ms beside the
# hostile cases (tools/measure_hostile_input.py); parsing a 10 MB body on the event loop
# took 6 to 14 s, far past either bound.
ANSWER_WITHIN = 2.0
ANSWER_ROUND_TRIPS = 400
OTHERS_WAIT_AT_MOST = 0.5  # a GET /docs sent meanwhile: this, or OTHERS_ROUND_TRIPS round trips
OTHERS_ROUND_TRIPS = 100
SOCKET_TIMEOUT_S = 60  # a server that waits for a body that never comes hangs until here
TEN_MB = 10 * 1024 * 1024
TEN_MB_LIST = b"[" + b"0," * (TEN_MB // 2) + b"0]"
TIMINGS = os.environ.get("HOSTILE_INPUT_TIMINGS")  # a file to append each case's times to


# -- raw HTTP/1.1 over a socket -----------------------------------------------------------------


def http(method: str, target: str, body: bytes | None = None, **headers: str) -> bytes:
    """One request, byte for byte. Header names are given with `_` for `-`."""
    lines = [f"{method} {target} HTTP/1.1", "Host: 127.0.0.1"]
    if body is not None and "Transfer_Encoding" not in headers:
        headers.setdefault("Content_Length", str(len(body)))
    lines += [f"{name.replace('_', '-')}: {value}" for name, value in headers.items()]
    return "\r\n".join(lines).encode("latin-1") + b"\r\n\r\n" + (body or b"")


def post_json(body: str | bytes, target: str = "/users", method: str = "POST") -> bytes:
    raw = body.encode() if isinstance(body, str) else body
    return http(method, target, raw, Content_Type="application/json")


def chunked(body: bytes, size: int = 64 * 1024) -> bytes:
    parts = [body[i : i + size] for i in range(0, len(body), size)]
    return b"".join(b"%x\r\n%s\r\n" % (len(part), part) for part in parts) + b"0\r\n\r\n"


def one_error(kind: str, loc: list[Any], msg: str, given: Any, **ctx: Any) -> dict[str, Any]:
    """A 422 body with one error, as FastAPI writes it."""
    found = {"type": kind, "loc": loc, "msg": msg, "input": given}
    return {"detail": [found | ({"ctx": ctx} if ctx else {})]}


class Response(NamedTuple):
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        # Strict JSON: NaN or Infinity in an answer is a failure, not a float.
        return json.loads(self.body, parse_constant=self.refuse)

    @staticmethod
    def refuse(token: str) -> None:
        raise ValueError(f"not JSON: {token}")


class RawConnection:
    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=SOCKET_TIMEOUT_S)
        self.unread = b""

    def __enter__(self) -> "RawConnection":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.sock.close()

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def _fill(self) -> None:
        chunk = self.sock.recv(64 * 1024)
        if not chunk:
            raise ConnectionError("the server closed the connection")
        self.unread += chunk

    def _take(self, size: int) -> bytes:
        while len(self.unread) < size:
            self._fill()
        taken, self.unread = self.unread[:size], self.unread[size:]
        return taken

    def _line(self) -> bytes:
        while b"\r\n" not in self.unread:
            self._fill()
        line, self.unread = self.unread.split(b"\r\n", 1)
        return line

    def read_response(self, head_only: bool = False) -> Response:
        status_line = self._line().decode("latin-1")
        headers = {}
        while line := self._line().decode("latin-1"):
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        status = int(status_line.split()[1])
        if head_only:
            return Response(status, headers, b"")
        if headers.get("transfer-encoding") == "chunked":
            body = b""
            while size := int(self._line(), 16):
                body += self._take(size)
                self._take(2)
            self._take(2)
            return Response(status, headers, body)
        return Response(status, headers, self._take(int(headers.get("content-length", "0"))))


# -- the served chapter -------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    port: int
    log: list[str] = field(default_factory=list)


@contextlib.contextmanager
def serve(
    chapter: Path,
    warm_up: list[bytes],
    unset: tuple[str, ...] = (),
    settings: dict[str, str] | None = None,
) -> Iterator[Server]:
    """`uvicorn main:app` in the chapter's folder, as the lesson starts it; warnings are errors.

    `unset` names settings that must not leak in from the machine running the tests; `settings`
    are set for the server. After the server stops, its log must hold no traceback and no error
    line.
    """
    server = Server(free_port())
    command = [sys.executable, "-W", "error", "-m", "uvicorn", "main:app"]
    command += ["--host", "127.0.0.1", "--port", str(server.port), "--no-access-log"]
    env = {k: v for k, v in os.environ.items() if k not in unset} | (settings or {})
    process = subprocess.Popen(
        command,
        cwd=chapter,
        env={**env, "PYTHONDONTWRITEBYTECODE": "1"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    started = threading.Event()

    def read_log() -> None:
        assert process.stderr is not None
        for line in process.stderr:
            server.log.append(line.rstrip())
            if "Uvicorn running on" in line:  # logged once the socket listens
                started.set()
        started.set()  # the process ended: nothing more will come

    reader = threading.Thread(target=read_log, daemon=True)
    reader.start()
    try:
        started.wait(timeout=60)
        assert process.poll() is None, "the server exited:\n" + "\n".join(server.log)
        with RawConnection(server.port) as connection:  # first requests pay for lazy imports
            for request in warm_up:
                connection.send(request)
                connection.read_response()
        yield server
    finally:
        process.terminate()
        process.wait(timeout=10)
        reader.join(timeout=10)
        assert process.stderr is not None
        process.stderr.close()
    problems = [line for line in server.log if "Traceback" in line or "ERROR" in line]
    assert problems == [], "\n".join(server.log)


class OtherRequests:
    """Meanwhile, on a connection of its own, GET /docs again and again, timing each one.

    Entering waits for a few answers, so that a GET /docs is in flight the whole time the
    hostile request is being handled, and their median round trip is the server's usual one.
    """

    WARM_ROUND_TRIPS = 5

    def __init__(self, port: int) -> None:
        self.port = port
        self.round_trips: list[tuple[float, float]] = []
        self.statuses: list[int] = []
        self.answered = threading.Event()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self) -> None:
        try:
            with RawConnection(self.port) as connection:
                while not self.stop.is_set():
                    started = time.perf_counter()
                    connection.send(http("GET", "/docs"))
                    self.statuses.append(connection.read_response().status)
                    self.round_trips.append((started, time.perf_counter()))
                    self.answered.set()
        except OSError as failure:
            self.statuses.append(-1)  # fails the status check, with the reason in the log
            print(f"GET /docs failed: {failure!r}")
            self.answered.set()

    def longest_wait(self, start: float, end: float) -> float:
        """The longest round trip that overlapped the time from `start` to `end`."""
        return max((e - s for s, e in self.round_trips if s < end and e > start), default=0.0)

    def __enter__(self) -> "OtherRequests":
        self.thread.start()
        deadline = time.monotonic() + SOCKET_TIMEOUT_S
        while len(self.round_trips) < self.WARM_ROUND_TRIPS and -1 not in self.statuses:
            assert time.monotonic() < deadline, "GET /docs never answered"
            time.sleep(0.001)
        return self

    def usual(self) -> float:
        """The median round trip of the GET /docs sent before the hostile request."""
        first = sorted(end - start for start, end in self.round_trips[: self.WARM_ROUND_TRIPS])
        return first[len(first) // 2] if first else 0.0

    def __exit__(self, *exc_info: object) -> None:
        self.stop.set()
        self.thread.join(timeout=30)


# -- the corpus ---------------------------------------------------------------------------------


@dataclass
class Case:
    id: str
    request: bytes
    status: int
    body: Any  # the whole JSON answer
    # The next request on the same connection, and its whole answer.
    then: bytes
    then_status: int
    then_body: Any


def check(served: Server, case: Case) -> None:
    """Send the case; its whole answer, quickly, others not held up, the connection usable."""
    with OtherRequests(served.port) as others, RawConnection(served.port) as connection:
        started = time.perf_counter()
        connection.send(case.request)
        answer = connection.read_response()
        finished = time.perf_counter()
        connection.send(case.then)
        then = connection.read_response()
    took, waited = finished - started, others.longest_wait(started, finished)
    usual = others.usual()
    if TIMINGS:  # set by tools/measure_hostile_input.py
        with open(TIMINGS, "a") as timings:
            timings.write(f"{case.id}\t{took * 1000:.0f}\t{waited * 1000:.0f}\n")
    assert (answer.status, answer.json()) == (case.status, case.body)
    assert answer.headers["content-type"] == "application/json"
    assert took < answer_limit(usual), slow("the answer", took, usual)
    assert set(others.statuses) == {200}
    wait_limit = max(OTHERS_WAIT_AT_MOST, OTHERS_ROUND_TRIPS * usual)
    assert waited < wait_limit, slow("a GET /docs sent meanwhile", waited, usual)
    assert (then.status, then.json()) == (case.then_status, case.then_body)


def answer_limit(usual: float) -> float:
    return max(ANSWER_WITHIN, ANSWER_ROUND_TRIPS * usual)


def slow(what: str, took: float, usual: float) -> str:
    """Why a time bound failed, so that a slow machine can be told from a wrong answer."""
    return (
        f"{what} took {took:.3f} s, while this server's usual round trip was {usual * 1000:.1f}"
        " ms in the same run: the server itself held it up (a busy machine stretches both)"
    )


def usual_round_trip(port: int) -> float:
    """The median of five GET /docs round trips on a connection of their own."""
    times = []
    with RawConnection(port) as connection:
        for _ in range(5):
            started = time.perf_counter()
            connection.send(http("GET", "/docs"))
            connection.read_response()
            times.append(time.perf_counter() - started)
    return sorted(times)[2]
