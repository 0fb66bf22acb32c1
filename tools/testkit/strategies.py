"""Generated inputs that find what hand-picked examples miss.

Names come mostly from a small pool, so that generated sequences of requests reuse them
(a create, then a rename onto the same name): collisions are where CRUD code goes wrong. The
pool mixes case, accents, Hangul, spaces and punctuation; now and then a name is made up
character by character, so that no table of the tests' own inputs can pass them.
"""

import functools

from hypothesis import strategies as st

POOL = [
    "ada",
    "Ada",
    "adam",
    "adele",
    "bob",
    "Bob",
    "zoë",
    "éva",
    "김민준",
    "a b",
    "x-1",
    "ß",
    "10",
]
# Printable characters that a path segment carries once percent-encoded. Left out: "/" (a
# segment cannot hold it), quotes and backslashes (Python's repr() of a name would escape them,
# which is beside any lesson's point), and "." alone or "..", which URLs resolve away.
SAFE_CHARACTERS = st.characters(
    codec="utf-8",
    categories=("L", "N", "P", "S", "Zs"),
    exclude_characters="/\\'\"",
)


@functools.cache  # one strategy object per size: Hypothesis analyses a filter's lambda once
def made_up(max_size: int = 12) -> st.SearchStrategy[str]:
    return st.text(SAFE_CHARACTERS, min_size=1, max_size=max_size).filter(
        lambda text: text.isprintable() and text.strip(".") != "" and text == text.strip()
    )


@functools.cache
def names(max_size: int = 12) -> st.SearchStrategy[str]:
    """Mostly from the pool, sometimes made up; always 1 to `max_size` characters."""
    pool = [name for name in POOL if len(name) <= max_size]
    return st.one_of(st.sampled_from(pool), st.sampled_from(pool), made_up(max_size))


def near(values: list[str] | set[str], max_size: int = 12) -> st.SearchStrategy[str]:
    """A value that is in `values`, or differs from one of them only a little (another case,
    one character less or more), or any name: where equality, case and prefixes get mixed up."""
    if not values:
        return names(max_size)
    known = sorted(values)
    changed = {v.swapcase() for v in known} | {v[:-1] for v in known} | {v + "x" for v in known}
    changed = {v for v in changed if 1 <= len(v) <= max_size and v == v.strip() and v.strip(".")}
    choices = [st.sampled_from(known), st.sampled_from(known), names(max_size)]
    if changed - set(known):
        choices.append(st.sampled_from(sorted(changed - set(known))))
    return st.one_of(choices)
