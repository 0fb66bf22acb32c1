"""Structured output: a regular expression the generated text must match, as a mask on logits.

The pattern becomes a finite automaton (interegular, as vLLM's outlines backend uses). One
token is one character here, so the automaton reads tokens directly, with no token boundaries
to handle. At each step a token is allowed only if its character leads to a state from which a
whole match can still be reached with the model's characters: a sequence can never walk into a
dead end, and a pattern that no text of those characters matches is refused before it runs.

The model has no end-of-text token, so the engine ends a constrained sequence once its text
matches and no character could extend the match; a pattern that can always go on (`[0-9]+`)
goes on until `max_tokens`.
"""

import functools
import re
import subprocess
import sys

import interegular
import torch
from torch import Tensor

MAX_PATTERN_LENGTH = 512
MAX_STATES = 4096  # the automaton's size: a pattern past it is refused
COMPILE_WITHIN_S = 2.0  # the child's start (about 0.1 s) included
# Some short patterns have automatons of exponential size (`.*a.{30}`): a pattern is first
# compiled in a child process that is killed past COMPILE_WITHIN_S, so no server ever hangs
# on one. Only interegular is imported there, so the child starts quickly.
TRIAL = "import sys, interegular; interegular.parse_pattern(sys.argv[1]).to_fsm()"
REPEATS = re.compile(r"[*+{]")  # outside escapes: what can make an automaton explode


class PatternError(ValueError):
    """The pattern cannot constrain this model: the message says why."""


class TokenAutomaton:
    def __init__(self, pattern: str, vocabulary: str) -> None:
        try:
            fsm = interegular.parse_pattern(pattern).to_fsm()
        except Exception as error:  # interegular raises several kinds for what it cannot take
            why = str(error) or (
                "it is not a valid regular expression (an unbalanced bracket, or a quantifier "
                "with nothing before it)"
            )
            if why in ("'^'", "'$'"):
                why = f"the anchor {why} is not supported, nor needed: the whole text must match"
            raise PatternError(f"the pattern cannot be used: {why}") from None
        if len(fsm.states) > MAX_STATES:
            raise PatternError(f"the pattern needs more than {MAX_STATES} states")
        edges = {
            state: {
                token: fsm.map[state][fsm.alphabet[char]]
                for token, char in enumerate(vocabulary)
                if fsm.alphabet[char] in fsm.map.get(state, {})
            }
            for state in fsm.states
        }
        live = set(fsm.finals)  # the states from which a match can still be completed
        while grown := {s for s, out in edges.items() if s not in live and live & {*out.values()}}:
            live |= grown
        if fsm.initial not in live:
            raise PatternError("no text made of the model's characters matches the pattern")
        self.initial: int = fsm.initial
        self._finals = frozenset(fsm.finals)
        self._edges = {
            state: {token: to for token, to in out.items() if to in live}
            for state, out in edges.items()
            if state in live
        }
        self._size = len(vocabulary)
        if not self._edges[self.initial]:
            raise PatternError("the pattern matches only the empty text")

    @functools.cache  # noqa: B019 (automatons are cached for the process's life anyway)
    def allowed(self, state: int) -> Tensor:
        """A mask over the vocabulary: True for the tokens that may come next."""
        mask = torch.zeros(self._size, dtype=torch.bool)
        mask[list(self._edges[state])] = True
        return mask

    def allows(self, state: int, token: int) -> bool:
        return token in self._edges[state]

    def advance(self, state: int, token: int) -> int:
        return self._edges[state][token]

    def finished(self, state: int) -> bool:
        """The text matches, and no character could make it a longer match."""
        return state in self._finals and not self._edges[state]


@functools.lru_cache(maxsize=128)
def automaton(pattern: str, vocabulary: str) -> TokenAutomaton:
    """The pattern's automaton over these characters, built once per process. Call
    `compiles_in_time` first for a pattern from outside."""
    check_length(pattern)
    return TokenAutomaton(pattern, vocabulary)


@functools.lru_cache(maxsize=1024)
def compiles_in_time(pattern: str) -> None:
    """Raise PatternError unless the pattern compiles within COMPILE_WITHIN_S (in a child)."""
    check_length(pattern)
    if not REPEATS.search(re.sub(r"\\.", "", pattern)):
        return  # no repetition (a `choice`, say): its automaton grows with its length only
    try:
        subprocess.run(
            [sys.executable, "-c", TRIAL, pattern],
            capture_output=True,
            timeout=COMPILE_WITHIN_S,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise PatternError("the pattern's automaton is too large to build in time") from None


def check_length(pattern: str) -> None:
    """A `choice` pattern is not held to the schema's limit on `regex`: it is checked here."""
    if len(pattern) > MAX_PATTERN_LENGTH:
        raise PatternError(f"the pattern is longer than {MAX_PATTERN_LENGTH} characters")


def choice_pattern(choices: tuple[str, ...]) -> str:
    """A pattern that matches exactly one of `choices` (each taken literally)."""
    special = set("\\.^$*+?{}[]|()")
    return "|".join("".join("\\" + c if c in special else c for c in text) for text in choices)
