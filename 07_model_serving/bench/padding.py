"""What batch invariance costs: a decode step at each batch size, and which sizes the engine uses.

A decode step computes the smallest proven size (engine/buckets.py) that holds every running
sequence, so a lone request pays for the smallest proven size, not for one row. This prints
the time of a step at every candidate size, and which of them the start-up probe kept on this
machine. Run from the chapter folder: `python -m bench.padding` (`make bench-7` runs it too).
"""

import os
import time
from pathlib import Path

import torch

from engine.buckets import candidates
from engine.runner import ModelRunner

WEIGHTS = Path(__file__).resolve().parents[1] / "model" / "weights" / "code-gpt.safetensors"
SLOTS = 64  # MAX_BATCH_SIZE's default


def step_ms(runner: ModelRunner, rows: int, steps: int = 300) -> float:
    tokens, positions = [0] * rows, [20] * rows
    for _ in range(20):
        runner.decode(tokens, positions)
    started = time.perf_counter()
    for _ in range(steps):
        runner.decode(tokens, positions)
    return (time.perf_counter() - started) / steps * 1000


def main() -> None:
    torch.set_num_threads(int(os.environ.get("CPU_THREADS", "1")))  # as the server does
    runner = ModelRunner(WEIGHTS, "cpu", SLOTS)
    kept = runner.buckets
    print(
        f"decode step on the CPU, {torch.get_num_threads()} PyTorch thread(s), "
        f"torch {torch.__version__}, {SLOTS} slots"
    )
    print("rows  ms/step  tokens/s when every row is used  used by the engine")
    for rows in candidates(SLOTS):
        ms = step_ms(runner, rows)
        used = "yes" if rows in kept else "no: its logits differ from the full batch's"
        print(f"{rows:4d}  {ms:7.2f}  {rows / ms * 1000:8.0f}                         {used}")


if __name__ == "__main__":
    main()
