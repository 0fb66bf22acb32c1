"""Hooks that run in the app host's process, beside this chapter's app (tools/testkit).

The graded checks talk to the app over HTTP only. To hold a job in `running` or `queued`
on purpose, the app they talk to is built with a gate in front of the model: set
`TESTKIT_RUNNER=gated` in the reset's environment, then call `close_gate` / `open_gate` /
`wait_entered` / `inject_fault` through `AppHost.call` (and `TESTKIT_STEP_S` makes each decode
step last at least that long, to watch a batch from outside). Without it the app is the plain one,
its engine in a thread or (with ENGINE_PROCESS=true) in a process of its own.

`spec()` is read by the tests (the test process): how to ask the host for such an app.
"""

import os
import tempfile
import threading
import time
from collections import deque
from pathlib import Path
from types import ModuleType
from typing import Any

GATE_TIMEOUT_S = 60  # a gate left closed opens by itself: a failed check must not hang


class WrappedRunner:
    """The real runner, with a test's hand on each pass: `enter` sees the pass before it runs,
    `leave` sees its logits after. Every runner that the tests put in front of the model is one
    of these (the test process takes them from this file with `testkit.inprocess.load_file`)."""

    def __init__(self, real: Any) -> None:
        self.real = real

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)

    def step(
        self,
        prompts: list[tuple[int, list[int]]],
        tokens: list[int],
        positions: list[int],
        slots: list[int] | None = None,
    ) -> Any:
        self.enter(prompts, tokens, slots)
        return self.leave(self.real.step(prompts, tokens, positions, slots), tokens, positions)

    def enter(self, prompts: list[Any], tokens: list[int], slots: list[int] | None) -> None:
        """Before a pass: its prompts, its decode rows' tokens and their slots."""

    def leave(self, logits: Any, tokens: list[int], positions: list[int]) -> Any:
        """After a pass: its logits, as the engine will get them."""
        return logits


class GatedRunner(WrappedRunner):
    """The real model behind a gate: a prompt that reaches it waits until the gate opens (or
    `gate_timeout_s` passes); a fault put in `faults` fails the next prefill, as a model fault
    would; each pass that decodes takes at least `step_s`."""

    def __init__(
        self, real: Any, *, step_s: float = 0.0, gate_timeout_s: float = GATE_TIMEOUT_S
    ) -> None:
        super().__init__(real)
        self.gate = threading.Event()
        self.gate.set()
        self.entered = threading.Event()  # a prefill has started since the gate closed
        self.faults: deque[Exception] = deque()
        self.step_s = step_s
        self.gate_timeout_s = gate_timeout_s

    def close_gate(self) -> None:
        self.entered.clear()
        self.gate.clear()

    def open_gate(self) -> None:
        self.gate.set()

    def enter(self, prompts: list[Any], tokens: list[int], slots: list[int] | None) -> None:
        if prompts:
            self.entered.set()
        if tokens:
            time.sleep(self.step_s)
        self.gate.wait(self.gate_timeout_s)
        if prompts and self.faults:
            raise self.faults.popleft()


runners: list[GatedRunner] = []
HOOKS = Path(__file__).resolve()


def spec(*, gated: bool = False, process: bool = False, **settings: str) -> dict[str, Any]:
    """How the host builds the app: on the CPU, a fresh database, the engine where asked."""
    folder = Path(tempfile.mkdtemp(prefix="ch07-"))
    env = {
        "DEVICE": "cpu",
        "DATABASE_URL": f"sqlite:///{folder / 'generations.db'}",
        "CPU_THREADS": "1",
        "ENGINE_PROCESS": "true" if process else "false",
        "LOG_LEVEL": "warning",
        **settings,
    }
    if gated:
        env["TESTKIT_RUNNER"] = "gated"
    return {"env": env, "reload": False, "plugin": HOOKS}


def make_app(main: ModuleType) -> Any:
    if os.environ.get("TESTKIT_RUNNER") != "gated":
        return main.create_app()

    def gated(settings: Any) -> GatedRunner:
        step_s = float(os.environ.get("TESTKIT_STEP_S", "0"))
        runner = GatedRunner(main.load_runner(settings), step_s=step_s)
        runners.append(runner)
        return runner

    return main.create_app(runner_factory=gated)


def close_gate(app: Any, body: Any) -> None:
    runners[-1].close_gate()


def open_gate(app: Any, body: Any) -> None:
    runners[-1].open_gate()


def wait_entered(app: Any, body: Any) -> bool:
    """True once a prompt reached the closed gate (its sequence holds a slot: it runs)."""
    return runners[-1].entered.wait(float(body or 30))


def inject_fault(app: Any, body: Any) -> None:
    """The next prompt's prefill fails, as a model fault would (its request fails)."""
    runners[-1].faults.append(RuntimeError("a model fault the check injected"))
