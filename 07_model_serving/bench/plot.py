"""The benchmark's picture: tokens per second and p99 latency against concurrency."""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt


def plot(report: dict, path: Path) -> None:
    results = report["results"]
    levels = [int(level) for level in results["batched"]["closed_loop"]]
    figure, (speed, latency) = plt.subplots(1, 2, figsize=(11, 4.2), dpi=110)
    for name, style in (
        ("batched", "o-"),
        ("batched_thread", "o:"),  # the same, with the engine in a thread of the server
        ("sequential", "s-"),
        ("ceiling", "^--"),
        ("peer", "d:"),
        ("ray_1_replica", "v-."),  # written by `make bench-7-ray`, when it has run
        ("ray_2_replicas", "P-."),
    ):
        if name not in results:
            continue
        runs = results[name]["closed_loop"]
        speed.plot(levels, [runs[str(c)]["tokens_per_s"] for c in levels], style, label=name)
        if name != "ceiling":
            latency.plot(
                levels, [runs[str(c)]["latency_p99_ms"] for c in levels], style, label=name
            )
    for axes, title, unit in (
        (speed, "Generated tokens per second", "tokens/s"),
        (latency, "p99 latency of a 100-token request", "ms"),
    ):
        axes.set_xscale("log", base=2)
        axes.set_xticks(levels, [str(c) for c in levels])
        axes.set_xlabel("concurrent requests")
        axes.set_ylabel(unit)
        axes.set_title(title)
        axes.grid(alpha=0.3)
        axes.legend()
    latency.set_yscale("log")
    figure.suptitle(f"Chapter 07 engine on {report['machine']['device']}")
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)
