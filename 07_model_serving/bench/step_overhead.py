"""Where a step's time goes, and how close the engine comes to the model's own speed.

For 1, 4, 16 and 64 sequences kept in flight (100 tokens each, temperature 0.8), with the
engine in a thread and in a process of its own (as the image runs it), this reads the
engine's own step clock (`Engine.step_times`) and prints, per step: the model's forward passes
(which also prefill the prompts that replace finished sequences), sampling, and the rest
(admitting, scheduling, the listeners, and in a process the news sent to the server). It
compares the tokens the engine made with raw decode: the model alone, stepping the same batch
size in a loop (`raw_step_us`: the model's time beyond it is the prefill's).

This machine's speed drifts by more than the gap being measured, within seconds. So the two
are measured in turns, close together: the engine runs for WINDOW_S, then it is paused (the
thread at its next pass, the process with SIGSTOP) while raw decode runs for RAW_S on a model
of its own, then it goes on; ROUNDS times a level. A round's share compares its window with
the raw decode right after it. A window starts after the engine's first whole step, so no
paused step is counted. Run from the chapter folder: `python -m bench.step_overhead`
(`make bench-7` runs it and writes bench/step-overhead-cpu.json).
"""

import json
import os
import signal
import statistics
import sys
import threading
import time
from pathlib import Path
from typing import Any

import torch

from bench.padding import step_ms
from bench.run import PROMPTS, TOKENS, WEIGHTS
from engine import Engine, ModelRunner, SamplingParams
from engine.buckets import bucket
from engine.process import EngineProcess

SLOTS = 64  # the default MAX_BATCH_SIZE
LEVELS = (1, 4, 16, 64)
WARM_S = 1.0  # every slot busy before the first window
ROUNDS = 24
WINDOW_S = 0.4  # the engine alone
RAW_S = 0.2  # then raw decode alone


class PausableRunner:
    """The engine's runner, with a pause between passes (the engine in a thread)."""

    def __init__(self, real: ModelRunner) -> None:
        self.real = real
        self.running = threading.Event()
        self.running.set()
        self.parked = threading.Event()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)

    def step(self, *pass_rows: Any) -> Any:
        if not self.running.is_set():
            self.parked.set()
            self.running.wait()
        return self.real.step(*pass_rows)

    def pause(self) -> None:
        self.parked.clear()
        self.running.clear()
        if not self.parked.wait(10):
            raise RuntimeError("the engine did not come to its next pass")

    def resume(self) -> None:
        self.running.set()


class StoppableProcess:
    """The engine's process, stopped and continued with signals (the engine in a process)."""

    def __init__(self, engine: EngineProcess) -> None:
        self.pid = engine.pid

    def pause(self) -> None:
        os.kill(self.pid, signal.SIGSTOP)
        os.waitpid(self.pid, os.WUNTRACED)  # returns once it has stopped

    def resume(self) -> None:
        os.kill(self.pid, signal.SIGCONT)


def next_whole_step(engine: Any) -> None:
    steps = engine.step_times().steps
    while engine.step_times().steps < steps + 2:
        time.sleep(0.001)


def measure_level(engine: Any, pauser: Any, raw: ModelRunner, concurrency: int) -> dict:
    encoded = [raw.tokenizer.encode(prompt) for prompt in PROMPTS]
    rows = bucket(raw.buckets, concurrency)
    # Raw decode's steps a round: about RAW_S, 3 warm-up steps first (the engine's pass left
    # other data in the caches).
    raw_steps = max(3, round(RAW_S * 1000 / step_ms(raw, rows, steps=3, warm=3)))
    keeping = threading.Event()
    keeping.set()

    def submit(number: int) -> None:
        params = SamplingParams(max_new_tokens=TOKENS, temperature=0.8, seed=number)
        sequence = engine.submit(encoded[number % len(encoded)], params)
        sequence.future.add_done_callback(lambda _: keeping.is_set() and submit(number + 64))

    for number in range(concurrency):
        submit(number)
    time.sleep(WARM_S)
    rounds, clock = [], {"steps": 0, "step_s": 0.0, "model_s": 0.0, "sample_s": 0.0}
    for _ in range(ROUNDS):
        next_whole_step(engine)
        before, made_before = engine.step_times(), engine.stats().tokens_generated
        opened = time.perf_counter()
        time.sleep(WINDOW_S)
        after, made_after = engine.step_times(), engine.stats().tokens_generated
        window_s = time.perf_counter() - opened
        pauser.pause()
        raw_s = step_ms(raw, rows, raw_steps, warm=3) / 1000
        pauser.resume()
        for part in clock:
            clock[part] += getattr(after, part) - getattr(before, part)
        made = (made_after - made_before) / window_s
        rounds.append({"made": made, "raw": concurrency / raw_s, "raw_step_s": raw_s})
    keeping.clear()
    while engine.stats().running or engine.stats().waiting:
        time.sleep(0.05)
    shares = sorted(r["made"] / r["raw"] for r in rounds)
    steps = clock["steps"]
    step, model, sample = (clock[part] / steps for part in ("step_s", "model_s", "sample_s"))
    quartiles = statistics.quantiles(shares, n=4)
    return {
        "steps": steps,
        "step_us": round(step * 1e6, 1),
        "model_us": round(model * 1e6, 1),
        "sample_us": round(sample * 1e6, 1),
        "other_us": round((step - model - sample) * 1e6, 1),
        "overhead_share": round(1 - model / step, 3),
        "tokens_per_s": round(statistics.median(r["made"] for r in rounds), 1),
        "raw_rows": rows,
        "raw_tokens_per_s": round(statistics.median(r["raw"] for r in rounds), 1),
        "raw_step_us": round(statistics.median(r["raw_step_s"] for r in rounds) * 1e6, 1),
        "share_of_raw_decode": round(statistics.median(shares), 3),
        "share_quartiles": [round(quartiles[0], 3), round(quartiles[2], 3)],
        "shares_of_raw_decode": [round(share, 3) for share in shares],
    }


def measure(engine: Any, pauser: Any, raw: ModelRunner) -> dict[str, dict]:
    found = {}
    for concurrency in LEVELS:
        print(f"  {concurrency} in flight", file=sys.stderr)
        found[str(concurrency)] = measure_level(engine, pauser, raw, concurrency)
    return found


def main() -> None:
    threads = int(os.environ.get("CPU_THREADS", "1"))  # as the server does
    torch.set_num_threads(threads)
    raw = ModelRunner(WEIGHTS, "cpu", SLOTS)  # raw decode's own model and cache
    report: dict[str, object] = {"cpu_threads": threads, "buckets": raw.buckets}
    report["prefill_lengths"] = raw.prefill_buckets
    report["mixed_buckets"] = raw.mixed_buckets
    report["rounds"], report["window_s"], report["raw_s"] = ROUNDS, WINDOW_S, RAW_S
    print("engine in a thread", file=sys.stderr)
    runner = PausableRunner(ModelRunner(WEIGHTS, "cpu", SLOTS))
    engine = Engine(runner, max_waiting=10_000)  # type: ignore[arg-type]
    engine.start()
    report["thread"] = measure(engine, runner, raw)
    engine.stop(drain_s=0)
    print("engine in a process", file=sys.stderr)
    remote = EngineProcess(ModelRunner(WEIGHTS, "cpu", SLOTS), "cpu", 10_000, threads)
    remote.start()
    report["process"] = measure(remote, StoppableProcess(remote), raw)
    remote.stop(drain_s=0)
    out = Path(__file__).resolve().parent / "step-overhead-cpu.json"
    out.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
