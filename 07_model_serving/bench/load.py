"""HTTP load for the benchmark: streamed OpenAI completions, closed loop, open loop, floods.

Every request streams (`/v1/completions`, `stream: true`), so the time to the first token
is measured where a user feels it. A request's latency runs from sending to `[DONE]`.
"""

import asyncio
import json
import random
import statistics
import time
from dataclasses import dataclass, field

import httpx

MODEL = "code-gpt-char"


@dataclass
class Outcome:
    ok: bool
    tokens: int = 0
    ttft_s: float = 0.0
    latency_s: float = 0.0
    status: int = 200


@dataclass
class Tally:
    outcomes: list[Outcome] = field(default_factory=list)
    seconds: float = 0.0

    def summary(self) -> dict[str, float]:
        good = [o for o in self.outcomes if o.ok]
        latencies = sorted(o.latency_s for o in good) or [0.0]
        ttfts = sorted(o.ttft_s for o in good) or [0.0]
        tokens = sum(o.tokens for o in good)
        return {
            "requests": len(good),
            "errors": len(self.outcomes) - len(good),
            "requests_per_s": round(len(good) / self.seconds, 2),
            "tokens_per_s": round(tokens / self.seconds, 1),
            "ttft_p50_ms": round(percentile(ttfts, 50) * 1000, 1),
            "ttft_p99_ms": round(percentile(ttfts, 99) * 1000, 1),
            "latency_p50_ms": round(percentile(latencies, 50) * 1000, 1),
            "latency_p95_ms": round(percentile(latencies, 95) * 1000, 1),
            "latency_p99_ms": round(percentile(latencies, 99) * 1000, 1),
            "mean_latency_ms": round(statistics.fmean(latencies) * 1000, 1),
        }


def percentile(ordered: list[float], p: float) -> float:
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


async def stream_one(http: httpx.AsyncClient, prompt: str, tokens: int, seed: int) -> Outcome:
    body = {
        "model": MODEL,
        "prompt": prompt,
        "max_tokens": tokens,
        "temperature": 0.8,
        "seed": seed,
        "stream": True,
        "stream_options": {"include_usage": True},
    }
    started = time.perf_counter()
    first = 0.0
    generated = 0
    async with http.stream("POST", "/v1/completions", json=body) as response:
        if response.status_code != 200:
            await response.aread()
            return Outcome(ok=False, status=response.status_code)
        async for line in response.aiter_lines():
            if not line.startswith("data: ") or line == "data: [DONE]":
                continue
            if not first:
                first = time.perf_counter() - started
            if '"usage":{' in line:  # only the last chunk is parsed: the client stays cheap
                generated = json.loads(line[6:])["usage"]["completion_tokens"]
    return Outcome(True, generated, first, time.perf_counter() - started)


async def closed_loop(
    base_url: str, concurrency: int, prompts: list[str], tokens: int, seconds: float
) -> Tally:
    """`concurrency` clients, each sending its next request as soon as the last one ends."""
    tally = Tally()
    limits = httpx.Limits(max_connections=concurrency + 4)
    async with httpx.AsyncClient(base_url=base_url, timeout=120, limits=limits) as http:
        deadline = time.perf_counter() + seconds

        async def client(number: int) -> None:
            sent = 0
            while time.perf_counter() < deadline:
                prompt = prompts[(number + sent) % len(prompts)]
                outcome = await stream_one(http, prompt, tokens, seed=number * 1000 + sent)
                if time.perf_counter() <= deadline:
                    tally.outcomes.append(outcome)
                sent += 1

        started = time.perf_counter()
        await asyncio.gather(*(client(n) for n in range(concurrency)))
        tally.seconds = min(time.perf_counter(), deadline) - started
    return tally


def exponential_lengths(count: int, mean: float, cap: int, seed: int) -> list[int]:
    rng = random.Random(seed)
    return [max(1, min(cap, round(rng.expovariate(1 / mean)))) for _ in range(count)]


async def open_loop(
    base_url: str, rate: float, prompts: list[str], lengths: list[int], seed: int
) -> Tally:
    """Requests arrive as a Poisson process of `rate` per second, whatever the server does."""
    rng = random.Random(seed)
    tally = Tally()
    async with httpx.AsyncClient(base_url=base_url, timeout=120) as http:
        tasks = []
        started = time.perf_counter()
        for number, length in enumerate(lengths):
            await asyncio.sleep(rng.expovariate(rate))
            prompt = prompts[number % len(prompts)]
            tasks.append(asyncio.create_task(stream_one(http, prompt, length, seed=number)))
        tally.outcomes = list(await asyncio.gather(*tasks))
        tally.seconds = time.perf_counter() - started
    return tally


async def flood(
    base_url: str, concurrency: int, prompt: str, tokens: int, seconds: float, honour: bool
) -> Tally:
    """Clients that get 503 either wait `Retry-After` (`honour`) or retry at once."""
    tally = Tally()
    limits = httpx.Limits(max_connections=concurrency + 4)
    async with httpx.AsyncClient(base_url=base_url, timeout=120, limits=limits) as http:
        deadline = time.perf_counter() + seconds

        async def client(number: int) -> None:
            sent = 0
            while time.perf_counter() < deadline:
                outcome = await stream_one(http, prompt, tokens, seed=number * 1000 + sent)
                sent += 1
                tally.outcomes.append(outcome)
                if not outcome.ok and honour:
                    await asyncio.sleep(1.0)

        started = time.perf_counter()
        await asyncio.gather(*(client(n) for n in range(concurrency)))
        tally.seconds = time.perf_counter() - started
    return tally


async def work_through(
    base_url: str, concurrency: int, prompts: list[str], lengths: list[int]
) -> Tally:
    """Send every request of a fixed list, `concurrency` at a time, as fast as possible."""
    tally = Tally()
    queue = list(enumerate(lengths))
    async with httpx.AsyncClient(base_url=base_url, timeout=300) as http:

        async def client() -> None:
            while queue:
                number, length = queue.pop(0)
                prompt = prompts[number % len(prompts)]
                tally.outcomes.append(await stream_one(http, prompt, length, seed=number))

        started = time.perf_counter()
        await asyncio.gather(*(client() for _ in range(concurrency)))
        tally.seconds = time.perf_counter() - started
    return tally
