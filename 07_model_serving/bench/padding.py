"""What batch invariance costs: a decode step for one sequence, alone vs padded to the slots.

The engine pads every decode step to MAX_BATCH_SIZE so that a sequence's logits never depend
on its neighbours. A lone request then pays for the empty slots too. Run from the chapter
folder: `python -m bench.padding` (`make bench-7` runs it too).
"""

import time
from pathlib import Path

import torch

from model import KVCache, load_checkpoint

WEIGHTS = Path(__file__).resolve().parents[1] / "model" / "weights" / "code-gpt.safetensors"


def step_ms(model: torch.nn.Module, slots: int, steps: int = 300) -> float:
    cache = KVCache(model.config, slots, torch.device("cpu"))
    tokens = torch.zeros(slots, dtype=torch.long)
    positions = torch.full((slots,), 20)
    for _ in range(20):
        model.decode(tokens, positions, cache)
    started = time.perf_counter()
    for _ in range(steps):
        model.decode(tokens, positions, cache)
    return (time.perf_counter() - started) / steps * 1000


def main() -> None:
    model, _, _ = load_checkpoint(WEIGHTS, torch.device("cpu"))
    print(f"decode step on the CPU, {torch.get_num_threads()} threads, torch {torch.__version__}")
    print("slots  ms/step  tokens/s when every slot is used")
    for slots in (1, 8, 32, 64):
        ms = step_ms(model, slots)
        print(f"{slots:5d}  {ms:7.2f}  {slots / ms * 1000:8.0f}")


if __name__ == "__main__":
    main()
