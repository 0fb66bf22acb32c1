"""The data scientist's side: tokenizer, sampling and checkpoint, without the service."""

import random
from pathlib import Path
from types import ModuleType

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

WEIGHTS = Path(__file__).resolve().parents[1] / "model" / "weights" / "code-gpt.safetensors"


def test_tokenizer_round_trip_and_unknown_characters(model_package: ModuleType) -> None:
    tokenizer = model_package.CharTokenizer()
    assert len(tokenizer) == 96
    text = "def f(x):\n    return x ** 2  # ok\n"
    assert tokenizer.decode(tokenizer.encode(text)) == text
    assert tokenizer.unknown_characters("naïve\tcafé ï") == ["ï", "\t", "é"]


def sample(model_package: ModuleType, logits: torch.Tensor, **row: float) -> int:
    params = {"temperature": 1.0, "top_k": logits.numel(), "top_p": 1.0, "uniform": 0.5} | row
    tensors = {name: torch.tensor([value]) for name, value in params.items()}
    return int(model_package.sample_tokens(logits[None, :], **tensors)[0])


def test_greedy_top_k_and_top_p_sampling(model_package: ModuleType) -> None:
    logits = torch.tensor([0.1, 3.0, 2.9, -1.0])
    assert sample(model_package, logits, temperature=0.0, uniform=0.99) == 1
    uniforms = [i / 200 for i in range(200)]
    top_two = {sample(model_package, logits, temperature=2.0, top_k=2, uniform=u) for u in uniforms}
    assert top_two == {1, 2}
    everything = {sample(model_package, logits, temperature=2.0, uniform=u) for u in uniforms}
    assert everything == {0, 1, 2, 3}
    nucleus = {sample(model_package, logits, top_p=0.3, uniform=u) for u in uniforms}
    assert nucleus == {1}, "top_p 0.3 keeps only the likeliest token here"


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    rows=st.lists(
        st.tuples(  # each of a row's parameters is off (no cut) about half of the time
            st.sampled_from([0.0, 0.0, 1e-7, 0.3, 0.8, 1.0, 1.7]),
            st.sampled_from([96, 200, 96, 200, 1, 5, 40]),
            st.sampled_from([1.0, 1.0, 1.0, 0.01, 0.5, 0.9]),
            st.floats(0, 1, exclude_max=True),
        ),
        min_size=1,
        max_size=6,
    ),
    seed=st.integers(0, 2**16),
    scale=st.sampled_from([0.5, 2.0, 5.0]),
)
def test_sample_rows_picks_what_sample_tokens_picks(
    model_package: ModuleType, rows: list[tuple[float, int, float, float]], seed: int, scale: float
) -> None:
    """The engine's entry (plain numbers, the checks made in Python) and the tensor one agree,
    with greedy, top-k and top-p rows mixed in any way."""
    logits = torch.randn(len(rows), 96, generator=torch.Generator().manual_seed(seed)) * scale
    columns = torch.tensor(list(zip(*rows, strict=True)))
    expected = model_package.sample_tokens(logits, *columns).tolist()
    assert model_package.sample_rows(logits, rows) == expected


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    rows=st.lists(
        st.tuples(
            st.sampled_from([1e-7, 0.3, 0.8, 1.0, 1.7]),
            st.sampled_from([96, 200, 1, 5, 40]),
            st.sampled_from([1.0, 1.0, 0.5, 0.9]),
            st.one_of(  # Python's random() gives up to 1 - 2**-53, which is 1.0 as a float32
                st.floats(0, 1, exclude_max=True),
                st.sampled_from([1 - 2**-53, 1 - 2**-25, 1 - 2**-24]),
            ),
        ),
        min_size=1,
        max_size=6,
    ),
    seed=st.integers(0, 2**16),
)
def test_a_token_without_probability_is_never_picked(
    model_package: ModuleType, rows: list[tuple[float, int, float, float]], seed: int
) -> None:
    """A token whose logit is minus infinity (one a pattern forbids) has probability 0, and no
    uniform number below 1 picks it, even one that a float32 rounds up to 1."""
    generator = torch.Generator().manual_seed(seed)
    logits = torch.randn(len(rows), 96, generator=generator) * 3
    forbidden = torch.rand(len(rows), 96, generator=generator) < 0.7
    forbidden[:, 0] = False  # a pattern always allows some token
    logits[forbidden] = float("-inf")
    picked = model_package.sample_rows(logits, rows)
    assert not any(forbidden[row, token] for row, token in enumerate(picked))
    columns = torch.tensor(list(zip(*rows, strict=True)))
    assert model_package.sample_tokens(logits, *columns).tolist() == picked


def test_rows_are_sampled_independently(model_package: ModuleType) -> None:
    torch.manual_seed(0)
    logits = torch.randn(8, 96) * 3
    temperature, top_k = torch.full((8,), 0.9), torch.full((8,), 40)
    top_p, uniform = torch.full((8,), 0.95), torch.rand(8)
    together = model_package.sample_tokens(logits, temperature, top_k, top_p, uniform)
    for row in range(8):
        alone = model_package.sample_tokens(
            logits[row : row + 1],
            temperature[row : row + 1],
            top_k[row : row + 1],
            top_p[row : row + 1],
            uniform[row : row + 1],
        )
        assert int(alone[0]) == int(together[row])


def committed(model_package: ModuleType) -> tuple[object, object]:
    model, tokenizer, _ = model_package.load_checkpoint(WEIGHTS, torch.device("cpu"))
    return model, tokenizer


def prefill(model_package: ModuleType, model: object, ids: list[int], cache: object, slot: int):
    """The prompt alone, one chunk a pass, each pass a chunk long (as the engine pads: rows)."""
    size = model_package.PREFILL_CHUNK
    for start in range(0, len(ids), size):
        chunk = model_package.Chunk(ids[start : start + size], slot, start)
        logits = model.prefill([chunk], cache, rows=size)
    return logits[0]


@pytest.mark.parametrize("prompt", ["def ", "import os\n", "class Parser:\n    def "])
def test_cached_and_uncached_generation_give_the_same_tokens(
    model_package: ModuleType, prompt: str
) -> None:
    model, tokenizer = committed(model_package)
    cache = model_package.KVCache(model.config, slots=4, device=torch.device("cpu"))
    ids = tokenizer.encode(prompt)
    logits = prefill(model_package, model, ids, cache, slot=2)
    cached, uncached = list(ids), list(ids)
    tokens, positions = torch.zeros(4, dtype=torch.long), torch.zeros(4, dtype=torch.long)
    for _ in range(40):
        reference = model_package.next_token_logits(model, uncached, torch.device("cpu"))
        torch.testing.assert_close(logits, reference, rtol=0, atol=1e-4)
        cached.append(int(logits.argmax()))
        uncached.append(int(reference.argmax()))
        tokens[2], positions[2] = cached[-1], len(cached) - 1
        logits = model.decode(tokens, positions, cache)[2]
    assert cached == uncached


def test_a_row_gets_the_same_logits_alone_and_in_a_full_batch(model_package: ModuleType) -> None:
    model, tokenizer = committed(model_package)
    slots, prompt = 8, tokenizer.encode("def fibonacci(n):\n")
    alone = model_package.KVCache(model.config, slots, torch.device("cpu"))
    crowded = model_package.KVCache(model.config, slots, torch.device("cpu"))
    prefill(model_package, model, prompt, alone, slot=3)
    prefill(model_package, model, prompt, crowded, slot=3)
    for slot in set(range(slots)) - {3}:
        other = tokenizer.encode("import sys" + " x" * (slot * 5))
        prefill(model_package, model, other, crowded, slot=slot)
    tokens_alone, positions_alone = (
        torch.zeros(slots, dtype=torch.long),
        torch.zeros(slots, dtype=torch.long),
    )
    tokens_crowded = torch.randint(0, 96, (slots,), generator=torch.Generator().manual_seed(1))
    positions_crowded = torch.arange(slots) * 5 + 10
    for tokens, positions in ((tokens_alone, positions_alone), (tokens_crowded, positions_crowded)):
        tokens[3], positions[3] = 17, len(prompt)
    row_alone = model.decode(tokens_alone, positions_alone, alone)[3]
    row_crowded = model.decode(tokens_crowded, positions_crowded, crowded)[3]
    assert torch.equal(row_alone, row_crowded), "batching must not change a row's logits"


@pytest.mark.parametrize("length", [5, 32, 40, 100])
def test_a_chunk_reads_no_position_past_its_grid(model_package: ModuleType, length: int) -> None:
    """A chunk attends to its slot's positions up to its start + PREFILL_CHUNK, not the whole
    context: with NaN in every position after that, its logits, keys and values are the same."""
    model, tokenizer = committed(model_package)
    ids = tokenizer.encode(("for i in range(10):\n    print(i)\n" * 4)[:length])
    size = model_package.PREFILL_CHUNK
    clean = model_package.KVCache(model.config, slots=2, device=torch.device("cpu"))
    dirty = model_package.KVCache(model.config, slots=2, device=torch.device("cpu"))
    for start in range(0, length, size):
        for cache in ("keys", "values"):
            poisoned = getattr(clean, cache).clone()
            poisoned[:, 1, :, start + size :] = float("nan")
            setattr(dirty, cache, poisoned)
        chunk = model_package.Chunk(ids[start : start + size], 1, start)
        expected = model.prefill([chunk], clean, rows=size)
        assert torch.equal(model.prefill([chunk], dirty, rows=size), expected)
        for cache in ("keys", "values"):
            written = getattr(clean, cache)[:, 1, :, : start + size]
            assert torch.equal(getattr(dirty, cache)[:, 1, :, : start + size], written)


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
