"""The service layer: check a request, hand it to the engine, wait for it, store it.

Routers translate HTTP to `GenerationRequest` and these exceptions back to HTTP; the engine
knows nothing of HTTP or the database; this file is where the two meet.
"""

import asyncio
import contextlib
import json
import logging
import math
import threading
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import TypeVar

from fastapi.concurrency import run_in_threadpool
from sqlalchemy.exc import OperationalError

from config import Settings
from engine import (
    Completion,
    EngineClient,
    EngineStats,
    EngineStopped,
    Listener,
    ModelRunner,
    QueueFull,
    SamplingParams,
    SequenceHandle,
)
from engine.constraints import PatternError, automaton, compiles_in_time
from serving.database import Generation, GenerationStore
from serving.metrics import ServingMetrics
from serving.service_types import (
    GenerationFailed,
    GenerationRequest,
    GenerationTimedOut,
    InvalidRequest,
    RequestProblem,
    ServiceBusy,
    StorageUnavailable,
)
from serving.text_collector import Delta, TextCollector

T = TypeVar("T")

logger = logging.getLogger("chapter07")


@dataclass(frozen=True)
class Finished:
    """The end of a stream: the whole completion, and the row it was stored as."""

    completion: Completion
    row: Generation


class GenerationService:
    def __init__(
        self,
        settings: Settings,
        runner: ModelRunner,
        engine: EngineClient,
        store: GenerationStore,
    ) -> None:
        self.settings = settings
        self.runner = runner
        self.engine = engine
        self.store = store
        self.metrics = ServingMetrics()
        self.ready = False
        self.storage_problem: str | None = None  # why the last write failed, until one works
        self.started = False  # set once the lifespan has warmed the engine up
        self._draining = False
        self._jobs: set[asyncio.Task[None]] = set()

    @property
    def model_name(self) -> str:
        return self.runner.name

    @property
    def context(self) -> int:
        return self.runner.context

    @property
    def device(self) -> str:
        return str(self.runner.device)

    @property
    def serving(self) -> bool:
        """Ready for new work: started, not draining, and its engine runs."""
        return self.ready and self.engine.is_alive()

    def chat_prompt(self, turns: list[tuple[str, str]]) -> str:
        """(role, text) messages written as one prompt with the model card's chat template."""
        return self.runner.card.chat_template.render(turns)

    def stats(self) -> EngineStats:
        return self.engine.stats()

    def metrics_text(self) -> bytes:
        """Prometheus's text format; readable while loading, draining or after a crash."""
        return self.metrics.scrape(self.engine.stats() if self.engine.is_alive() else None)

    def occupied_slots(self) -> list[tuple[int, int, int]]:
        return self.engine.occupied_slots()

    def finish_reasons(self) -> dict[str, int]:
        return self.engine.finish_reasons()

    @property
    def engine_failed(self) -> bool:
        """The engine stopped on its own (it crashed, or its process was killed): only a
        restart helps. Not so while it starts, or once shutdown has begun."""
        return self.started and not self._draining and not self.engine.is_alive()

    def check(self, request: GenerationRequest) -> None:
        """The limits that depend on the model and the settings (the schema checks the rest)."""
        params = request.params
        problems = self.problems(request.prompt, params.max_new_tokens, params.top_k)
        if problems:
            raise InvalidRequest(problems)

    def problems(
        self, prompt: object = None, max_new_tokens: object = None, top_k: object = None
    ) -> list[RequestProblem]:
        """What is wrong with these values against the model and the settings. A value of
        another type (or None) is left alone: the schema reports it. The validation handler
        calls this too, so that a body with several mistakes gets them all in one answer."""
        problems = []
        context = self.runner.context
        if isinstance(prompt, str) and len(prompt) > context:
            problems.append(
                RequestProblem(
                    "prompt",
                    "string_too_long",
                    f"String should have at most {context} characters (the model's context)",
                    prompt,
                    {"max_length": context},
                )
            )
        unknown = (
            self.runner.tokenizer.unknown_characters(prompt) if isinstance(prompt, str) else []
        )
        if unknown:
            problems.append(
                RequestProblem(
                    "prompt",
                    "vocabulary",
                    f"Characters outside the model's vocabulary: {''.join(unknown)!r}",
                    prompt,
                    {"characters": unknown},
                )
            )
        limit = self.settings.max_new_tokens_limit
        if isinstance(max_new_tokens, int) and max_new_tokens > limit:
            problems.append(
                RequestProblem(
                    "max_new_tokens",
                    "less_than_equal",
                    f"Input should be less than or equal to {limit}",
                    max_new_tokens,
                    {"le": limit},
                )
            )
        vocabulary = len(self.runner.tokenizer)
        if isinstance(top_k, int) and top_k > vocabulary:
            problems.append(
                RequestProblem(
                    "top_k",
                    "less_than_equal",
                    f"Input should be less than or equal to {vocabulary} (the vocabulary)",
                    top_k,
                    {"le": vocabulary},
                )
            )
        return problems

    def admissible(self, request: GenerationRequest) -> None:
        if not self.ready:
            raise ServiceBusy(
                "The model is not ready (starting up or shutting down). Retry shortly.", 1
            )
        self.check(request)

    def submit(
        self, request: GenerationRequest, listener: Listener | None = None
    ) -> SequenceHandle:
        self.admissible(request)
        ids = self.runner.tokenizer.encode(request.prompt)
        try:
            return self.engine.submit(ids, request.params, listener)
        except QueueFull:
            places = self.engine.max_waiting
            raise ServiceBusy(
                f"All {places} places in the queue are taken. Retry shortly.", 1
            ) from None
        except EngineStopped:
            raise ServiceBusy("The service is shutting down.", 5) from None

    async def wait(self, sequence: SequenceHandle, timeout: float | None = None) -> Completion:
        """The completion, or: 504 after the timeout, 503 at shutdown, 500 if the model failed."""
        timeout = self.settings.request_timeout_s if timeout is None else timeout
        try:
            completion = await asyncio.wait_for(asyncio.wrap_future(sequence.future), timeout)
        except TimeoutError:
            sequence.cancel()
            raise GenerationTimedOut(
                f"Generation did not finish within {self.settings.request_timeout_s} s"
            ) from None
        except EngineStopped:
            raise ServiceBusy("The service shut down before this request finished.", 5) from None
        except asyncio.CancelledError:
            sequence.cancel()  # the client went away: free the slot at the next step
            raise
        except Exception as error:
            raise GenerationFailed(f"Generation failed: {type(error).__name__}: {error}") from None
        self.metrics.finished(completion)
        return completion

    async def write(self, store: Callable[..., T], *args: object) -> T:
        """One of the store's writes, in a thread; a write the database refuses is a 503."""
        try:
            written = await run_in_threadpool(store, *args)
        except OperationalError as error:
            self.storage_problem = str(error.orig) if error.orig is not None else repr(error)
            logger.error("A write to the database failed: %s", self.storage_problem)
            raise StorageUnavailable(
                f"The generation could not be stored ({self.storage_problem}), so it was not "
                f"kept. Retry after {self.retry_after_storage} s.",
                self.retry_after_storage,
            ) from None
        self.storage_problem = None
        return written

    @property
    def retry_after_storage(self) -> int:
        return max(1, math.ceil(self.settings.db_busy_timeout_s))

    async def check_storage(self) -> None:
        """For /ready: once a write failed, try one until it works (a 503 until then)."""
        if self.storage_problem is None:
            return
        await self.write(self.store.check_writable)
        logger.info("The database takes writes again")

    async def replay(self, row: Generation) -> Completion:
        """The stored generation computed again from its stored parameters and seed; not stored.

        The engine's batch invariance is what lets the two agree bit for bit, whatever ran
        beside either of them."""
        params = SamplingParams(
            max_new_tokens=row.max_new_tokens,
            temperature=row.temperature,
            top_k=row.top_k,
            top_p=row.top_p,
            seed=row.seed,
            stop=tuple(json.loads(row.stop)),
            regex=row.regex,
        )
        request = GenerationRequest(row.prompt, params)
        return await self.wait(self.submit(request))

    async def generate(self, request: GenerationRequest) -> Generation:
        """Generate, store, then answer: every answer has its row."""
        return (await self.generate_finished(request)).row

    async def check_pattern(self, request: GenerationRequest) -> None:
        """A 400 for a structured-output pattern this model cannot follow; the checks build
        its automaton, in a child process first (see engine/constraints.py), off the loop."""
        pattern = request.params.regex
        if pattern is None:
            return
        try:
            await run_in_threadpool(compiles_in_time, pattern)
            await run_in_threadpool(automaton, pattern, self.runner.tokenizer.vocab)
        except PatternError as error:
            problem = RequestProblem("structured_outputs", "pattern", str(error), pattern, {})
            raise InvalidRequest([problem]) from None

    async def generate_finished(self, request: GenerationRequest) -> Finished:
        """As `generate`, with the engine's whole completion (log-probabilities included)."""
        await self.check_pattern(request)
        completion = await self.wait(self.submit(request))
        row = await self.write(self.store.add_finished, request, self.model_name, completion)
        stored(row.id, completion)
        return Finished(completion, row)

    async def generate_all(self, requests: list[GenerationRequest]) -> list[Finished]:
        """Several generations (OpenAI's `n`), all stored and answered, or none answered: the
        first failure (a full queue, say) cancels the others before they are stored."""
        try:
            async with asyncio.TaskGroup() as group:
                tasks = [group.create_task(self.generate_finished(r)) for r in requests]
        except BaseExceptionGroup as failures:
            raise failures.exceptions[0] from None
        return [task.result() for task in tasks]

    async def stream(self, request: GenerationRequest) -> AsyncIterator[Delta | Finished]:
        """The completion's text as it is generated, then `Finished` once it is stored."""
        await self.check_pattern(request)
        loop = asyncio.get_running_loop()
        collector = TextCollector(loop)
        sequence = self.submit(request, collector.put)
        deadline = loop.time() + self.settings.request_timeout_s
        try:
            while True:
                try:
                    async with asyncio.timeout_at(deadline):
                        delta, done = await collector.get()
                except TimeoutError:
                    break  # `wait` below turns it into GenerationTimedOut
                if delta.text or delta.logprobs:
                    yield delta
                if done:
                    break
            completion = await self.wait(sequence, timeout=max(0.0, deadline - loop.time()))
            row = await self.write(self.store.add_finished, request, self.model_name, completion)
            stored(row.id, completion)
            yield Finished(completion, row)
        finally:
            sequence.cancel()  # a no-op once finished; frees the slot if the client left

    async def start_job(self, request: GenerationRequest) -> int:
        self.admissible(request)  # a refused request stores nothing
        row = await self.write(self.store.add_queued, request, self.model_name)
        assert row.id is not None
        loop = asyncio.get_running_loop()
        started = asyncio.Event()
        first = threading.Event()

        def listener(text: str, done: bool, logprobs: tuple[object, ...]) -> None:
            if not done and not first.is_set():  # it has a slot: it is running
                first.set()
                loop.call_soon_threadsafe(started.set)

        try:
            sequence = self.submit(request, listener)
        except ServiceBusy:
            await run_in_threadpool(self.store.remove, row.id)
            raise
        task = asyncio.create_task(self._follow_job(row.id, sequence, started))
        self._jobs.add(task)
        task.add_done_callback(self._jobs.discard)
        return row.id

    async def _follow_job(
        self, job_id: int, sequence: SequenceHandle, started: asyncio.Event
    ) -> None:
        finished = asyncio.wrap_future(sequence.future)
        starting = asyncio.create_task(started.wait())
        await asyncio.wait({finished, starting}, return_when=asyncio.FIRST_COMPLETED)
        starting.cancel()
        if started.is_set():
            await self._record(self.store.mark_running, job_id)
        try:
            completion = await finished
        except EngineStopped:
            ran = sequence.slot is not None
            when = "while this job was running" if ran else "before this job ran"
            await self._record(self.store.mark_failed, job_id, f"the server stopped {when}")
        except Exception as error:
            await self._record(self.store.mark_failed, job_id, f"{type(error).__name__}: {error}")
        else:
            self.metrics.finished(completion)
            if await self._record(self.store.mark_done, job_id, completion):
                stored(job_id, completion)

    async def _record(self, write: Callable[..., None], *args: object) -> bool:
        """A job's own write, tried again every Retry-After until the database takes it, so
        that a refused write never leaves a finished job `running`. Once shutdown has begun
        it tries once more and gives up: the next start marks the row failed."""
        while True:
            try:
                await self.write(write, *args)
                return True
            except StorageUnavailable:
                if self._draining or not self.ready:
                    return False
                await asyncio.sleep(self.retry_after_storage)

    async def start(self) -> None:
        """Record what an earlier run left unfinished, then make one generation before the
        first client: it pays for lazy initialisation and proves that the model, the engine
        and the device work together."""
        await run_in_threadpool(self.store.fail_unfinished)
        warm_up = self.engine.submit(
            self.runner.tokenizer.encode("def "), SamplingParams(8, temperature=0)
        )
        await asyncio.wrap_future(warm_up.future)
        self.ready = self.started = True

    def begin_shutdown(self) -> None:
        """Called when the stop signal arrives: refuse new work, and give the accepted work
        DRAIN_S to finish; what is still running then is answered 503 with Retry-After."""
        if self._draining:
            return  # Ctrl+C reaches both uvicorn's reloader and this process
        self.ready, self._draining = False, True
        threading.Thread(
            target=self.engine.stop, args=(self.settings.drain_s,), name="drain", daemon=True
        ).start()

    async def stop(self, drain_s: float) -> None:
        """Refuse new work, let accepted work finish within `drain_s`, record the rest."""
        self.ready = False
        await run_in_threadpool(self.engine.stop, drain_s)
        if self._jobs:
            await asyncio.gather(*self._jobs, return_exceptions=True)
        # Refused (and logged): the next start marks this server's unfinished jobs failed.
        with contextlib.suppress(StorageUnavailable):
            await self.write(lambda: self.store.fail_unfinished(mine=True))


def stored(generation_id: int | None, completion: Completion) -> None:
    logger.info(
        "Generation %s stored: %d tokens, %s, %.1f ms",
        generation_id,
        completion.tokens,
        completion.finish_reason,
        completion.latency_ms,
    )
