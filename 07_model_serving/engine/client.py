"""What the service may ask of an engine, wherever the engine runs.

`Engine` (a thread of the server's process) and `EngineProcess` (a process of its own, as vLLM
runs its EngineCore) both answer this, so the service holds one `EngineClient` and never asks
which one it has.
"""

from concurrent.futures import Future
from typing import Protocol

from engine.engine import EngineStats, StepTimes
from engine.sequence import Completion, Listener, SamplingParams


class SequenceHandle(Protocol):
    """A submitted sequence, as its caller sees it."""

    future: Future[Completion]  # its completion, or SequenceCancelled / EngineStopped / a fault
    slot: int | None  # set once the engine has admitted it: it is running

    def cancel(self) -> None: ...


class EngineClient(Protocol):
    @property
    def max_waiting(self) -> int: ...  # places in the waiting line; one more is QueueFull

    def start(self) -> None: ...

    def is_alive(self) -> bool: ...

    def submit(
        self, prompt_ids: list[int], params: SamplingParams, listener: Listener | None = None
    ) -> SequenceHandle: ...

    def stats(self) -> EngineStats: ...

    def step_times(self) -> StepTimes: ...

    def occupied_slots(self) -> list[tuple[int, int, int]]: ...

    def finish_reasons(self) -> dict[str, int]: ...

    def stop(self, drain_s: float) -> None: ...
