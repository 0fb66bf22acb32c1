"""Continuous batching: one thread owns the model and advances every running sequence together.

Each step of the loop:
1. admit waiting sequences into free slots, at most a context's worth of prompt tokens per
   step, so that a burst of new prompts never stalls the running sequences for long;
2. run ONE forward pass that decodes a token for each running sequence (the fewest slots,
   from the first, that hold them all) and prefills the new prompts (filling their slots),
   packed together (engine/buckets.py proves which sizes keep every row's bits; a prompt
   longer than a chunk takes more passes); the decode rows that no sequence holds check
   guessed tokens instead (speculative decoding, engine/speculation.py), and a sequence keeps
   the guesses it would have picked;
3. sample every row's token in one call: a running sequence's next one, a new sequence's first;
4. retire the sequences that finished (length, stop string, full context, cancelled): their
   callers are answered at once, and their slots take new sequences at the next step.
"""

import contextlib
import logging
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterator
from concurrent.futures import InvalidStateError
from dataclasses import dataclass

import torch

from engine.buckets import bucket
from engine.constraints import automaton
from engine.runner import ModelRunner
from engine.scheduler import Scheduler
from engine.sequence import (
    Completion,
    Listener,
    SamplingParams,
    Sequence,
    SequenceCancelled,
    Status,
    TokenLogprob,
)
from engine.speculation import propose
from model import sample_rows, token_logprob

logger = logging.getLogger("chapter07.engine")
RECENT_STEPS = 200


class EngineStopped(Exception):
    """The engine is shutting down and takes no more work, or stopped before finishing this."""


@dataclass(frozen=True)
class EngineStats:
    waiting: int
    running: int
    slots: int
    mean_batch_size: float
    requests_served: int
    tokens_generated: int
    tokens_per_second: float
    prefix_cache_queries: int  # prompt tokens looked up in the prefix cache (whole blocks)
    prefix_cache_hits: int  # ... found there: copied into the slot, not computed
    spec_draft_tokens: int  # guessed tokens checked by speculative decoding
    spec_accepted_tokens: int  # ... that the model picked itself: tokens gained, steps saved


@dataclass
class StepTimes:
    """Where the engine's time went, summed over its steps since it started (seconds)."""

    steps: int = 0
    step_s: float = 0.0  # whole steps: admit, prefill, decode, sample, answer, send the news
    model_s: float = 0.0  # inside the model's forward passes (decode and prefill)
    sample_s: float = 0.0  # picking the tokens from the logits


# A row of a decode step: the sequence, how many guessed tokens come before this row's token
# (0: the sequence's own row), and where those leave the sequence's pattern (structured output).
Row = tuple[Sequence, int, int]


class Engine:
    def __init__(
        self,
        runner: ModelRunner,
        max_waiting: int,
        on_step: Callable[[], None] | None = None,
        speculative_tokens: int = 0,
    ) -> None:
        self.runner = runner
        self.speculative_tokens = speculative_tokens  # most guesses a sequence gets a step
        self._on_step = on_step  # called after every step: the engine process sends its news
        self.scheduler = Scheduler(runner.slots, max_waiting)
        self._lock = threading.Condition()
        self._accepting = True
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="engine", daemon=True)
        # (time, running sequences, tokens they got) for each recent step
        self._recent: deque[tuple[float, int, int]] = deque(maxlen=RECENT_STEPS)
        self._served = 0
        self._generated = 0
        self._drafted = 0
        self._accepted = 0
        self._times = StepTimes()
        self._characters = [runner.tokenizer.decode([i]) for i in range(len(runner.tokenizer))]
        # BEGIN SOLUTION ch07.ex4: a count of finished sequences per finish reason
        self._finish_reasons: Counter[str] = Counter()
        # END SOLUTION

    @property
    def max_waiting(self) -> int:
        return self.scheduler.max_waiting

    def start(self) -> None:
        self.runner.mixed_buckets  # noqa: B018 (proves every pass's sizes before the first request)
        self._thread.start()

    def is_alive(self) -> bool:
        return self._thread.is_alive()

    def submit(
        self, prompt_ids: list[int], params: SamplingParams, listener: Listener | None = None
    ) -> Sequence:
        sequence = Sequence(prompt_ids, params, listener, submitted_at=time.perf_counter())
        with self._lock:
            if not self._accepting:
                raise EngineStopped
            self.scheduler.add(sequence)  # raises QueueFull
            self._lock.notify()
        return sequence

    def stats(self) -> EngineStats:
        with self._lock:
            waiting = sum(not s.cancelled.is_set() for s in self.scheduler.waiting)
            running = len(self.scheduler.running())
            recent = list(self._recent)
        prefix = self.runner.prefix_cache.stats
        prefix_block = self.runner.prefix_cache.block
        now = time.monotonic()
        window = [(at, tokens) for at, _, tokens in recent if now - at <= 10.0]
        seconds = now - window[0][0] if len(window) > 1 else 0.0
        return EngineStats(
            waiting=waiting,
            running=running,
            slots=self.runner.slots,
            mean_batch_size=round(sum(s for _, s, _ in recent) / len(recent), 2) if recent else 0.0,
            requests_served=self._served,
            tokens_generated=self._generated,
            tokens_per_second=round(sum(t for _, t in window[1:]) / seconds, 1) if seconds else 0.0,
            prefix_cache_queries=prefix.queries * prefix_block,
            prefix_cache_hits=prefix.hits * prefix_block,
            spec_draft_tokens=self._drafted,
            spec_accepted_tokens=self._accepted,
        )

    def step_times(self) -> StepTimes:
        with self._lock:
            return StepTimes(**vars(self._times))

    # BEGIN SOLUTION ch07.ex3: the engine's occupied_slots() method
    def occupied_slots(self) -> list[tuple[int, int, int]]:
        """(slot, prompt tokens, generated tokens) for every slot in use, in slot order."""
        with self._lock:
            return [
                (slot, len(sequence.prompt_ids), len(sequence.output_ids))
                for slot, sequence in enumerate(self.scheduler.slots)
                if sequence is not None
            ]

    # END SOLUTION
    # BEGIN SOLUTION ch07.ex4: the engine's finish_reasons() method
    def finish_reasons(self) -> dict[str, int]:
        """How many sequences finished for each reason since the engine started."""
        with self._lock:
            return {"length": self._finish_reasons["length"], "stop": self._finish_reasons["stop"]}

    # END SOLUTION
    def stop(self, drain_s: float) -> None:
        """Take no new work; give what was accepted `drain_s` to finish; stop the rest."""
        with self._lock:
            self._accepting = False
        deadline = time.monotonic() + drain_s
        while time.monotonic() < deadline:
            with self._lock:
                if not self.scheduler.has_work():
                    break
            time.sleep(0.01)
        with self._lock:
            self._stopping = True
            self._lock.notify()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        while True:
            with self._lock:
                while not self._stopping and not self.scheduler.has_work():
                    self._lock.wait()
                if self._stopping:
                    leftovers = self.scheduler.take_waiting() + self.scheduler.running()
                    for sequence in leftovers:
                        self.scheduler.release(sequence)
                    break
                admitted = self.scheduler.admit(budget=self.runner.context)
            started = time.perf_counter()
            try:
                self._step(admitted)
            except Exception as error:  # a bug here must not kill the engine: fail, go on
                logger.exception("The engine's step failed; its running requests get the error")
                for sequence in [s for s in self.scheduler.slots if s is not None]:
                    self._fail(sequence, error)
            if self._on_step is not None:
                self._on_step()
            with self._lock:
                self._times.steps += 1
                self._times.step_s += time.perf_counter() - started
        for sequence in leftovers:
            self._fail(sequence, EngineStopped())
        if self._on_step is not None:
            self._on_step()

    def _step(self, admitted: list[Sequence]) -> None:
        slots = self.scheduler.slots
        for sequence in [s for s in slots if s is not None and s.cancelled.is_set()]:
            self._fail(sequence, SequenceCancelled())
        new = self._prepare([s for s in admitted if s.status is Status.RUNNING])
        running = [s for s in slots if s is not None and s not in new]
        if not running and not new:
            return
        rows, tokens, positions, row_slots, chains, drafts = self._decode_rows(running)
        rows += [(s, 0, s.state) for s in new]
        try:
            with self._timed("model_s"):
                prompts = [(s.slot, s.prompt_ids) for s in new]
                logits = self.runner.step(prompts, tokens, positions, row_slots)
            picked = self._sample(logits, rows)
        except Exception as error:
            logger.exception(
                "The model failed in a step; its %d requests get the error", len(running + new)
            )
            for sequence in running + new:
                self._fail(sequence, error)
            return
        generated, drafted, accepted = self._generated, 0, 0
        first = len(tokens)
        for row, sequence in enumerate(new, start=first):
            self._advance(sequence, picked[row], logits, row)
        for sequence, chain in chains.items():
            draft = drafts.get(sequence, [])
            drafted += len(draft)
            accepted += self._keep(sequence, draft, chain, picked, logits)
        with self._lock:
            served = len(running) + len(new)  # the sequences this step gave a token
            self._recent.append((time.monotonic(), served, self._generated - generated))
            self._drafted += drafted
            self._accepted += accepted

    def _prepare(self, admitted: list[Sequence]) -> list[Sequence]:
        """The admitted sequences, told that they run, with what their prompts need before the
        pass (a pattern's automaton, the prompt's log-probabilities): those that are ready."""
        ready = []
        for sequence in admitted:
            sequence.admitted_at = time.perf_counter()
            self._notify(sequence, "", False)  # it has a slot: it is running
            try:
                if sequence.params.regex is not None:
                    vocabulary = self.runner.tokenizer.vocab
                    sequence.automaton = automaton(sequence.params.regex, vocabulary)
                    sequence.state = sequence.automaton.initial
                if sequence.params.prompt_logprobs is not None:
                    with self._timed("model_s"):
                        self._score_prompt(sequence, sequence.params.prompt_logprobs)
            except Exception as error:
                logger.exception("A prompt could not be prepared; that request gets the error")
                self._fail(sequence, error)
                continue
            ready.append(sequence)
        return ready

    def _score_prompt(self, sequence: Sequence, top: int) -> None:
        """Each prompt token's log-probability after the ones before it (OpenAI's `echo` with
        `logprobs`), from one forward pass of its own: the cached prefill, and so the tokens
        generated, are the same as without it."""
        ids = sequence.prompt_ids
        logits = self.runner.prompt_logits(ids)
        sequence.prompt_logprobs = [None]
        sequence.prompt_logprobs += [
            self._token_logprob(logits[i - 1], ids[i], top) for i in range(1, len(ids))
        ]

    def _token_logprob(self, logits: torch.Tensor, token: int, top: int) -> TokenLogprob:
        token, logprob, best = token_logprob(logits, token, top)
        text = self.runner.tokenizer.decode
        return text([token]), logprob, tuple((text([other]), value) for other, value in best)

    def _decode_rows(
        self, running: list[Sequence]
    ) -> tuple[
        list[Row | None], list[int], list[int], list[int] | None, dict, dict[Sequence, list[int]]
    ]:
        """The step's decode rows: the fewest slots, from the first, that hold every running
        sequence (a proven size), each sequence's token at its position; the rows that no
        sequence holds take guesses, which read and write their sequence's slot at the
        positions after its own. (rows, tokens, positions, each row's slot or None when row i
        is slot i, each sequence's rows (its own first), each sequence's guesses)."""
        if not running:
            return [], [], [], None, {}, {}
        slots = self.scheduler.slots
        size = bucket(self.runner.buckets, max(s.slot for s in running) + 1)
        held = set(running)
        rows: list[Row | None] = [(s, 0, s.state) if s in held else None for s in slots[:size]]
        tokens = [row[0].output_ids[-1] if row else 0 for row in rows]
        positions = [row[0].length - 1 if row else 0 for row in rows]
        chains = {s: [s.slot] for s in running}
        drafts = self._draft(running, rows.count(None))
        free = (i for i, row in enumerate(rows) if row is None)
        for sequence, draft in drafts.items():
            state = sequence.state
            for depth, token in enumerate(draft, start=1):
                if sequence.automaton is not None:
                    state = sequence.automaton.advance(state, token)
                row = next(free)
                rows[row] = (sequence, depth, state)
                tokens[row], positions[row] = token, sequence.length - 1 + depth
                chains[sequence].append(row)
        row_slots = [row[0].slot if row else i for i, row in enumerate(rows)] if drafts else None
        return rows, tokens, positions, row_slots, chains, drafts

    def _draft(self, running: list[Sequence], free_rows: int) -> dict[Sequence, list[int]]:
        """Guesses for the sequences (engine/speculation.py), as many as the free rows hold:
        the first guess of each sequence, then the second, and so on. None when fewer rows are
        free than sequences run: a step with guesses copies every row's slot, and a few guesses
        among many sequences do not pay for that (bench/speculation.py measured it)."""
        if not self.speculative_tokens or free_rows < len(running):
            return {}
        wanted = {}
        for sequence in running:
            room = min(
                self.speculative_tokens,
                sequence.params.max_new_tokens - len(sequence.output_ids) - 1,
                self.runner.context - sequence.length,
            )
            draft = propose(sequence.prompt_ids + sequence.output_ids, room)
            if sequence.automaton is not None:
                draft = self._allowed_start(sequence, draft)
            if draft:
                wanted[sequence] = draft
        given = dict.fromkeys(wanted, 0)
        for depth in range(self.speculative_tokens):
            for sequence, draft in wanted.items():
                if free_rows and len(draft) > depth:
                    given[sequence] += 1
                    free_rows -= 1
        return {sequence: wanted[sequence][:count] for sequence, count in given.items() if count}

    @staticmethod
    def _allowed_start(sequence: Sequence, draft: list[int]) -> list[int]:
        """The guesses that the sequence's pattern allows, up to one that would end it."""
        automaton, state = sequence.automaton, sequence.state
        kept = []
        for token in draft:
            if not automaton.allows(state, token):  # type: ignore[union-attr]
                break
            state = automaton.advance(state, token)  # type: ignore[union-attr]
            if automaton.finished(state):  # type: ignore[union-attr]
                break
            kept.append(token)
        return kept

    def _keep(
        self,
        sequence: Sequence,
        draft: list[int],
        chain: list[int],
        picked: list[int],
        logits: torch.Tensor,
    ) -> int:
        """Take the sequence's own pick (the first of its rows, `chain`), then each guess's pick
        while the guess before it was what the model picked: exactly the tokens that steps
        without guesses would have given. How many guesses were kept that saved a step."""
        accepted = 0
        for depth, row in enumerate(chain):
            token = picked[row]
            self._advance(sequence, token, logits, row)
            if depth == len(draft) or token != draft[depth]:
                break
            if sequence.finish_reason is not None or sequence.cancelled.is_set():
                break  # it ended on this token: the guess saved no step
            accepted += 1
        return accepted

    @contextlib.contextmanager
    def _timed(self, part: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            elapsed = time.perf_counter() - started
            with self._lock:
                setattr(self._times, part, getattr(self._times, part) + elapsed)

    def _sample(self, logits: torch.Tensor, rows: list[Row | None]) -> list[int]:
        with self._timed("sample_s"):
            return self._pick(logits, rows)

    def _pick(self, logits: torch.Tensor, rows: list[Row | None]) -> list[int]:
        held = [i for i, row in enumerate(rows) if row is not None]
        if len(held) < len(rows):  # a row that no sequence holds is never read: not picked
            picked = [0] * len(rows)
            if held:
                chosen = self._pick(logits[held], [rows[i] for i in held])
                for i, token in zip(held, chosen, strict=True):
                    picked[i] = token
            return picked
        vocabulary = logits.shape[-1]
        constrained = [(i, row) for i, row in enumerate(rows) if row and row[0].automaton]
        if constrained:  # structured output: what the pattern forbids cannot be picked
            logits = logits.clone()  # the raw logits stay as they are, for logprobs
            for i, (sequence, _, state) in constrained:
                allowed = sequence.automaton.allowed(state)  # type: ignore[union-attr]
                logits[i].masked_fill_(~allowed, float("-inf"))
        numbers = []
        for sequence, depth, _ in rows:  # type: ignore[misc]
            params = sequence.params
            # A guess's row uses the number its token would get: the same pick as without guesses.
            uniform = sequence.uniform(depth)
            numbers.append((params.temperature, params.top_k or vocabulary, params.top_p, uniform))
        return sample_rows(logits, numbers)

    def _advance(self, sequence: Sequence, token: int, logits: torch.Tensor, row: int) -> None:
        """Give the sequence its token, picked from row `row` of the step's `logits`."""
        if sequence.params.logprobs is not None:
            with self._timed("sample_s"):
                entry = self._token_logprob(logits[row], token, sequence.params.logprobs)
                sequence.logprobs.append(entry)
        char = self._characters[token]
        sequence.spend_uniform()
        sequence.append(token, char, self.runner.context)
        if sequence.automaton is not None:
            sequence.state = sequence.automaton.advance(sequence.state, token)
            if sequence.automaton.finished(sequence.state):
                sequence.finish_reason = "stop"  # a whole match that nothing could extend
        if len(sequence.output_ids) == 1:
            sequence.first_token_at = time.perf_counter()
        self._generated += 1
        finished = sequence.finish_reason is not None
        text, logprobs = sequence.releasable_text()
        if text or finished:  # a call with no text and not finished means "admitted"
            self._notify(sequence, text, finished, logprobs)
        if finished:
            self._finish(sequence)

    def _notify(
        self,
        sequence: Sequence,
        text: str,
        finished: bool,
        logprobs: tuple[TokenLogprob | None, ...] = (),
    ) -> None:
        if sequence.listener is None:
            return
        try:
            sequence.listener(text, finished, logprobs)
        except Exception:
            logger.exception("A listener failed; its sequence is cancelled")
            sequence.cancel()

    def _finish(self, sequence: Sequence) -> None:
        finish_reason = sequence.finish_reason or "length"
        with self._lock:
            self.scheduler.release(sequence)
            self._served += 1
            # BEGIN SOLUTION ch07.ex4: count this sequence under its finish reason
            self._finish_reasons[finish_reason] += 1
            # END SOLUTION

        def since_submitted(moment: float) -> float:
            return round((moment - sequence.submitted_at) * 1000, 1)

        completion = Completion(
            text=sequence.text,
            tokens=len(sequence.output_ids),
            finish_reason=finish_reason,
            latency_ms=since_submitted(time.perf_counter()),
            seed=sequence.params.seed,
            queue_ms=since_submitted(sequence.admitted_at),
            first_token_ms=since_submitted(sequence.first_token_at),
            prompt_tokens=len(sequence.prompt_ids),
            logprobs=tuple(sequence.logprobs[: len(sequence.text)]),  # not a stop string's
            prompt_logprobs=tuple(sequence.prompt_logprobs),
        )
        sequence.future.set_result(completion)

    def _fail(self, sequence: Sequence, error: Exception) -> None:
        with self._lock:
            self.scheduler.release(sequence)
        with contextlib.suppress(InvalidStateError):  # a waiting caller may cancel it now
            sequence.future.set_exception(error)
        self._notify(sequence, "", True)
