"""`make bench-7`: the served engine, batched and sequential, against its ceiling and a peer.

Starts the chapter's server itself (once with MAX_BATCH_SIZE=1, once with the default, both with
the engine in its own process, as the image runs it; once more batched with the engine in a
thread, to show what sharing the GIL costs) and drives it over HTTP; measures the engine with no
HTTP (the ceiling) and Hugging Face `transformers` generating the same work with static batching
(the peer). Writes `bench/results-<device>.json` and `.png`. Run from the repository root with
`make bench-7`.
"""

import argparse
import asyncio
import json
import os
import platform
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import httpx
import torch
from tqdm import tqdm

from bench import load
from bench.ceiling import Ceiling
from bench.peer import generate_static, to_gpt2
from bench.plot import plot
from bench.servers import UVICORN, serving
from model import load_checkpoint

CHAPTER = Path(__file__).resolve().parents[1]
WEIGHTS = CHAPTER / "model" / "weights" / "code-gpt.safetensors"
PROMPTS = [
    "def fibonacci(n):\n",
    "import os\n",
    "class Parser:\n    def ",
    "for line in lines:\n",
    "if __name__ == ",
    "    return self.",
    "with open(path) as f:\n",
    "try:\n    ",
]
TOKENS = 100  # per request in the closed loops: 100-character completions
SLOTS = 64  # the default MAX_BATCH_SIZE


@contextmanager
def server(batch_size: int, queue_size: int, engine_process: bool = True) -> Iterator[str]:
    settings = {
        "MAX_BATCH_SIZE": str(batch_size),
        "QUEUE_SIZE": str(queue_size),
        "DEVICE": os.environ.get("DEVICE", "auto"),
        "LOG_LEVEL": "warning",
        "ENGINE_PROCESS": str(engine_process).lower(),
    }
    with serving([*UVICORN, "--no-access-log"], settings, ready_within_s=120) as (base_url, _):
        yield base_url


def mean_batch(base_url: str) -> float:
    return httpx.get(f"{base_url}/stats").json()["mean_batch_size"]


def measure_server(
    name: str,
    batch: int,
    levels: list[int],
    seconds: float,
    lengths: list[int] | None,
    progress: tqdm,
    engine_process: bool = True,
) -> dict[str, object]:
    """The closed loop at each level; then, given `lengths`, Poisson arrivals and the list."""
    results: dict[str, object] = {"closed_loop": {}}
    with server(batch, queue_size=1024, engine_process=engine_process) as base_url:
        asyncio.run(load.closed_loop(base_url, 4, PROMPTS, 16, 2.0))  # warm-up
        for concurrency in levels:
            progress.set_description(f"{name}: closed loop at {concurrency}")
            tally = asyncio.run(load.closed_loop(base_url, concurrency, PROMPTS, TOKENS, seconds))
            results["closed_loop"][str(concurrency)] = tally.summary() | {
                "mean_batch_size": mean_batch(base_url)
            }
            progress.update()
        if lengths is None:
            return results
        progress.set_description(f"{name}: Poisson arrivals")
        tally = asyncio.run(load.open_loop(base_url, OPEN_LOOP_RATE, PROMPTS, lengths, seed=7))
        results["open_loop"] = tally.summary() | {"mean_batch_size": mean_batch(base_url)}
        progress.update()
        # All at once, as the peer gets them: the server's waiting line refills each free slot
        # at the next step. Handed over 32 at a time, each refill would wait for a round trip.
        progress.set_description(f"{name}: exponential lengths, all at once")
        tally = asyncio.run(load.work_through(base_url, len(lengths), PROMPTS, lengths))
        results["exponential_lengths"] = tally.summary()
        progress.update()
    return results


def measure_flood(seconds: float, progress: tqdm) -> dict[str, object]:
    """Twice as many clients as slots, and 8 places in line: the rest keep getting 503."""
    results = {}
    for honour in (True, False):
        with server(SLOTS, queue_size=8) as base_url:
            asyncio.run(load.closed_loop(base_url, 4, PROMPTS, 16, 1.0))
            label = "honour_retry_after" if honour else "retry_at_once"
            progress.set_description(f"flood: {label}")
            tally = asyncio.run(
                load.closed_loop(base_url, 2 * SLOTS, PROMPTS[:1], TOKENS, seconds, honour)
            )
            results[label] = tally.summary()
            progress.update()
    results["ratio"] = round(
        results["retry_at_once"]["tokens_per_s"] / results["honour_retry_after"]["tokens_per_s"], 3
    )
    return results


def measure_ceiling(
    levels: list[int], seconds: float, lengths: list[int], progress: tqdm
) -> dict[str, object]:
    ceiling = Ceiling(WEIGHTS, SLOTS)
    results: dict[str, object] = {"closed_loop": {}}
    for concurrency in levels:
        progress.set_description(f"ceiling: {concurrency} in flight")
        results["closed_loop"][str(concurrency)] = {
            "tokens_per_s": ceiling.closed_loop(concurrency, PROMPTS, TOKENS, seconds)
        }
        progress.update()
    all_at_once = ceiling.work_through(len(lengths), PROMPTS, lengths)
    results["exponential_lengths"] = {"tokens_per_s": all_at_once}
    progress.update()
    return results


def measure_peer(levels: list[int], lengths: list[int], progress: tqdm) -> dict[str, object]:
    model, tokenizer, _ = load_checkpoint(WEIGHTS, torch.device("cpu"))
    peer = to_gpt2(model)
    encoded = [tokenizer.encode(p) for p in PROMPTS]
    results: dict[str, object] = {"closed_loop": {}}
    for concurrency in levels:
        progress.set_description(f"peer: static batches of {concurrency}")
        batch = [encoded[i % len(encoded)] for i in range(concurrency)]
        generate_static(peer, batch, 4, greedy=False)  # warm-up
        started = time.perf_counter()
        generate_static(peer, batch, TOKENS, greedy=False)
        elapsed = time.perf_counter() - started
        results["closed_loop"][str(concurrency)] = {
            "tokens_per_s": round(concurrency * TOKENS / elapsed, 1),
            "latency_p99_ms": round(elapsed * 1000, 1),  # every row waits for the whole batch
        }
        progress.update()
    progress.set_description("peer: exponential lengths")
    started = time.perf_counter()
    for first in range(0, len(lengths), SLOTS):
        part = lengths[first : first + SLOTS]
        prompts = [encoded[(first + i) % len(encoded)] for i in range(len(part))]
        generate_static(peer, prompts, max(part), greedy=False)
    elapsed = time.perf_counter() - started
    results["exponential_lengths"] = {"tokens_per_s": round(sum(lengths) / elapsed, 1)}
    progress.update()
    return results


def device_name() -> str:
    if torch.cuda.is_available() and os.environ.get("DEVICE", "auto") != "cpu":
        return torch.cuda.get_device_name(0)
    return f"cpu ({os.cpu_count()} cores)"


OPEN_LOOP_RATE = 15.0  # requests per second


def keep_ray_rows(report: dict, path: Path) -> None:
    """`make bench-7-ray` adds its rows to this file; a new run of this script keeps them (with
    their load average) until that target runs again."""
    if not path.exists():
        return
    earlier = json.loads(path.read_text())
    for name in ("ray_1_replica", "ray_2_replicas"):
        if name in earlier["results"]:
            report["results"][name] = earlier["results"][name]
    if "ray_load_average" in earlier["machine"]:
        report["machine"]["ray_load_average"] = earlier["machine"]["ray_load_average"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=8.0, help="per closed-loop level")
    parser.add_argument("--levels", default="1,4,16,64")
    parser.add_argument("--requests", type=int, default=192, help="open loop and exponential")
    parser.add_argument("--out", type=Path, default=CHAPTER / "bench")
    args = parser.parse_args()
    levels = [int(level) for level in args.levels.split(",")]
    lengths = load.exponential_lengths(args.requests, mean=40, cap=100, seed=3)
    torch.set_num_threads(int(os.environ.get("CPU_THREADS", "1")))  # as the server does

    load_before = os.getloadavg()
    steps = 3 * len(levels) + 2 * 2 + 2 + (len(levels) + 1) * 2
    with tqdm(total=steps, unit="run", file=sys.stderr) as progress:
        results = {
            "batched": measure_server("batched", SLOTS, levels, args.seconds, lengths, progress),
            "sequential": measure_server("sequential", 1, levels, args.seconds, lengths, progress),
            "batched_thread": measure_server(
                "batched, engine thread", SLOTS, levels, args.seconds, None, progress, False
            ),
            "flood": measure_flood(args.seconds, progress),
            "ceiling": measure_ceiling(levels, args.seconds, lengths, progress),
            "peer": measure_peer(levels, lengths, progress),
        }
    top = str(levels[-1])
    report = {
        "machine": {
            "device": device_name(),
            "python": platform.python_version(),
            "torch": torch.__version__,
            "platform": platform.platform(),
            "date": datetime.now(UTC).isoformat(timespec="minutes"),
            "load_average_before": [round(x, 2) for x in load_before],
            "load_average_after": [round(x, 2) for x in os.getloadavg()],
            "cpu_threads": torch.get_num_threads(),
        },
        "workload": {
            "prompts": PROMPTS,
            "closed_loop_tokens": TOKENS,
            "closed_loop_seconds": args.seconds,
            "open_loop_rate_per_s": OPEN_LOOP_RATE,
            "exponential_lengths": {"requests": len(lengths), "mean": 40, "cap": 100},
            "slots": SLOTS,
        },
        "results": results,
        "ratios": {
            f"batched_over_sequential_at_{top}": round(
                results["batched"]["closed_loop"][top]["tokens_per_s"]
                / results["sequential"]["closed_loop"][top]["tokens_per_s"],
                2,
            ),
            f"batched_over_ceiling_at_{top}": round(
                results["batched"]["closed_loop"][top]["tokens_per_s"]
                / results["ceiling"]["closed_loop"][top]["tokens_per_s"],
                2,
            ),
            "batched_over_peer_exponential": round(
                results["batched"]["exponential_lengths"]["tokens_per_s"]
                / results["peer"]["exponential_lengths"]["tokens_per_s"],
                2,
            ),
            "retry_at_once_over_honouring": results["flood"]["ratio"],
            f"process_over_thread_at_{top}": round(
                results["batched"]["closed_loop"][top]["tokens_per_s"]
                / results["batched_thread"]["closed_loop"][top]["tokens_per_s"],
                2,
            ),
        },
    }
    stem = "results-" + ("cpu" if report["machine"]["device"].startswith("cpu") else "gpu")
    args.out.mkdir(parents=True, exist_ok=True)
    keep_ray_rows(report, args.out / f"{stem}.json")
    (args.out / f"{stem}.json").write_text(json.dumps(report, indent=2) + "\n")
    plot(report, args.out / f"{stem}.png")
    print(json.dumps(report["ratios"], indent=2))
    print(f"wrote {args.out / stem}.json and .png")


if __name__ == "__main__":
    main()
