"""What batch invariance costs: a decode step at each batch size, and which sizes the engine uses;
then what prefilling prompts together saves, and what a step saves by prefilling a new prompt in
its decode pass.

A decode step computes the smallest proven size (engine/buckets.py) that holds every running
sequence, so a lone request pays for the smallest proven size, not for one row. This prints
the time of a step at every candidate size, and which of them the start-up probe kept on this
machine; then the time of a few prefills, the prompts of a step together and one after the
other; then a step of 64 rows that also prefills a new prompt, in one pass and in two. Run from
the chapter folder: `python -m bench.padding` (`make bench-7` runs it too).
"""

import os
import time
from collections.abc import Callable
from pathlib import Path

import torch

from engine.buckets import candidates
from engine.runner import ModelRunner

WEIGHTS = Path(__file__).resolve().parents[1] / "model" / "weights" / "code-gpt.safetensors"
SLOTS = 64  # MAX_BATCH_SIZE's default
# The closed loops' prompts (bench/run.py), and a long one: 100 characters, 4 chunks of 32.
SHORT = ["def fibonacci(n):\n", "import os\n", "class Parser:\n    def ", "for line in lines:\n"]
SHORT += ["if __name__ == ", "    return self.", "with open(path) as f:\n"]
LONG = (
    "# Read a text file and return a list of its lines, without the newline at the end of each.\n"
)
LONG += "def read("


def step_ms(runner: ModelRunner, rows: int, steps: int = 300, warm: int = 20) -> float:
    tokens, positions = [0] * rows, [20] * rows
    for _ in range(warm):
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
    print(f"\nprefill passes: lengths kept {runner.prefill_buckets}")
    short = [runner.tokenizer.encode(prompt) for prompt in SHORT]
    long = runner.tokenizer.encode(LONG)
    together = [list(enumerate(short))]
    apart = [[(slot, ids)] for slot, ids in enumerate(short)]
    cases = [
        (f"1 prompt of {len(short[0])} tokens", [[(0, short[0])]]),
        (f"{len(short)} prompts, {sum(map(len, short))} tokens in all, together", together),
        (f"the same {len(short)}, one after the other", apart),
        (
            f"1 prompt of {len(long)} tokens ({-(-len(long) // 32)} chunks: as many passes)",
            [[(0, long)]],
        ),
    ]
    for label, calls in cases:
        print(f"{prefill_ms(runner, calls):7.2f} ms  {label}")
    mixed_step(runner, short[0])


def mixed_step(runner: ModelRunner, prompt: list[int]) -> None:
    """63 sequences decode and a new prompt joins in the 64th slot (its row in the decode pass
    is free): the step in one pass (proven: `mixed_buckets`) and in two (a pass each)."""
    print(
        f"\nsteps that decode and prefill: decode sizes proven for one pass {runner.mixed_buckets}"
    )
    tokens, positions = [0] * SLOTS, [20] * (SLOTS - 1) + [0]
    prompts = [(SLOTS - 1, prompt)]
    proven = runner.mixed_buckets
    for label, kept in (("in one pass", proven), ("in two passes", [])):
        runner.mixed_buckets = kept
        ms = prefill_ms(runner, [prompts], lambda p: runner.step(p, tokens, positions))
        print(f"{ms:7.2f} ms  {SLOTS - 1} rows decode, 1 prompt of {len(prompt)} tokens, {label}")
    runner.mixed_buckets = proven
    print(f"{step_ms(runner, SLOTS):7.2f} ms  the {SLOTS} rows decode alone")


def prefill_ms(
    runner: ModelRunner,
    calls: list[list[tuple[int, list[int]]]],
    call: Callable[[list[tuple[int, list[int]]]], object] | None = None,
) -> float:
    """The time of `runner.prefill` (or `call`) called once with each list of (slot, prompt),
    in turn."""
    call = call or runner.prefill
    for _ in range(5):
        for prompts in calls:
            call(prompts)
    started = time.perf_counter()
    for _ in range(100):
        for prompts in calls:
            call(prompts)
    return (time.perf_counter() - started) / 100 * 1000


if __name__ == "__main__":
    main()
