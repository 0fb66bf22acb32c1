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
