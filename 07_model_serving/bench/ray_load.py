"""`make bench-7-ray`, part 2: the closed loop of `make bench-7`, through Ray Serve.

Starts `ray_serve.py` with 1 and then 2 replicas (each replica: one engine, 64 slots, one
PyTorch thread) and drives it with the same streamed `/v1/completions` closed loop as the plain
server. Adds `ray_1_replica` and `ray_2_replicas` to `bench/results-<device>.json` and draws
them on its plot, beside the plain server, the ceiling and the peer. Run `make bench-7` first.
"""

import asyncio
import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import torch
from tqdm import tqdm

from bench import load
from bench.plot import plot
from bench.run import PROMPTS, TOKENS, device_name
from bench.servers import RAY_SERVE, serving

CHAPTER = Path(__file__).resolve().parents[1]
REPLICAS = (1, 2)


@contextmanager
def ray_server(replicas: int) -> Iterator[str]:
    settings = {"CPU_THREADS": "1", "QUEUE_SIZE": "1024", "LOG_LEVEL": "warning"}
    with serving([*RAY_SERVE, str(replicas)], settings, ready_within_s=180) as (base_url, _):
        yield base_url


def main() -> None:
    stem = "results-" + ("cpu" if device_name().startswith("cpu") else "gpu")
    path = CHAPTER / "bench" / f"{stem}.json"
    if not path.exists():
        raise SystemExit(f"error: {path.name} is missing; run `make bench-7` first")
    report = json.loads(path.read_text())
    levels = [int(level) for level in report["results"]["batched"]["closed_loop"]]
    seconds = report["workload"]["closed_loop_seconds"]
    load_before = os.getloadavg()
    with tqdm(total=len(REPLICAS) * len(levels), unit="run", file=sys.stderr) as progress:
        for replicas in REPLICAS:
            name = "ray_1_replica" if replicas == 1 else f"ray_{replicas}_replicas"
            progress.set_description(f"Ray Serve, {replicas} replica(s): starting")
            runs: dict[str, object] = {}
            with ray_server(replicas) as base_url:
                asyncio.run(load.closed_loop(base_url, 4, PROMPTS, 16, 2.0))  # warm-up
                for concurrency in levels:
                    progress.set_description(f"Ray Serve, {replicas}: closed loop {concurrency}")
                    tally = asyncio.run(
                        load.closed_loop(base_url, concurrency, PROMPTS, TOKENS, seconds)
                    )
                    runs[str(concurrency)] = tally.summary()
                    progress.update()
            report["results"][name] = {"closed_loop": runs, "replicas": replicas}
    report["machine"]["ray_load_average"] = {
        "before": [round(x, 2) for x in load_before],
        "after": [round(x, 2) for x in os.getloadavg()],
    }
    path.write_text(json.dumps(report, indent=2) + "\n")
    plot(report, path.with_suffix(".png"))
    top = str(levels[-1])
    for name in ("batched", "ray_1_replica", "ray_2_replicas"):
        run = report["results"][name]["closed_loop"][top]
        speed, p99 = run["tokens_per_s"], run["latency_p99_ms"]
        print(f"{name:>15} at {top}: {speed:>8} tokens/s, p99 latency {p99} ms")
    print(f"wrote {path} and .png")


if __name__ == "__main__":
    torch.set_num_threads(1)
    main()
