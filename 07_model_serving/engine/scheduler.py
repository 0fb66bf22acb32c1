"""Who runs next: a bounded line of waiting sequences and a fixed number of slots.

Not thread-safe on its own: the engine calls it under its lock.
"""

import contextlib
from collections import deque
from concurrent.futures import InvalidStateError

from engine.sequence import Sequence, SequenceCancelled, Status


class QueueFull(Exception):
    """Every place in the waiting line is taken; the client should retry later."""


class Scheduler:
    def __init__(self, slots: int, max_waiting: int) -> None:
        self.slots: list[Sequence | None] = [None] * slots
        self.waiting: deque[Sequence] = deque()
        self.max_waiting = max_waiting

    def add(self, sequence: Sequence) -> None:
        if len(self.waiting) >= self.max_waiting:
            self.drop_cancelled()  # a caller that gave up holds no place in the line
        if len(self.waiting) >= self.max_waiting:
            raise QueueFull
        self.waiting.append(sequence)

    def drop_cancelled(self) -> None:
        for sequence in [s for s in self.waiting if s.cancelled.is_set()]:
            self.waiting.remove(sequence)
            self.give_up(sequence)

    @staticmethod
    def give_up(sequence: Sequence) -> None:
        """A sequence cancelled before it ran: finished, and its future answered."""
        sequence.status = Status.FINISHED
        with contextlib.suppress(InvalidStateError):  # its caller may have cancelled it first
            sequence.future.set_exception(SequenceCancelled())

    def admit(self, budget: int | None = None) -> list[Sequence]:
        """Move waiting sequences into free slots (the lowest first), oldest first; skip those
        already cancelled. `budget` caps the prompt tokens admitted in one step (at least one
        sequence is): a burst of prompts is prefilled over several steps, so that the running
        sequences keep getting a token each step meanwhile."""
        admitted: list[Sequence] = []
        spent = 0
        for slot, occupant in enumerate(self.slots):
            if occupant is not None:
                continue
            while self.waiting:
                cost = len(self.waiting[0].prompt_ids)
                if admitted and budget is not None and spent + cost > budget:
                    return admitted
                sequence = self.waiting.popleft()
                # A running future can no longer be cancelled by its caller: from here on,
                # only the engine answers it. A caller that gave up while waiting is skipped.
                if sequence.cancelled.is_set():
                    self.give_up(sequence)
                    continue
                if not sequence.future.set_running_or_notify_cancel():
                    sequence.status = Status.FINISHED  # its caller cancelled the future itself
                    continue
                sequence.slot, sequence.status = slot, Status.RUNNING
                self.slots[slot] = sequence
                admitted.append(sequence)
                spent += cost
                break
        return admitted

    def running(self) -> list[Sequence]:
        return [sequence for sequence in self.slots if sequence is not None]

    def release(self, sequence: Sequence) -> None:
        sequence.status = Status.FINISHED
        if sequence.slot is not None:
            self.slots[sequence.slot] = None

    def has_work(self) -> bool:
        return bool(self.waiting) or any(s is not None for s in self.slots)

    def take_waiting(self) -> list[Sequence]:
        taken = list(self.waiting)
        self.waiting.clear()
        return taken
