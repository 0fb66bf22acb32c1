"""Serving metrics as vLLM's `vllm bench serve` reports them, from what the clients saw.

- TTFT: time to the first token, from sending the request.
- TPOT: time per output token after the first, (latency - TTFT) / (tokens - 1), per request.
- ITL: inter-token latency, each gap between two chunks that carried text (a chunk that
  carries several tokens is one gap, as vLLM counts it).
- E2EL: end-to-end latency, from sending to the last byte.
- Goodput: requests per second that met every SLO (`SLO` below, stated for this small model).
Each latency as mean, median, p90 and p99, in milliseconds.
"""

import statistics
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class SLO:
    """A request is *good* when its TTFT and its TPOT are both within these (ms)."""

    ttft_ms: float = 1000.0
    tpot_ms: float = 50.0


STATED_SLO = SLO()


class Served(Protocol):
    tokens: int
    ttft_s: float
    latency_s: float
    gaps_s: list[float]


def tpot_s(outcome: Served) -> float | None:
    if outcome.tokens < 2:
        return None
    return (outcome.latency_s - outcome.ttft_s) / (outcome.tokens - 1)


def percentile(ordered: list[float], p: float) -> float:
    """Linear interpolation between the closest ranks, as numpy's default (vLLM uses numpy)."""
    if not ordered:
        return 0.0
    rank = p / 100 * (len(ordered) - 1)
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def describe(name: str, values_s: list[float]) -> dict[str, float]:
    ordered = sorted(values_s)
    ms = [v * 1000 for v in ordered]
    return {
        f"mean_{name}_ms": round(statistics.fmean(ms), 2) if ms else 0.0,
        f"median_{name}_ms": round(percentile(ms, 50), 2),
        f"p90_{name}_ms": round(percentile(ms, 90), 2),
        f"p99_{name}_ms": round(percentile(ms, 99), 2),
    }


def serving_metrics(
    good: list[Served], seconds: float, output_tokens: int, slo: SLO
) -> dict[str, float]:
    tpots = [t for t in map(tpot_s, good) if t is not None]
    met = [
        o
        for o in good
        if o.ttft_s * 1000 <= slo.ttft_ms and (tpot_s(o) or 0.0) * 1000 <= slo.tpot_ms
    ]
    return {
        "request_throughput": round(len(good) / seconds, 3) if seconds else 0.0,
        "output_throughput": round(output_tokens / seconds, 1) if seconds else 0.0,
        "goodput": round(len(met) / seconds, 3) if seconds else 0.0,
        "slo": {"ttft_ms": slo.ttft_ms, "tpot_ms": slo.tpot_ms},
        **describe("ttft", [o.ttft_s for o in good]),
        **describe("tpot", tpots),
        **describe("itl", [gap for o in good for gap in o.gaps_s]),
        **describe("e2el", [o.latency_s for o in good]),
    }
