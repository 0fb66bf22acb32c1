"""The data scientist's side: tokenizer, sampling and checkpoint, without the service."""

import random
from pathlib import Path
from types import ModuleType

import pytest
import torch

WEIGHTS = Path(__file__).resolve().parents[1] / "model" / "weights" / "code-gpt.safetensors"


def test_tokenizer_round_trip_and_unknown_characters(model_package: ModuleType) -> None:
    tokenizer = model_package.CharTokenizer()
    assert len(tokenizer) == 96
    text = "def f(x):\n    return x ** 2  # ok\n"
    assert tokenizer.decode(tokenizer.encode(text)) == text
    assert tokenizer.unknown_characters("naïve\tcafé ï") == ["ï", "\t", "é"]


def test_greedy_and_top_k_sampling(model_package: ModuleType) -> None:
    logits = torch.tensor([0.1, 3.0, 2.9, -1.0])
    generator = torch.Generator().manual_seed(0)
    assert model_package.sample_token(logits, 0.0, None, generator) == 1
    picks = {model_package.sample_token(logits, 2.0, 2, generator) for _ in range(200)}
    assert picks == {1, 2}


def test_committed_checkpoint_loads_with_its_card(model_package: ModuleType) -> None:
    model, tokenizer, card = model_package.load_checkpoint(WEIGHTS, torch.device("cpu"))
    assert card.name == "code-gpt-char"
    assert card.parameters == model.num_parameters()
    assert card.vocab == tokenizer.vocab
    assert model.config.block_size == 128
    assert not model.training
    assert 0 < card.validation_loss < 2.0, "the committed model should have learned something"


def test_the_context_is_enforced(model_package: ModuleType) -> None:
    model = model_package.GPT(model_package.GPTConfig(vocab_size=8, block_size=4, n_layer=1))
    with pytest.raises(ValueError, match="exceeds the context of 4"):
        model(torch.zeros((1, 5), dtype=torch.long))


def test_save_and_load_round_trip(model_package: ModuleType, tmp_path: Path) -> None:
    config = model_package.GPTConfig(vocab_size=96, block_size=16, n_layer=1, n_head=2, n_embd=16)
    torch.manual_seed(0)
    model = model_package.GPT(config).eval()
    card = model_package.ModelCard(
        name="tiny",
        architecture="test",
        config=config.to_dict(),
        vocab=model_package.CharTokenizer().vocab,
        parameters=model.num_parameters(),
        data={},
        training={},
        validation_loss=4.5,
        created_at="2026-11-22",
    )
    model_package.save_checkpoint(model, card, tmp_path / "tiny.safetensors")
    loaded, _, loaded_card = model_package.load_checkpoint(
        tmp_path / "tiny.safetensors", torch.device("cpu")
    )
    ids = torch.tensor([[1, 2, 3]])
    assert torch.equal(model(ids)[0], loaded(ids)[0])
    assert loaded_card == card


def test_the_committed_model_prefers_python_to_noise(model_package: ModuleType) -> None:
    model, tokenizer, _ = model_package.load_checkpoint(WEIGHTS, torch.device("cpu"))
    code = (
        "def read_config(path):\n    with open(path) as handle:\n        return json.load(handle)\n"
    )
    shuffled = "".join(random.Random(0).sample(code, len(code)))

    def loss(text: str) -> float:
        ids = torch.tensor([tokenizer.encode(text)])
        with torch.no_grad():
            return model(ids[:, :-1], ids[:, 1:])[1].item()

    assert loss(code) < 1.5
    assert loss(shuffled) > loss(code) + 1.5
