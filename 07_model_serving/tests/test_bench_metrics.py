"""The benchmark's serving metrics, on outcomes worked out by hand."""

from collections.abc import Callable
from types import ModuleType, SimpleNamespace

import pytest


@pytest.fixture
def metrics(chapter: Callable[[str], ModuleType]) -> ModuleType:
    return chapter("bench.metrics")


def outcome(tokens: int, ttft: float, latency: float, gaps: list[float]) -> SimpleNamespace:
    return SimpleNamespace(tokens=tokens, ttft_s=ttft, latency_s=latency, gaps_s=gaps)


def test_percentiles_interpolate_as_numpy_does(metrics: ModuleType) -> None:
    assert metrics.percentile([1.0, 2.0, 3.0, 4.0], 50) == 2.5
    assert metrics.percentile([1.0, 2.0, 3.0, 4.0], 90) == pytest.approx(3.7)
    assert metrics.percentile([5.0], 99) == 5.0
    assert metrics.percentile([], 50) == 0.0


def test_ttft_tpot_itl_e2el_and_goodput(metrics: ModuleType) -> None:
    fast = outcome(tokens=11, ttft=0.1, latency=0.3, gaps=[0.02] * 10)  # TPOT 20 ms
    slow = outcome(tokens=3, ttft=2.0, latency=2.2, gaps=[0.1, 0.1])  # TTFT too long
    one = outcome(tokens=1, ttft=0.05, latency=0.05, gaps=[])  # no TPOT
    found = metrics.serving_metrics([fast, slow, one], 2.0, 15, metrics.SLO(1000, 50))
    assert found["request_throughput"] == 1.5
    assert found["output_throughput"] == 7.5
    assert found["goodput"] == 1.0, "fast and one meet both SLOs, slow misses the TTFT"
    assert found["median_ttft_ms"] == 100.0
    assert found["mean_tpot_ms"] == pytest.approx(60.0)  # (20 + 100) / 2
    assert found["median_itl_ms"] == 20.0
    assert found["p99_e2el_ms"] == pytest.approx(2162.0)
