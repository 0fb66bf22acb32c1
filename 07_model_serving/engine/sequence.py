"""One request's life inside the engine: waiting, then running in a slot, then finished.

This is the plain object that crosses from the service to the engine: no HTTP, no Pydantic.
"""

import enum
import random
import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from engine.constraints import TokenAutomaton


@dataclass(frozen=True)
class SamplingParams:
    max_new_tokens: int = 64
    temperature: float = 0.8  # 0 is greedy
    top_k: int | None = None
    top_p: float = 1.0
    seed: int = 0
    stop: tuple[str, ...] = ()
    logprobs: int | None = None  # report each token's log-probability and this many likeliest
    prompt_logprobs: int | None = None  # the same for each prompt token (OpenAI's `echo`)
    regex: str | None = None  # the text must match it (engine/constraints.py)


# A token (its text), its log-probability, and the likeliest tokens with theirs, best first:
# plain tuples, so that it crosses the pipe to the server as it is.
TokenLogprob = tuple[str, float, tuple[tuple[str, float], ...]]


class Status(enum.Enum):
    WAITING = "waiting"
    RUNNING = "running"
    FINISHED = "finished"


@dataclass(frozen=True)
class Completion:
    text: str
    tokens: int
    finish_reason: str  # "length" or "stop"
    latency_ms: float  # from submission to the last token, as the engine saw it
    seed: int
    queue_ms: float = 0.0  # from submission to a slot
    first_token_ms: float = 0.0  # from submission to the first token (TTFT)
    prompt_tokens: int = 0
    logprobs: tuple[TokenLogprob, ...] = ()  # one per character of `text`, when asked for
    prompt_logprobs: tuple[TokenLogprob | None, ...] = ()  # the first prompt token has none


# Called on the engine thread with the text that may be shown now, True on the last call, and
# the log-probabilities of that text's tokens when they were asked for (one token a character);
# the first call that has text or finishes puts the prompt's before them, when they were asked
# for (None for the prompt's first token, which nothing comes before).
Listener = Callable[[str, bool, tuple[TokenLogprob | None, ...]], None]


class SequenceCancelled(Exception):
    """The caller went away (disconnect, timeout); the engine freed the slot."""


@dataclass(eq=False)
class Sequence:
    prompt_ids: list[int]
    params: SamplingParams
    listener: Listener | None = None
    status: Status = Status.WAITING
    output_ids: list[int] = field(default_factory=list)
    logprobs: list[TokenLogprob] = field(default_factory=list)  # when params.logprobs is set
    prompt_logprobs: list[TokenLogprob | None] = field(default_factory=list)
    text: str = ""
    finish_reason: str | None = None
    slot: int | None = None
    submitted_at: float = 0.0  # time.perf_counter() when the engine took it
    admitted_at: float = 0.0  # ... when it got a slot
    first_token_at: float = 0.0  # ... when its first token was sampled
    future: Future[Completion] = field(default_factory=Future)
    cancelled: threading.Event = field(default_factory=threading.Event)
    automaton: "TokenAutomaton | None" = None  # params.regex's, once admitted
    state: int = 0  # where the text so far leaves the automaton
    _sent: int = 0
    _prompt_sent: bool = False

    def __post_init__(self) -> None:
        self._rng = random.Random(self.params.seed)
        self._uniforms: deque[float] = deque()  # drawn from _rng, not yet spent on a token

    def uniform(self, ahead: int) -> float:
        """The random number that will pick the token `ahead` places after the next one (0: the
        next), one number a token, in order (seeded, so a seed gives the same text): looked at,
        not spent. A speculative step samples its guesses with them and spends only those of
        the tokens it keeps."""
        while len(self._uniforms) <= ahead:
            self._uniforms.append(self._rng.random())
        return self._uniforms[ahead]

    def spend_uniform(self) -> None:
        """The next token is picked: its number is used up."""
        self.uniform(0)
        self._uniforms.popleft()

    @property
    def length(self) -> int:
        return len(self.prompt_ids) + len(self.output_ids)

    def cancel(self) -> None:
        """Ask the engine to drop this sequence at its next step."""
        self.cancelled.set()

    def append(self, token: int, char: str, context: int) -> None:
        """Add one generated token; finish on a stop string, the length, or a full context."""
        self.output_ids.append(token)
        self.text += char
        for stop in self.params.stop:
            if self.text.endswith(stop):
                self.text = self.text[: -len(stop)]
                self.finish_reason = "stop"
                return
        if len(self.output_ids) >= self.params.max_new_tokens or self.length > context:
            self.finish_reason = "length"

    def releasable_text(self) -> tuple[str, tuple[TokenLogprob | None, ...]]:
        """New text that can no longer turn out to be the start of a stop string, and the
        log-probabilities that go with it (see `Listener`)."""
        end = len(self.text)
        if self.finish_reason is None:
            end -= self._held_back()
        start = self._sent
        self._sent = max(self._sent, end)
        text = self.text[start:end]
        logprobs: tuple[TokenLogprob | None, ...] = tuple(self.logprobs[start:end])
        if (text or self.finish_reason) and not self._prompt_sent:
            self._prompt_sent = True
            logprobs = tuple(self.prompt_logprobs) + logprobs
        return text, logprobs

    def _held_back(self) -> int:
        longest = 0
        for stop in self.params.stop:
            for size in range(min(len(stop) - 1, len(self.text)), longest, -1):
                if self.text.endswith(stop[:size]):
                    longest = size
                    break
        return longest
