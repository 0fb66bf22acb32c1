"""What the benchmarks that run one server twice, a feature off and on, write the same way."""

import json
import platform
from collections.abc import Callable
from pathlib import Path

import torch

HERE = Path(__file__).resolve().parent


def machine(started: str) -> dict[str, str]:
    return {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "platform": platform.platform(),
        "date": started,
    }


def save(report: dict, stem: str, plot: Callable[[dict, Path], None]) -> None:
    """bench/<stem>.json and bench/<stem>.png."""
    (HERE / f"{stem}.json").write_text(json.dumps(report, indent=1) + "\n")
    plot(report, HERE / f"{stem}.png")


def paired_bars(
    path: Path, runs: dict[str, list[float]], labels: list[str], ylabel: str, title: str
) -> None:
    """One bar per run (off, then on) beside each other for every label."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(8, 4))
    width = 0.38
    for offset, (name, values) in zip((-width / 2, width / 2), runs.items(), strict=True):
        axes.bar([i + offset for i in range(len(values))], values, width, label=name)
    axes.set_xticks(range(len(labels)), labels)
    axes.set_ylabel(ylabel)
    axes.set_title(title)
    axes.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=110)
