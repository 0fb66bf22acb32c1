"""Speculative decoding by prompt lookup: guess the next tokens from the text so far.

Code repeats itself: a name, an argument list, `self.` ... The guess (the *draft*) is what
followed the latest earlier occurrence of the text's last few tokens: the idea of "prompt lookup
decoding" and of vLLM's `ngram` method (whose defaults differ); no second model. The engine
checks a draft in the same decode step as the sequence's own token, in rows the step computes
anyway (engine/engine.py), and keeps the guesses the model would have chosen itself.
"""

LONGEST_MATCH = 4  # the last tokens looked up: 4, then 3, 2, 1, the first found wins
SHORTEST_MATCH = 1


def propose(tokens: list[int], size: int) -> list[int]:
    """Up to `size` tokens that followed the latest earlier occurrence of the longest ending of
    `tokens` (LONGEST_MATCH down to SHORTEST_MATCH tokens long); [] when there is none."""
    if size <= 0:
        return []
    text = "".join(map(chr, tokens))  # one character a token: str.rfind does the search
    for length in range(min(LONGEST_MATCH, len(text) - 1), SHORTEST_MATCH - 1, -1):
        found = text.rfind(text[-length:], 0, len(text) - 1)
        if found >= 0:
            start = found + length
            return tokens[start : start + size]
    return []
