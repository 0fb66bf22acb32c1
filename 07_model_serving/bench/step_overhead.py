"""Where a step's time goes, and how close the engine comes to the model's own speed.

For 1, 4, 16 and 64 sequences kept in flight (100 tokens each, temperature 0.8), with the
engine in a thread and in a process of its own (as the image runs it), this reads the
engine's own step clock (`Engine.step_times`) and prints, per step: the model's forward passes
(which also prefill the prompts that replace finished sequences), sampling, and the rest
(admitting, scheduling, the listeners, and in a process the news sent to the server). It
compares the tokens the engine made with raw decode, the model alone stepping the same batch
size in a loop just before (`raw_step_us`: the model's time beyond it is the prefill's). Run
from the chapter folder: `python -m bench.step_overhead` (`make bench-7` runs it and writes
bench/step-overhead-cpu.json).
"""

import json
import os
import sys
import threading
import time
from pathlib import Path

import torch

from bench.padding import step_ms
from bench.run import PROMPTS, TOKENS, WEIGHTS
from engine import Engine, ModelRunner, SamplingParams
from engine.buckets import bucket
from engine.process import EngineProcess

SLOTS = 64  # the default MAX_BATCH_SIZE
LEVELS = (1, 4, 16, 64)
SECONDS = 2.0  # a measuring window
ROUNDS = 3  # raw decode, then a window, this many times per level


def raw_decode_tokens_per_s(runner: ModelRunner, rows: int) -> float:
    """The model alone: `rows` rows decoded step after step, nothing else."""
    return rows / (step_ms(runner, rows) / 1000)


def keep_in_flight(engine: object, runner: ModelRunner, concurrency: int) -> dict[str, float]:
    """`concurrency` sequences always in flight for SECONDS; the step clock over that window."""
    encoded = [runner.tokenizer.encode(prompt) for prompt in PROMPTS]
    measuring = threading.Event()
    measuring.set()

    def submit(number: int) -> None:
        params = SamplingParams(max_new_tokens=TOKENS, temperature=0.8, seed=number)
        sequence = engine.submit(encoded[number % len(encoded)], params)
        sequence.future.add_done_callback(lambda _: measuring.is_set() and submit(number + 64))

    for number in range(concurrency):
        submit(number)
    time.sleep(1.0)  # every slot busy before the window opens
    before, made_before = engine.step_times(), engine.stats().tokens_generated
    time.sleep(SECONDS)
    after, made_after = engine.step_times(), engine.stats().tokens_generated
    measuring.clear()
    steps = after.steps - before.steps
    step = (after.step_s - before.step_s) / steps
    model = (after.model_s - before.model_s) / steps
    sample = (after.sample_s - before.sample_s) / steps
    return {
        "steps": steps,
        "step_us": round(step * 1e6, 1),
        "model_us": round(model * 1e6, 1),
        "sample_us": round(sample * 1e6, 1),
        "other_us": round((step - model - sample) * 1e6, 1),
        "overhead_share": round(1 - model / step, 3),
        "tokens_per_s": round((made_after - made_before) / SECONDS, 1),
    }


def measure(engine: object, runner: ModelRunner) -> dict[str, dict[str, object]]:
    """Each level in ROUNDS rounds: raw decode, then the engine's window right after it (this
    machine's speed drifts, so each share compares two measurements seconds apart). A level
    reports its median round, and every round's share."""
    found = {}
    for concurrency in LEVELS:
        print(f"  {concurrency} in flight", file=sys.stderr)
        rows = bucket(runner.buckets, concurrency)
        rounds = []
        for _ in range(ROUNDS):
            raw = raw_decode_tokens_per_s(runner, rows) * concurrency / rows
            level: dict[str, object] = dict(keep_in_flight(engine, runner, concurrency))
            level["raw_rows"], level["raw_tokens_per_s"] = rows, round(raw, 1)
            level["raw_step_us"] = round(concurrency / raw * 1e6, 1)
            level["share_of_raw_decode"] = round(level["tokens_per_s"] / raw, 3)
            rounds.append(level)
            while engine.stats().running or engine.stats().waiting:
                time.sleep(0.05)
        rounds.sort(key=lambda level: level["share_of_raw_decode"])
        median = rounds[len(rounds) // 2]
        median["shares_of_raw_decode"] = [level["share_of_raw_decode"] for level in rounds]
        found[str(concurrency)] = median
    return found


def main() -> None:
    threads = int(os.environ.get("CPU_THREADS", "1"))  # as the server does
    torch.set_num_threads(threads)
    runner = ModelRunner(WEIGHTS, "cpu", SLOTS)
    report: dict[str, object] = {"cpu_threads": threads, "buckets": runner.buckets}
    report["prefill_lengths"] = runner.prefill_buckets
    report["mixed_buckets"] = runner.mixed_buckets
    print("engine in a thread", file=sys.stderr)
    engine = Engine(runner, max_waiting=10_000)
    engine.start()
    report["thread"] = measure(engine, runner)
    engine.stop(drain_s=0)
    print("engine in a process", file=sys.stderr)
    remote = EngineProcess(ModelRunner(WEIGHTS, "cpu", SLOTS), "cpu", 10_000, threads)
    remote.start()
    report["process"] = measure(remote, runner)
    remote.stop(drain_s=0)
    out = Path(__file__).resolve().parent / "step-overhead-cpu.json"
    out.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
