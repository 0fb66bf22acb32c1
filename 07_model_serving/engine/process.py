"""The engine in a process of its own, as vLLM runs its EngineCore beside its API server.

In one process, the event loop (HTTP, server-sent events) and the engine thread take turns
holding Python's GIL: the engine waits whenever the loop runs, and on two cores the served
engine made 59 % of what it makes alone (bench/results-cpu.json, `batched_thread`). With
`ENGINE_PROCESS=true` the model runs here, in a child process with a GIL of its own; the server
keeps an `EngineProcess`, which the service uses exactly like `Engine` (submit, cancel, stop,
is_alive, and the queries such as stats).

The two talk over a socket pair with pickled messages of plain values (tuples, dicts, strings;
no classes of this chapter, which the other side might import under another name): the server
sends commands (submit, cancel, ask, stop: `ask` calls one of the engine's query methods, such
as `stats`, and sends back its answer); the child sends, once per engine step, one
list with everything its sequences did in that step (admitted, new text, finished, failed).
"""

import builtins
import contextlib
import itertools
import json
import logging
import signal
import socket
import subprocess
import sys
import threading
from concurrent.futures import Future, InvalidStateError
from dataclasses import asdict, dataclass, field, is_dataclass
from multiprocessing.connection import Connection
from pathlib import Path

import torch

from engine.engine import Engine, EngineStats, EngineStopped, StepTimes
from engine.runner import ModelLoadError, ModelRunner
from engine.scheduler import QueueFull
from engine.sequence import Completion, Listener, SamplingParams, SequenceCancelled, TokenLogprob

CHAPTER_DIR = Path(__file__).resolve().parents[1]
START_TIMEOUT_S = 120

logger = logging.getLogger("chapter07.engine")


@dataclass(eq=False)
class RemoteSequence:
    """The server's handle on a sequence that lives in the engine process."""

    number: int
    listener: Listener | None
    owner: "EngineProcess"
    future: Future[Completion] = field(default_factory=Future)
    slot: int | None = None  # set when the engine admits it: it is running

    def cancel(self) -> None:
        self.owner.cancel(self)


class EngineProcess:
    def __init__(
        self,
        runner: ModelRunner,
        device_setting: str,
        max_waiting: int,
        threads: int,
        speculative_tokens: int = 0,
    ) -> None:
        # The server's own runner, on the CPU: the tokenizer, the context, the name. Its weights
        # stay idle; the engine process loads the model on `device_setting`.
        self.runner = runner
        self._device_setting = device_setting
        self.max_waiting = max_waiting
        self._threads = threads
        self._speculative_tokens = speculative_tokens
        self._numbers = itertools.count()
        self._lock = threading.Lock()  # the table, the count and the socket's sending end
        self._sequences: dict[int, RemoteSequence] = {}
        self._waiting = 0
        self._accepting = True
        self._replies: dict[int, Future[object]] = {}
        self._process: subprocess.Popen[bytes] | None = None
        self._connection: Connection | None = None
        self._reader = threading.Thread(target=self._read, name="engine-reader", daemon=True)

    def start(self) -> None:
        ours, theirs = socket.socketpair()
        arguments = {
            "weights": str(self.runner.weights),
            "device": self._device_setting,
            "slots": self.runner.slots,
            "prefix_blocks": self.runner.prefix_cache.capacity,
            "threads": self._threads,
            "speculative_tokens": self._speculative_tokens,
        }
        self._process = subprocess.Popen(
            [sys.executable, "-m", "engine.process", str(theirs.fileno()), json.dumps(arguments)],
            cwd=CHAPTER_DIR,
            pass_fds=[theirs.fileno()],
        )
        theirs.close()
        self._connection = Connection(ours.detach())
        if not self._connection.poll(START_TIMEOUT_S):
            self._process.kill()
            raise ModelLoadError("the engine process did not start in time")
        try:
            hello = self._connection.recv()
        except EOFError:
            raise ModelLoadError("the engine process exited while starting") from None
        if hello[0] != "ready":
            raise ModelLoadError(hello[1])
        _, device, dtype = hello
        self.runner.device, self.runner.dtype = torch.device(device), getattr(torch, dtype)
        self._reader.start()

    def is_alive(self) -> bool:
        return (
            self._reader.is_alive() and self._process is not None and self._process.poll() is None
        )

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    @property
    def exit_code(self) -> int | None:
        """None while the engine process runs; 0 once it stopped as asked."""
        return self._process.poll() if self._process else None

    def submit(
        self, prompt_ids: list[int], params: SamplingParams, listener: Listener | None = None
    ) -> RemoteSequence:
        with self._lock:
            if not self._accepting:
                raise EngineStopped
            if self._waiting >= self.max_waiting:
                raise QueueFull
            sequence = RemoteSequence(next(self._numbers), listener, self)
            self._sequences[sequence.number] = sequence
            self._waiting += 1
            message = ("submit", sequence.number, prompt_ids, asdict(params), listener is not None)
            self._send(message)
        return sequence

    def cancel(self, sequence: RemoteSequence) -> None:
        """As `Sequence.cancel`: its future ends with `SequenceCancelled`, its slot is freed."""
        with self._lock:
            if sequence.number not in self._sequences:
                return  # finished already
            self._send(("cancel", sequence.number))
            if sequence.slot is not None:
                return  # running: the engine ends it at its next step and says so ("failed")
            del self._sequences[sequence.number]
            self._waiting -= 1
        with contextlib.suppress(InvalidStateError):  # its caller may have cancelled the future
            sequence.future.set_exception(SequenceCancelled())

    def stats(self) -> EngineStats:
        return EngineStats(**self._ask("stats"))  # type: ignore[arg-type]

    def step_times(self) -> StepTimes:
        return StepTimes(**self._ask("step_times"))  # type: ignore[arg-type]

    # BEGIN SOLUTION ch07.ex3: occupied_slots(), asked of the engine in its process
    def occupied_slots(self) -> list[tuple[int, int, int]]:
        return [tuple(entry) for entry in self._ask("occupied_slots")]  # type: ignore[attr-defined,misc]

    # END SOLUTION
    # BEGIN SOLUTION ch07.ex4: finish_reasons(), asked of the engine in its process
    def finish_reasons(self) -> dict[str, int]:
        return self._ask("finish_reasons")  # type: ignore[return-value]

    # END SOLUTION

    def stop(self, drain_s: float) -> None:
        """Take no new work; the engine process drains for `drain_s`, answers the rest, exits."""
        with self._lock:
            first = self._accepting
            self._accepting = False
            if first and self.is_alive():
                self._send(("stop", drain_s))
        if self._process is None:
            return
        try:
            self._process.wait(timeout=drain_s + 15)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._reader.join(timeout=10)

    def _ask(self, method: str) -> object:
        """Call one of the engine's query methods (no arguments) in its process; its answer."""
        reply: Future[object] = Future()
        with self._lock:
            if not self.is_alive():
                raise EngineStopped
            number = next(self._numbers)
            self._replies[number] = reply
            self._send(("ask", number, method))
        return reply.result(timeout=10)

    def _send(self, message: tuple) -> None:
        assert self._connection is not None
        with contextlib.suppress(OSError):  # the engine process is gone: the reader fails the rest
            self._connection.send(message)

    def _read(self) -> None:
        assert self._connection is not None
        try:
            while True:
                for event in self._connection.recv():
                    self._dispatch(*event)
        except (EOFError, OSError):
            pass
        if self._accepting:  # not asked to stop: it died (a crash, or kill -9)
            code = None
            with contextlib.suppress(subprocess.TimeoutExpired):
                code = self._process.wait(timeout=5) if self._process else None
            logger.critical(
                "The engine process exited on its own (exit code %s): /health and /ready answer "
                "503 until this server is restarted",
                code,
            )
        with self._lock:
            orphans = list(self._sequences.values())
            self._sequences.clear()
            replies = list(self._replies.values())
        for sequence in orphans:
            with contextlib.suppress(InvalidStateError):
                sequence.future.set_exception(EngineStopped())
            if sequence.listener is not None:
                sequence.listener("", True, ())
        for reply in replies:
            with contextlib.suppress(InvalidStateError):
                reply.set_exception(EngineStopped())

    def _dispatch(self, kind: str, number: int, *rest: object) -> None:
        if kind == "answer":
            with self._lock:
                reply = self._replies.pop(number)
            reply.set_result(rest[0])
            return
        with self._lock:
            sequence = self._sequences.get(number)
            if sequence is None:
                return  # cancelled by its caller: nobody listens
            if kind == "admitted":
                sequence.slot = rest[0]  # type: ignore[assignment]
                self._waiting -= 1
            elif kind in ("finished", "failed"):
                del self._sequences[number]
                if sequence.slot is None:
                    self._waiting -= 1
        if kind == "admitted":
            if not sequence.future.set_running_or_notify_cancel():
                self.cancel(sequence)
                return
            if sequence.listener is not None:
                sequence.listener("", False, ())
        elif kind == "text":
            if sequence.listener is not None:
                sequence.listener(rest[0], rest[1], rest[2])  # type: ignore[arg-type]
        elif kind == "finished":
            with contextlib.suppress(InvalidStateError):
                sequence.future.set_result(Completion(**rest[0]))  # type: ignore[arg-type]
        elif kind == "failed":
            with contextlib.suppress(InvalidStateError):
                sequence.future.set_exception(rebuilt(*rest))  # type: ignore[arg-type]


KNOWN_ERRORS = {error.__name__: error for error in (EngineStopped, SequenceCancelled)}


def rebuilt(name: str, message: str) -> Exception:
    """The engine process's exception, as its kind: ours, a built-in one, or a RuntimeError."""
    kind = KNOWN_ERRORS.get(name) or getattr(builtins, name, None)
    if isinstance(kind, type) and issubclass(kind, Exception):
        return kind(message) if message else kind()
    return RuntimeError(f"{name}: {message}")


class EngineHost:
    """The child's side: the ordinary `Engine`, and what it did in each step sent as one list."""

    def __init__(
        self, connection: Connection, runner: ModelRunner, speculative_tokens: int
    ) -> None:
        self.connection = connection
        self._lock = threading.Lock()  # the outbox, the table and the socket's sending end
        self._outbox: list[tuple] = []
        self._sequences: dict[int, object] = {}
        # The line's limit is kept by the server (EngineProcess.submit): none here.
        self.engine = Engine(
            runner, sys.maxsize, on_step=self.flush, speculative_tokens=speculative_tokens
        )

    def emit(self, event: tuple) -> None:
        with self._lock:
            self._outbox.append(event)

    def flush(self) -> None:
        with self._lock:
            if self._outbox:
                self.connection.send(self._outbox)
                self._outbox = []

    def reply(self, event: tuple) -> None:
        with self._lock:
            self.connection.send([event])

    def submit(self, number: int, ids: list[int], params: dict, listens: bool) -> None:
        admitted = threading.Event()

        def listener(text: str, done: bool, logprobs: tuple[TokenLogprob | None, ...]) -> None:
            if not admitted.is_set():
                if done:  # it ended before it ran (the engine stopped): "failed" says so
                    return
                admitted.set()  # the first call: it has a slot
                with self._lock:
                    sequence = self._sequences.get(number)
                slot = getattr(sequence, "slot", None)
                self.emit(("admitted", number, slot))
                return
            if listens and (text or done):
                self.emit(("text", number, text, done, logprobs))

        def finished(future: Future[Completion]) -> None:
            with self._lock:
                self._sequences.pop(number, None)
            if future.cancelled():
                self.emit(("failed", number, "SequenceCancelled", ""))
            elif (error := future.exception()) is not None:
                self.emit(("failed", number, type(error).__name__, str(error)))
            else:
                self.emit(("finished", number, asdict(future.result())))

        with self._lock:  # the listener waits until the table knows the sequence
            sampling = SamplingParams(**params | {"stop": tuple(params["stop"])})
            sequence = self.engine.submit(ids, sampling, listener)
            self._sequences[number] = sequence
        sequence.future.add_done_callback(finished)

    def answer(self, method: str) -> object:
        """A query method of the engine, called here; its result as plain values."""
        if method.startswith("_") or not callable(getattr(self.engine, method, None)):
            return None
        result = getattr(self.engine, method)()
        return asdict(result) if is_dataclass(result) else result

    def serve(self) -> None:
        while True:
            try:
                command, argument, *rest = self.connection.recv()
            except EOFError:  # the server is gone: stop at once
                self.engine.stop(drain_s=0)
                return
            if command == "submit":
                self.submit(argument, *rest)  # type: ignore[arg-type]
            elif command == "cancel":
                with self._lock:
                    sequence = self._sequences.get(argument)
                if sequence is not None:
                    sequence.cancel()  # type: ignore[attr-defined]
            elif command == "ask":
                self.reply(("answer", argument, self.answer(*rest)))
            elif command == "stop":
                self.engine.stop(drain_s=argument)
                self.flush()
                return


def main() -> None:
    # The server handles Ctrl+C and `docker stop`, and tells this process when to stop.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    connection = Connection(int(sys.argv[1]))
    arguments = json.loads(sys.argv[2])
    torch.set_num_threads(arguments["threads"])
    try:
        runner = ModelRunner(
            Path(arguments["weights"]),
            arguments["device"],
            arguments["slots"],
            arguments["prefix_blocks"],
        )
    except ModelLoadError as error:
        connection.send(("failed", str(error)))
        return
    host = EngineHost(connection, runner, arguments["speculative_tokens"])
    host.engine.start()
    connection.send(("ready", str(runner.device), str(runner.dtype).removeprefix("torch.")))
    host.serve()


if __name__ == "__main__":
    main()
