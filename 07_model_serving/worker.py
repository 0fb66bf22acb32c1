"""One thread owns the model and takes work from a bounded queue.

The original notes' worker busy-polled a list with `time.sleep(0.1)`, checked the queue length
and appended in two steps (a race), stored errors as tuples, ran as a non-daemon thread and never
stopped. Here:

- `submit` puts a task with `put_nowait`: the bound is checked and the task added in one step.
- Each task carries a `concurrent.futures.Future`; the caller awaits it (no polling) with a
  timeout, and gets the result or the exception of *its own* task.
- `stop` refuses new work, answers queued tasks with `WorkerStopped`, lets the running task
  finish, and joins the thread.
"""

import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any


class QueueFull(Exception):
    """Every place in the queue is taken; the client should retry later."""


class WorkerStopped(Exception):
    """The worker is shutting down and takes no more work."""


Work = Callable[[threading.Event], Any]


@dataclass
class Task:
    work: Work
    future: Future[Any] = field(default_factory=Future)
    cancelled: threading.Event = field(default_factory=threading.Event)

    def cancel(self) -> None:
        """Skip the task if it has not started; ask it to stop early if it has."""
        self.cancelled.set()
        self.future.cancel()


class InferenceWorker:
    def __init__(self, max_queue: int) -> None:
        self._queue: queue.Queue[Task | None] = queue.Queue(maxsize=max_queue)
        self._lock = threading.Lock()
        self._accepting = True
        self._thread = threading.Thread(target=self._run, name="inference-worker", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def is_alive(self) -> bool:
        return self._thread.is_alive()

    def submit(self, work: Work) -> Task:
        task = Task(work)
        with self._lock:
            if not self._accepting:
                raise WorkerStopped
            try:
                self._queue.put_nowait(task)
            except queue.Full:
                raise QueueFull from None
        return task

    def _run(self) -> None:
        while (task := self._queue.get()) is not None:
            if not task.future.set_running_or_notify_cancel():
                continue  # its caller gave up before it started
            try:
                result = task.work(task.cancelled)
            except Exception as error:  # delivered to the caller that owns this task
                task.future.set_exception(error)
            else:
                task.future.set_result(result)

    def stop(self, timeout: float) -> None:
        with self._lock:
            self._accepting = False
            while True:
                try:
                    waiting = self._queue.get_nowait()
                except queue.Empty:
                    break
                if waiting is not None and waiting.future.set_running_or_notify_cancel():
                    waiting.future.set_exception(WorkerStopped())
            self._queue.put_nowait(None)
        self._thread.join(timeout)
