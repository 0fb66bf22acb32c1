"""The course's model as a Hugging Face GPT-2 folder, which vLLM (or `transformers`) can load.

The folder holds `config.json` and `model.safetensors` (the weights under GPT-2's names, as
bench/peer.py maps them), and a `tokenizer.json` with one token per character: a BPE model with
the course's vocabulary and no merges, whose pieces are joined back with nothing in between.
Given the same logits and the same tokens, vLLM's greedy text is then the chapter's own
(tests/test_peer_conversion.py checks the logits and the tokenizer).
"""

import json
from pathlib import Path

import torch
from tokenizers import Tokenizer, decoders, models

from bench.peer import to_gpt2
from model import load_checkpoint


def char_tokenizer(vocab: str) -> Tokenizer:
    tokenizer = Tokenizer(models.BPE(vocab={char: i for i, char in enumerate(vocab)}, merges=[]))
    tokenizer.decoder = decoders.Fuse()
    return tokenizer


def write_folder(weights: Path, folder: Path) -> Path:
    """Write the folder (again, if it is there) and return it."""
    model, tokenizer, card = load_checkpoint(weights, torch.device("cpu"))
    folder.mkdir(parents=True, exist_ok=True)
    to_gpt2(model).save_pretrained(folder, safe_serialization=True)
    char_tokenizer(tokenizer.vocab).save(str(folder / "tokenizer.json"))
    config = {
        "tokenizer_class": "PreTrainedTokenizerFast",
        "model_max_length": model.config.block_size,
        "clean_up_tokenization_spaces": False,
    }
    (folder / "tokenizer_config.json").write_text(json.dumps(config, indent=2) + "\n")
    (folder / "served_name.txt").write_text(card.name + "\n")
    return folder
