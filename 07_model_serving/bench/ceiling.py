"""The ceiling: the engine stepping the same work in-process, with no HTTP, no database."""

import threading
import time
from pathlib import Path

from config import Settings
from engine import Engine, ModelRunner, SamplingParams


class Ceiling:
    def __init__(self, weights: Path, slots: int) -> None:
        self.runner = ModelRunner(weights, "cpu", slots)
        self.slots = slots

    def _engine(self) -> Engine:
        # The served engine's settings: its guesses too (SPECULATIVE_TOKENS).
        guesses = Settings().speculative_tokens
        engine = Engine(self.runner, max_waiting=100_000, speculative_tokens=guesses)
        engine.start()
        return engine

    def closed_loop(
        self, concurrency: int, prompts: list[str], tokens: int, seconds: float
    ) -> float:
        """Generated tokens per second with `concurrency` sequences always in flight."""
        engine = self._engine()
        encoded = [self.runner.tokenizer.encode(p) for p in prompts]
        measuring = threading.Event()
        measuring.set()

        def submit(number: int) -> None:
            params = SamplingParams(max_new_tokens=tokens, temperature=0.8, seed=number)
            sequence = engine.submit(encoded[number % len(encoded)], params)
            sequence.future.add_done_callback(lambda _: replace(number))

        def replace(number: int) -> None:
            if measuring.is_set():
                submit(number + concurrency)

        for number in range(concurrency):
            submit(number)
        time.sleep(seconds)  # counted as the served runs count: every token made in the window
        generated = engine.stats().tokens_generated
        measuring.clear()
        engine.stop(drain_s=0)
        return round(generated / seconds, 1)

    def work_through(self, concurrency: int, prompts: list[str], lengths: list[int]) -> float:
        """Useful tokens per second over a fixed list of requests, `concurrency` at a time."""
        engine = self._engine()
        encoded = [self.runner.tokenizer.encode(p) for p in prompts]
        pending = list(enumerate(lengths))
        finished_all = threading.Event()
        outstanding = [0]
        lock = threading.Lock()

        def next_one() -> None:
            with lock:
                if not pending:
                    if outstanding[0] == 0:
                        finished_all.set()
                    return
                number, length = pending.pop(0)
                outstanding[0] += 1
            params = SamplingParams(max_new_tokens=length, temperature=0.8, seed=number)
            sequence = engine.submit(encoded[number % len(encoded)], params)
            sequence.future.add_done_callback(lambda _: done())

        def done() -> None:
            with lock:
                outstanding[0] -= 1
            next_one()

        started = time.perf_counter()
        for _ in range(concurrency):
            next_one()
        finished_all.wait()
        elapsed = time.perf_counter() - started
        engine.stop(drain_s=0)
        return round(sum(lengths) / elapsed, 1)
