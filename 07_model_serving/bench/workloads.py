"""Request lists for `make bench-7-vllm`: lengths drawn like ShareGPT's, scaled to a 128 context.

ShareGPT's conversations (vLLM's default benchmark data) have prompt and output lengths that
are roughly log-normal, with a long tail. This model's context is 128 characters, so the draw
keeps their shape at a smaller scale: prompts of median 16 characters, outputs of median 40,
prompt plus output at most the context. The prompts' text is Python source, cut from the
standard library's `textwrap.py` (the kind of text the model was trained on). A fixed seed
gives the same list on every run.
"""

import inspect
import random
import textwrap

PROMPT_MEDIAN, PROMPT_SIGMA = 16, 0.8
OUTPUT_MEDIAN, OUTPUT_SIGMA = 40, 0.9


def source_text(vocab: str) -> str:
    allowed = set(vocab)
    return "".join(char for char in inspect.getsource(textwrap) if char in allowed)


def sharegpt_like(count: int, context: int, vocab: str, seed: int) -> list[tuple[str, int]]:
    """`count` (prompt, max_tokens) pairs."""
    rng = random.Random(seed)
    text = source_text(vocab)
    requests = []
    for _ in range(count):
        prompt_length = max(
            1, min(context // 2, round(rng.lognormvariate(0, PROMPT_SIGMA) * PROMPT_MEDIAN))
        )
        output = round(rng.lognormvariate(0, OUTPUT_SIGMA) * OUTPUT_MEDIAN)
        output = max(1, min(context - prompt_length, output))
        start = rng.randrange(len(text) - prompt_length)
        requests.append((text[start : start + prompt_length], output))
    return requests
