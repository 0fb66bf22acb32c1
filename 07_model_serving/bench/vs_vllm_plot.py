"""`make bench-7-vllm`'s picture: the chapter's server and vLLM, side by side."""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

SERVERS = (("ours", "o", "C0", "the chapter's server"), ("vllm", "s", "C1", "vLLM (CPU build)"))


def plot(report: dict, path: Path) -> None:
    results = report["results"]
    levels = [int(level) for level in results["ours"]["closed_loop"]]
    rates = report["workload"]["poisson_rates"]
    figure, axes = plt.subplots(1, 3, figsize=(15, 4.2), dpi=110)
    speed, latency, arrivals = axes
    for name, marker, color, label in SERVERS:
        style = {"marker": marker, "color": color}
        for kind, line, how in (
            ("closed_loop", "-", "streamed"),
            ("closed_loop_plain", "--", "plain"),
        ):
            loop = results[name][kind]
            speed.plot(
                levels,
                [loop[str(c)]["tokens_per_s"] for c in levels],
                linestyle=line,
                label=f"{label}, {how}",
                **style,
            )
            latency.plot(
                levels,
                [loop[str(c)]["median_e2el_ms"] for c in levels],
                linestyle=line,
                label=f"{label}, {how}",
                **style,
            )
        poisson = results[name]["poisson"]
        for metric, line, what in (
            ("p99_itl_ms", "-", "p99 ITL"),
            ("median_ttft_ms", ":", "median TTFT"),
        ):
            arrivals.plot(
                rates,
                [poisson[f"{r:.1f}"][metric] for r in rates],
                linestyle=line,
                label=f"{label}, {what}",
                **style,
            )
    for axis in (speed, latency):
        axis.set_xscale("log", base=2)
        axis.set_xticks(levels, [str(c) for c in levels])
        axis.set_xlabel("concurrent clients (closed loop, 100 tokens each)")
    speed.set(title="Generated tokens per second", ylabel="tokens/s")
    latency.set(title="Median end-to-end latency", ylabel="ms", yscale="log")
    arrivals.set(
        title="Poisson arrivals, ShareGPT-like lengths",
        xlabel="requests per second",
        ylabel="ms",
        yscale="log",
    )
    for axis in axes:
        axis.grid(alpha=0.3)
        axis.legend(fontsize=8)
    figure.suptitle(f"Chapter 07 against vLLM on {report['machine']['device']}")
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)
