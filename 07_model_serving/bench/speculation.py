"""Tokens per second with speculative decoding off and on, on code prompts.

The same server twice (as the image runs it: engine process, one PyTorch thread), once with
SPECULATIVE_TOKENS=0 and once with the default 3. Each gets the same requests: the benchmark's
code prompts (bench/workloads.py: cut from the standard library's textwrap.py, with the lengths
that `make bench-7-vllm` draws), from 1, 4 and 16 clients at once, greedy and at temperature
0.8 with a seed, each level twice (the tokens per second of both rounds are kept, and their
mean is plotted). Both servers must give every request the same text. Writes
bench/speculation-cpu.json and .png.

Run: make bench-7 (its last part), or `python -m bench.speculation` in this folder.
"""

import asyncio
import json
import statistics
import time
from pathlib import Path

import httpx

from bench import off_on
from bench.servers import UVICORN, serving
from bench.workloads import sharegpt_like
from model.tokenizer import DEFAULT_VOCAB

REQUESTS = 48
ROUNDS = 2  # each level twice: at 16 clients, two runs of one setting differ by up to 13 %
CLIENTS = (1, 4, 16)
TEMPERATURES = (0.0, 0.8)
SETTINGS = {"ENGINE_PROCESS": "true", "CPU_THREADS": "1", "DEVICE": "cpu", "LOG_LEVEL": "warning"}


def workload() -> list[tuple[str, int]]:
    return sharegpt_like(REQUESTS, 128, DEFAULT_VOCAB, seed=11)  # bench/vs_vllm.py's draw


async def run_level(
    base_url: str, asks: list[tuple[str, int]], clients: int, temperature: float
) -> dict[str, object]:
    """Every request once, `clients` at a time; tokens per second over the whole run."""
    texts: list[str] = [""] * len(asks)
    latencies: list[float] = []
    tokens = 0
    queue = list(enumerate(asks))

    async def client(http: httpx.AsyncClient) -> None:
        nonlocal tokens
        while queue:
            index, (prompt, max_tokens) = queue.pop(0)
            body = {"model": "code-gpt-char", "prompt": prompt, "max_tokens": max_tokens}
            body |= {"temperature": temperature, "seed": index}
            sent = time.perf_counter()
            response = await http.post("/v1/completions", json=body)
            latencies.append(time.perf_counter() - sent)
            response.raise_for_status()
            answer = response.json()
            texts[index] = answer["choices"][0]["text"]
            tokens += answer["usage"]["completion_tokens"]

    async with httpx.AsyncClient(base_url=base_url, timeout=120) as http:
        started = time.perf_counter()
        await asyncio.gather(*(client(http) for _ in range(clients)))
        seconds = time.perf_counter() - started
    return {
        "tokens": tokens,
        "tokens_per_s": round(tokens / seconds, 1),
        "median_latency_ms": round(statistics.median(latencies) * 1000, 1),
        "texts": texts,
    }


def measure(guesses: str) -> dict[str, object]:
    asks = workload()
    levels = []
    with serving(UVICORN, SETTINGS | {"SPECULATIVE_TOKENS": guesses}, 120) as (base_url, _):
        for temperature in TEMPERATURES:
            for clients in CLIENTS:
                before = httpx.get(f"{base_url}/stats").json()
                rounds = [
                    asyncio.run(run_level(base_url, asks, clients, temperature))
                    for _ in range(ROUNDS)
                ]
                after = httpx.get(f"{base_url}/stats").json()
                level = {"clients": clients, "temperature": temperature}
                level |= {"tokens": sum(r["tokens"] for r in rounds)}
                level |= {"tokens_per_s_rounds": [r["tokens_per_s"] for r in rounds]}
                level |= {"tokens_per_s": round(statistics.fmean(level["tokens_per_s_rounds"]), 1)}
                level |= {"median_latency_ms": [r["median_latency_ms"] for r in rounds]}
                level |= {"texts": [r["texts"] for r in rounds]}
                for field in ("spec_draft_tokens", "spec_accepted_tokens"):
                    level[field] = after[field] - before[field]
                levels.append(level)
    return {"speculative_tokens": int(guesses), "levels": levels}


def plot(report: dict[str, object], path: Path) -> None:
    labels = [f"{c} client{'s' if c > 1 else ''}\nT={t}" for t in TEMPERATURES for c in CLIENTS]
    runs = {
        name: [level["tokens_per_s"] for level in run["levels"]]
        for name, run in report["runs"].items()
    }
    ylabel = f"tokens per second (mean of {ROUNDS} rounds)"
    title = f"{REQUESTS} code prompts, engine process, 1 PyTorch thread"
    off_on.paired_bars(path, runs, labels, ylabel, title)


def main() -> None:
    started = time.strftime("%Y-%m-%dT%H:%M%z")
    runs = {"speculation off": measure("0"), "speculation on (3 tokens)": measure("3")}
    off, on = runs.values()
    same = all(
        a.pop("texts") == b.pop("texts") for a, b in zip(off["levels"], on["levels"], strict=True)
    )
    ratios = [
        {
            "clients": a["clients"],
            "temperature": a["temperature"],
            "tokens_per_s_ratio": round(b["tokens_per_s"] / a["tokens_per_s"], 2),
            "accepted_per_drafted": round(
                b["spec_accepted_tokens"] / max(1, b["spec_draft_tokens"]), 2
            ),
        }
        for a, b in zip(off["levels"], on["levels"], strict=True)
    ]
    report = {
        "machine": off_on.machine(started),
        "workload": {"requests": REQUESTS, "server": SETTINGS, "prompts": "bench/workloads.py"},
        "same_texts": same,
        "ratios": ratios,
        "runs": runs,
    }
    off_on.save(report, "speculation-cpu", plot)
    print(json.dumps(ratios, indent=1))
    if not same:
        raise SystemExit("error: speculation changed a text")


if __name__ == "__main__":
    main()
