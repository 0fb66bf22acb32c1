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


class GatedRunner:
    """The real model behind a gate: a prompt that reaches it waits until the gate opens."""

    def __init__(self, real: Any) -> None:
        self.real = real
        self.gate = threading.Event()
        self.gate.set()
        self.entered = threading.Event()  # a prefill has started since the gate closed
        self.faults: deque[Exception] = deque()
        self.step_s = float(os.environ.get("TESTKIT_STEP_S", "0"))

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)

    def step(
        self,
        prompts: list[tuple[int, list[int]]],
        tokens: list[int],
        positions: list[int],
        slots: Any = None,
    ) -> Any:
        if prompts:
            self.entered.set()
        if tokens:
            time.sleep(self.step_s)
        self.gate.wait(GATE_TIMEOUT_S)
        if prompts and self.faults:
            raise self.faults.popleft()
        return self.real.step(prompts, tokens, positions, slots)


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
        runner = GatedRunner(main.load_runner(settings))
        runners.append(runner)
        return runner

    return main.create_app(runner_factory=gated)


def close_gate(app: Any, body: Any) -> None:
    runners[-1].entered.clear()
    runners[-1].gate.clear()


def open_gate(app: Any, body: Any) -> None:
    runners[-1].gate.set()


def wait_entered(app: Any, body: Any) -> bool:
    """True once a prompt reached the closed gate (its sequence holds a slot: it runs)."""
    return runners[-1].entered.wait(float(body or 30))


def inject_fault(app: Any, body: Any) -> None:
    """The next prompt's prefill fails, as a model fault would (its request fails)."""
    runners[-1].faults.append(RuntimeError("a model fault the check injected"))
