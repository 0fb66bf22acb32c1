"""Time to first token on prompts that share a long start, with the prefix cache on and off.

The same server twice (as the image runs it: engine process, one PyTorch thread), once with
PREFIX_CACHE_BLOCKS=0 and once with the default: each gets the same prompts, an 80-character
comment shared by all of them and a different last line, streamed, first one at a time, then
16 at once. Both must answer the same greedy text to every prompt. Writes
bench/prefix-cache-cpu.json and .png.

Run: make bench-7 (its last part), or `python -m bench.prefix_cache` in this folder.
"""

import asyncio
import json
import time
from pathlib import Path

import httpx

from bench import off_on
from bench.load import Tally, stream_one
from bench.metrics import describe
from bench.servers import UVICORN, serving

SHARED = "# Parser helpers: each one takes a line of the input and returns what it holds.\n"
ENDINGS = [f"def {name}(line):\n" for name in ("parse", "split", "strip", "count", "first", "last")]
ENDINGS += [f"def {name}(text):\n" for name in ("words", "lines", "upper", "lower", "title")]
ENDINGS += [f"def {name}(row):\n" for name in ("cells", "keys", "sum", "mean", "size")]
TOKENS = 8  # enough to see the first token; the prefill is what differs
ROUNDS = 8  # each ending this many times, one at a time
SETTINGS = {"ENGINE_PROCESS": "true", "CPU_THREADS": "1", "DEVICE": "cpu", "LOG_LEVEL": "warning"}


async def one_at_a_time(base_url: str) -> list[float]:
    async with httpx.AsyncClient(base_url=base_url, timeout=60) as http:
        ttfts = []
        for round_ in range(ROUNDS):
            for index, ending in enumerate(ENDINGS):
                outcome = await stream_one(
                    http, SHARED + ending, TOKENS, round_ * 100 + index, Tally()
                )
                assert outcome.ok, outcome
                ttfts.append(outcome.ttft_s)
        return ttfts


async def all_at_once(base_url: str) -> list[float]:
    async with httpx.AsyncClient(base_url=base_url, timeout=60) as http:
        outcomes = await asyncio.gather(
            *(stream_one(http, SHARED + e, TOKENS, i, Tally()) for i, e in enumerate(ENDINGS))
        )
    assert all(outcome.ok for outcome in outcomes)
    return [outcome.ttft_s for outcome in outcomes]


def greedy(base_url: str) -> list[str]:
    texts = []
    for ending in ENDINGS:
        body = {"model": "code-gpt-char", "prompt": SHARED + ending, "max_tokens": 16}
        response = httpx.post(f"{base_url}/v1/completions", json=body | {"temperature": 0})
        texts.append(response.json()["choices"][0]["text"])
    return texts


def measure(blocks: str) -> dict[str, object]:
    with serving(UVICORN, SETTINGS | {"PREFIX_CACHE_BLOCKS": blocks}, 120) as (base_url, _):
        texts = greedy(base_url)  # also fills the cache with the shared start
        sequential = asyncio.run(one_at_a_time(base_url))
        burst = asyncio.run(all_at_once(base_url))
        stats = httpx.get(f"{base_url}/stats").json()
    return {
        "prefix_cache_blocks": int(blocks),
        "one_at_a_time": describe("ttft", sequential),
        "all_at_once": describe("ttft", burst),
        "prefix_cache_queries": stats["prefix_cache_queries"],
        "prefix_cache_hits": stats["prefix_cache_hits"],
        "texts": texts,
    }


def plot(report: dict[str, object], path: Path) -> None:
    labels = ["one at a time, p50", "one at a time, p90", "16 at once, p50", "16 at once, p90"]
    keys = [("one_at_a_time", "median_ttft_ms"), ("one_at_a_time", "p90_ttft_ms")]
    keys += [("all_at_once", "median_ttft_ms"), ("all_at_once", "p90_ttft_ms")]
    runs = {name: [run[group][key] for group, key in keys] for name, run in report["runs"].items()}
    title = f"Prompts sharing a {len(SHARED)}-character start, streamed"
    off_on.paired_bars(path, runs, labels, "time to first token (ms)", title)


def main() -> None:
    started = time.strftime("%Y-%m-%dT%H:%M%z")
    runs = {"cache off": measure("0"), "cache on": measure("256")}
    same = runs["cache off"].pop("texts") == runs["cache on"].pop("texts")
    report = {
        "machine": off_on.machine(started),
        "workload": {
            "shared_start_chars": len(SHARED),
            "endings": len(ENDINGS),
            "tokens": TOKENS,
            "one_at_a_time_requests": ROUNDS * len(ENDINGS),
            "server": SETTINGS,
        },
        "same_greedy_texts": same,
        "runs": runs,
    }
    off_on.save(report, "prefix-cache-cpu", plot)
    print(json.dumps(report, indent=1))
    if not same:
        raise SystemExit("error: the cache changed a greedy text")


if __name__ == "__main__":
    main()
