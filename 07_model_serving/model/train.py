"""Train the code-completion GPT on the Python standard library's own source files.

Nothing is downloaded: the data is the `.py` files of the interpreter running this script.
Run from the repository root with `make train-7`, or from `07_model_serving/` with
`python -m model.train`. A 2-core CPU finishes the default run in about ten minutes; a GPU is
used when there is one.
"""

import argparse
import math
import platform
import random
import sys
import sysconfig
import time
from datetime import UTC, datetime
from pathlib import Path

import torch
from tqdm import tqdm

from model.checkpoint import ModelCard, save_checkpoint
from model.gpt import GPT, GPTConfig
from model.tokenizer import CharTokenizer

DEFAULT_OUTPUT = Path(__file__).resolve().parent / "weights" / "code-gpt.safetensors"
SKIPPED_DIRS = {"test", "tests", "idlelib", "lib2to3", "site-packages", "dist-packages"}


def standard_library_files() -> list[Path]:
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    return sorted(
        path
        for path in stdlib.rglob("*.py")
        if not SKIPPED_DIRS.intersection(path.relative_to(stdlib).parts)
    )


def read_source(path: Path, tokenizer: CharTokenizer) -> str:
    """The file's text without the lines that hold characters outside the vocabulary."""
    try:
        text = path.read_text(encoding="utf-8")
    except (UnicodeDecodeError, OSError):
        return ""
    lines = text.replace("\t", "    ").splitlines(keepends=True)
    return "".join(line for line in lines if not tokenizer.unknown_characters(line))


def load_splits(
    tokenizer: CharTokenizer, seed: int, validation_share: float
) -> tuple[torch.Tensor, torch.Tensor, dict[str, object]]:
    """Split by file, not by position, so validation code is code the model never saw."""
    files = standard_library_files()
    random.Random(seed).shuffle(files)
    validation_count = max(1, int(len(files) * validation_share))
    splits = []
    for chunk in (files[validation_count:], files[:validation_count]):
        text = "\n".join(read_source(path, tokenizer) for path in chunk)
        splits.append(torch.tensor(tokenizer.encode(text), dtype=torch.uint8))
    data = {
        "source": f"Python {platform.python_version()} standard library (*.py, no tests)",
        "files": len(files),
        "train_characters": len(splits[0]),
        "validation_characters": len(splits[1]),
        "split": f"{1 - validation_share:.0%} / {validation_share:.0%} of the files",
    }
    return splits[0], splits[1], data


def batch_of(
    data: torch.Tensor, block_size: int, batch_size: int, generator: torch.Generator
) -> tuple[torch.Tensor, torch.Tensor]:
    starts = torch.randint(len(data) - block_size - 1, (batch_size,), generator=generator)
    x = torch.stack([data[s : s + block_size] for s in starts]).long()
    y = torch.stack([data[s + 1 : s + 1 + block_size] for s in starts]).long()
    return x, y


@torch.no_grad()
def estimate_loss(
    model: GPT, data: torch.Tensor, batches: int, batch_size: int, device: torch.device
) -> float:
    model.eval()
    generator = torch.Generator().manual_seed(1234)  # the same batches at every evaluation
    losses = []
    for _ in range(batches):
        x, y = batch_of(data, model.config.block_size, batch_size, generator)
        _, loss = model(x.to(device), y.to(device))
        losses.append(loss.item())
    model.train()
    return sum(losses) / len(losses)


def learning_rate(step: int, steps: int, peak: float, warmup: int) -> float:
    if step < warmup:
        return peak * (step + 1) / warmup
    progress = (step - warmup) / max(1, steps - warmup)
    return peak * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * progress)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--lr", type=float, default=2e-3)
    parser.add_argument("--seed", type=int, default=1337)
    parser.add_argument("--device", default="auto", help="auto, cpu or cuda")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args()

    torch.manual_seed(args.seed)
    if args.device == "auto":
        device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    else:
        device = torch.device(args.device)
    tokenizer = CharTokenizer()
    train_data, validation_data, data_facts = load_splits(tokenizer, args.seed, 0.1)
    config = GPTConfig(vocab_size=len(tokenizer))
    model = GPT(config).to(device)
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.1)
    generator = torch.Generator().manual_seed(args.seed)
    print(
        f"{model.num_parameters():,} parameters on {device}; "
        f"{data_facts['train_characters']:,} training characters from {data_facts['files']} files",
        file=sys.stderr,
    )

    started = time.monotonic()
    progress = tqdm(range(args.steps), desc="training", unit="step", file=sys.stderr)
    for step in progress:
        for group in optimizer.param_groups:
            group["lr"] = learning_rate(step, args.steps, args.lr, warmup=100)
        x, y = batch_of(train_data, config.block_size, args.batch_size, generator)
        _, loss = model(x.to(device), y.to(device))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        progress.set_postfix(loss=f"{loss.item():.3f}")
    minutes = (time.monotonic() - started) / 60

    train_loss = estimate_loss(model, train_data, 50, args.batch_size, device)
    validation_loss = estimate_loss(model, validation_data, 50, args.batch_size, device)
    card = ModelCard(
        name="code-gpt-char",
        architecture=(
            "decoder-only transformer (GPT), character-level, pre-LayerNorm, tied embeddings"
        ),
        config=config.to_dict(),
        vocab=tokenizer.vocab,
        parameters=model.num_parameters(),
        data=data_facts,
        training={
            "steps": args.steps,
            "batch_size": args.batch_size,
            "peak_learning_rate": args.lr,
            "seed": args.seed,
            "device": str(device),
            "minutes": round(minutes, 1),
            "train_loss": round(train_loss, 4),
            "torch": torch.__version__,
        },
        validation_loss=round(validation_loss, 4),
        created_at=datetime.now(UTC).date().isoformat(),
    )
    save_checkpoint(model.cpu(), card, args.out)
    print(
        f"train loss {train_loss:.4f}  validation loss {validation_loss:.4f}  ({minutes:.1f} min)"
    )
    print(f"saved {args.out} and {args.out.with_suffix('.json').name}")


if __name__ == "__main__":
    main()
