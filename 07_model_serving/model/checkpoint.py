"""Save and load the trained model: weights in safetensors, facts about them in a JSON card."""

import json
from pathlib import Path
from typing import Any

import torch
from pydantic import BaseModel
from safetensors import SafetensorError
from safetensors.torch import load_model, save_model

from model.chat_template import ChatTemplate
from model.gpt import GPT, GPTConfig
from model.tokenizer import CharTokenizer


class ModelCard(BaseModel):
    """What a reader (or the service) needs to know about a set of weights."""

    name: str
    architecture: str
    config: dict[str, Any]
    vocab: str
    parameters: int
    data: dict[str, Any]
    training: dict[str, Any]
    validation_loss: float
    created_at: str
    chat_template: ChatTemplate = ChatTemplate()  # how /v1/chat/completions writes a chat


class CheckpointError(Exception):
    """The weights or their card are missing or unreadable; the message names the file."""


def card_path(weights: Path) -> Path:
    return weights.with_suffix(".json")


def save_checkpoint(model: GPT, card: ModelCard, weights: Path) -> None:
    weights.parent.mkdir(parents=True, exist_ok=True)
    save_model(model, str(weights), metadata={"name": card.name})
    card_path(weights).write_text(card.model_dump_json(indent=2) + "\n")


def load_checkpoint(weights: Path, device: torch.device) -> tuple[GPT, CharTokenizer, ModelCard]:
    """Load the model in eval mode on `device`, with its tokenizer and card."""
    card_file = card_path(weights)
    for path in (weights, card_file):
        if not path.is_file():
            raise CheckpointError(f"model file not found: {path}")
    try:
        card = ModelCard.model_validate(json.loads(card_file.read_text()))
    except (ValueError, UnicodeDecodeError) as error:
        raise CheckpointError(f"model card is not valid: {card_file}: {error}") from None
    model = GPT(GPTConfig(**card.config))
    try:
        missing, unexpected = load_model(model, str(weights), strict=False, device="cpu")
    except (SafetensorError, OSError, RuntimeError, ValueError) as error:
        reason = str(error).splitlines()[0]
        raise CheckpointError(f"model weights are not readable: {weights}: {reason}") from None
    if missing or unexpected:
        raise CheckpointError(
            f"model weights do not match the card: {weights}: missing {sorted(missing)}, "
            f"unexpected {sorted(unexpected)}"
        )
    return model.to(device).eval(), CharTokenizer(card.vocab), card
