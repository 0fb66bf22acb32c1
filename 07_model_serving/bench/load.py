"""HTTP load for the benchmark: streamed OpenAI completions, closed loop, open loop, floods.

Every request streams (`/v1/completions`, `stream: true`), so the time to the first token
is measured where a user feels it. A request's latency runs from sending to `[DONE]`.

Runs with a deadline (closed loop, flood) count the tokens that *reached the clients* before
it, chunk by chunk: counting only requests that ended in time would drop the tokens of every
request cut by the deadline, up to one request's worth per client (20 % of an 8 s run where a
request takes 3 s). The model's tokens are characters, so a chunk's text length is its tokens.
"""

import asyncio
import json
import random
import statistics
import time
from dataclasses import dataclass, field

import httpx

from bench.metrics import SLO, STATED_SLO, serving_metrics

MODEL = "code-gpt-char"


@dataclass
class Outcome:
    ok: bool
    tokens: int = 0
    ttft_s: float = 0.0
    latency_s: float = 0.0
    status: int = 200
    gaps_s: list[float] = field(default_factory=list)  # between chunks that carried text


@dataclass
class Tally:
    outcomes: list[Outcome] = field(default_factory=list)
    seconds: float = 0.0
    deadline: float | None = None  # when set, tokens count as they arrive, until it passes
    tokens_by_deadline: int = 0

    def received(self, tokens: int) -> None:
        if self.deadline is not None and time.perf_counter() <= self.deadline:
            self.tokens_by_deadline += tokens

    def summary(self, slo: SLO = STATED_SLO) -> dict[str, float]:
        good = [o for o in self.outcomes if o.ok]
        latencies = sorted(o.latency_s for o in good) or [0.0]
        ttfts = sorted(o.ttft_s for o in good) or [0.0]
        tokens = sum(o.tokens for o in good) if self.deadline is None else self.tokens_by_deadline
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
        } | serving_metrics(good, self.seconds, tokens, slo)


def percentile(ordered: list[float], p: float) -> float:
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def completion_body(prompt: str, tokens: int, seed: int) -> dict[str, object]:
    """The `/v1/completions` body every load sends, streamed or not."""
    return {
        "model": MODEL,
        "prompt": prompt,
        "max_tokens": tokens,
        "temperature": 0.8,
        "seed": seed,
    }


async def stream_one(
    http: httpx.AsyncClient, prompt: str, tokens: int, seed: int, tally: Tally
) -> Outcome:
    body = completion_body(prompt, tokens, seed) | {
        "stream": True,
        "stream_options": {"include_usage": True},
    }
    started = time.perf_counter()
    first = last = 0.0
    generated = 0
    gaps = []
    async with http.stream("POST", "/v1/completions", json=body) as response:
        if response.status_code != 200:
            await response.aread()
            return Outcome(ok=False, status=response.status_code)
        async for line in response.aiter_lines():
            if not line.startswith("data: ") or line == "data: [DONE]":
                continue
            now = time.perf_counter() - started
            chunk = json.loads(line[6:])
            text = chunk["choices"][0]["text"] if chunk["choices"] else ""
            if text:
                tally.received(len(text))
                if first:
                    gaps.append(now - last)
                first, last = first or now, now
            if chunk.get("usage"):
                generated = chunk["usage"]["completion_tokens"]
    return Outcome(True, generated, first, time.perf_counter() - started, gaps_s=gaps)


async def plain_one(
    http: httpx.AsyncClient, prompt: str, tokens: int, seed: int, tally: Tally
) -> Outcome:
    """One request without streaming: the whole completion in one answer (its tokens count when
    it arrives, and its time to the first token is its latency)."""
    body = completion_body(prompt, tokens, seed)
    started = time.perf_counter()
    response = await http.post("/v1/completions", json=body)
    latency = time.perf_counter() - started
    if response.status_code != 200:
        return Outcome(ok=False, status=response.status_code)
    generated = response.json()["usage"]["completion_tokens"]
    tally.received(generated)
    return Outcome(True, generated, latency, latency)


async def closed_loop(
    base_url: str,
    concurrency: int,
    prompts: list[str],
    tokens: int,
    seconds: float,
    honour_retry_after: bool = False,
    stream: bool = True,
) -> Tally:
    """`concurrency` clients, each sending its next request as soon as the last one ends.

    A client that gets a 503 retries at once, or after `Retry-After` (the server says 1 s) if
    `honour_retry_after`: the two kinds of client in the benchmark's flood. Without `stream`,
    each request gets its completion in one answer: far fewer events for the server (and the
    client) to write and read, so it shows what the engine can make rather than what a
    server-sent-event stream per client costs."""
    send = stream_one if stream else plain_one
    limits = httpx.Limits(max_connections=concurrency + 4)
    async with httpx.AsyncClient(base_url=base_url, timeout=120, limits=limits) as http:
        started = time.perf_counter()
        tally = Tally(seconds=seconds, deadline=started + seconds)

        async def client(number: int) -> None:
            sent = 0
            while time.perf_counter() < tally.deadline:
                prompt = prompts[(number + sent) % len(prompts)]
                seed = number * 1000 + sent
                outcome = await send(http, prompt, tokens, seed, tally)
                if time.perf_counter() <= tally.deadline:
                    tally.outcomes.append(outcome)
                sent += 1
                if not outcome.ok and honour_retry_after:
                    await asyncio.sleep(1.0)

        await asyncio.gather(*(client(n) for n in range(concurrency)))
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
            tasks.append(asyncio.create_task(stream_one(http, prompt, length, number, tally)))
        tally.outcomes = list(await asyncio.gather(*tasks))
        tally.seconds = time.perf_counter() - started
    return tally


async def work_through(
    base_url: str, concurrency: int, prompts: list[str], lengths: list[int]
) -> Tally:
    """Send every request of a fixed list, `concurrency` at a time, as fast as possible."""
    tally = Tally()
    queue = list(enumerate(lengths))
    limits = httpx.Limits(max_connections=concurrency + 4)
    async with httpx.AsyncClient(base_url=base_url, timeout=300, limits=limits) as http:

        async def client() -> None:
            while queue:
                number, length = queue.pop(0)
                prompt = prompts[number % len(prompts)]
                tally.outcomes.append(await stream_one(http, prompt, length, number, tally))

        started = time.perf_counter()
        await asyncio.gather(*(client() for _ in range(concurrency)))
        tally.seconds = time.perf_counter() - started
    return tally
