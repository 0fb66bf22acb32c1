"""The worker on its own: each caller gets its own answer, and stopping is clean."""

import importlib.util
import threading
from pathlib import Path
from types import ModuleType

import pytest

WORKER_FILE = Path(__file__).resolve().parents[1] / "worker.py"


@pytest.fixture
def worker_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("chapter07_worker", WORKER_FILE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_each_caller_gets_its_own_result_or_error(worker_module: ModuleType) -> None:
    worker = worker_module.InferenceWorker(max_queue=8)
    worker.start()

    def fail(cancelled: threading.Event) -> None:
        raise ValueError("bad input 2")

    tasks = [
        worker.submit(lambda cancelled: "one"),
        worker.submit(fail),
        worker.submit(lambda cancelled: "three"),
    ]
    assert tasks[0].future.result(timeout=5) == "one"
    with pytest.raises(ValueError, match="bad input 2"):
        tasks[1].future.result(timeout=5)
    assert tasks[2].future.result(timeout=5) == "three"
    worker.stop(timeout=5)
    assert not worker.is_alive()


def test_the_bound_is_enforced(worker_module: ModuleType) -> None:
    worker = worker_module.InferenceWorker(max_queue=2)  # not started: nothing is taken out
    worker.submit(lambda cancelled: None)
    worker.submit(lambda cancelled: None)
    with pytest.raises(worker_module.QueueFull):
        worker.submit(lambda cancelled: None)


def test_a_cancelled_task_is_skipped(worker_module: ModuleType) -> None:
    worker = worker_module.InferenceWorker(max_queue=4)
    ran = []
    skipped = worker.submit(lambda cancelled: ran.append("skipped"))
    skipped.cancel()
    kept = worker.submit(lambda cancelled: ran.append("kept"))
    worker.start()
    kept.future.result(timeout=5)
    assert ran == ["kept"]
    worker.stop(timeout=5)


def test_stop_answers_waiting_tasks_and_refuses_new_ones(worker_module: ModuleType) -> None:
    worker = worker_module.InferenceWorker(max_queue=4)
    release = threading.Event()
    started = threading.Event()

    def slow(cancelled: threading.Event) -> str:
        started.set()
        release.wait(5)
        return "finished"

    running = worker.submit(slow)
    worker.start()
    assert started.wait(5)
    waiting = worker.submit(lambda cancelled: "never")
    threading.Timer(0.2, release.set).start()
    worker.stop(timeout=5)
    assert running.future.result(timeout=0) == "finished"
    with pytest.raises(worker_module.WorkerStopped):
        waiting.future.result(timeout=0)
    with pytest.raises(worker_module.WorkerStopped):
        worker.submit(lambda cancelled: None)
    assert not worker.is_alive()
