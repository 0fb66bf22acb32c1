"""`make bench-7-ray`: what Ray Serve costs, beside the plain server, on this machine.

Starts the plain server (uvicorn, as `make chapter-7`) and then `ray_serve.py` with 1 and with
2 replicas, each on a free port with its own database, and measures for each: seconds from
the command to `/ready`, resident memory of all its processes, and the latency of 200
sequential requests (`GET /health`, and `POST /generate` for one token: what HTTP and the
hops cost, not the model). Writes `bench/ray-overhead-<device>.json`.
"""

import json
import os
import platform
import statistics
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
import ray  # noqa: F401  (Ray ships psutil and puts it on sys.path)
import torch

from bench.servers import RAY_SERVE, UVICORN, serving

CHAPTER = Path(__file__).resolve().parents[1]
REQUESTS = 200


def memory_mb(root: int) -> dict[str, float]:
    """Resident memory of a process and all its descendants (Ray's actors included)."""
    import psutil

    by_name: dict[str, float] = {}
    processes = [psutil.Process(root), *psutil.Process(root).children(recursive=True)]
    for process in processes:
        try:
            name = " ".join(process.cmdline()[:1]).rsplit("/", 1)[-1] or process.name()
            rss = process.memory_info().rss / 2**20
        except psutil.Error:
            continue
        by_name[name] = by_name.get(name, 0.0) + rss
    return {name: round(mb) for name, mb in sorted(by_name.items(), key=lambda kv: -kv[1])}


def latencies(url: str, method: str, path: str, body: dict | None = None) -> dict[str, float]:
    times = []
    with httpx.Client(base_url=url, timeout=30) as client:
        for _ in range(REQUESTS):
            started = time.perf_counter()
            response = client.request(method, path, json=body)
            times.append((time.perf_counter() - started) * 1000)
            response.raise_for_status()
    times.sort()
    return {
        "p50_ms": round(statistics.median(times), 2),
        "p95_ms": round(times[int(0.95 * len(times)) - 1], 2),
    }


def measure(name: str, command: list[str]) -> dict[str, object]:
    started = time.perf_counter()
    with serving(command, {"CPU_THREADS": "1"}, ready_within_s=300) as (url, process):
        ready_s = time.perf_counter() - started
        time.sleep(3)  # let every replica settle before memory is read
        result = {
            "server": name,
            "ready_s": round(ready_s, 1),
            "memory_mb": memory_mb(process.pid),
            "health": latencies(url, "GET", "/health"),
            "generate_1_token": latencies(
                url, "POST", "/generate", {"prompt": "def ", "max_new_tokens": 1}
            ),
        }
        result["memory_total_mb"] = sum(result["memory_mb"].values())  # type: ignore[union-attr]
    print(json.dumps(result), flush=True)
    return result


def main() -> None:
    results = [
        measure("plain uvicorn", UVICORN),
        measure("Ray Serve, 1 replica", [*RAY_SERVE, "1"]),
        measure("Ray Serve, 2 replicas", [*RAY_SERVE, "2"]),
    ]
    device = "gpu" if torch.cuda.is_available() else "cpu"
    report = {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.python_version()}",
        "requests_per_latency": REQUESTS,
        "results": results,
    }
    output = CHAPTER / "bench" / f"ray-overhead-{device}.json"
    output.write_text(json.dumps(report, indent=2) + "\n")
    print(f"Wrote {output.relative_to(CHAPTER.parent)}")


if __name__ == "__main__":
    main()
