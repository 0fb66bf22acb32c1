"""Characters to token ids and back. One token per character: no merges, nothing to download."""

# A newline plus the 95 printable ASCII characters: enough for almost all Python source.
DEFAULT_VOCAB = "\n" + "".join(chr(code) for code in range(32, 127))


class CharTokenizer:
    def __init__(self, vocab: str = DEFAULT_VOCAB) -> None:
        if len(set(vocab)) != len(vocab):
            raise ValueError("vocabulary characters must be unique")
        self.vocab = vocab
        self._ids = {char: index for index, char in enumerate(vocab)}

    def __len__(self) -> int:
        return len(self.vocab)

    def unknown_characters(self, text: str) -> list[str]:
        """The characters of `text` the model has never seen, each once, in order of appearance."""
        return list(dict.fromkeys(char for char in text if char not in self._ids))

    def encode(self, text: str) -> list[int]:
        return [self._ids[char] for char in text]

    def decode(self, ids: list[int]) -> str:
        return "".join(self.vocab[index] for index in ids)
