"""The benchmark's peer runs our weights in `transformers`' GPT-2: prove they are the same model.

`transformers` is a benchmark extra (requirements-bench.txt): `make test` installs it and runs
this check; `make test-7` leaves it out (it is marked slow: it checks the benchmark, not the
chapter), and without the extra it is skipped with the reason.
"""

from pathlib import Path
from types import ModuleType

import pytest
import torch

pytest.importorskip(
    "transformers", reason="benchmark extra; `make test` or `make bench-7` installs it"
)

pytestmark = pytest.mark.slow
WEIGHTS = Path(__file__).resolve().parents[1] / "model" / "weights" / "code-gpt.safetensors"


def test_gpt2_conversion_gives_the_same_logits(
    model_package: ModuleType, peer_module: ModuleType
) -> None:
    peer = peer_module
    model, tokenizer, _ = model_package.load_checkpoint(WEIGHTS, torch.device("cpu"))
    converted = peer.to_gpt2(model)
    ids = torch.tensor([tokenizer.encode("def read(path):\n    with open(path) as f:\n")])
    with torch.inference_mode():
        ours = model(ids)[0]
        theirs = converted(ids).logits
    torch.testing.assert_close(theirs, ours, rtol=0, atol=1e-5)


def test_the_hugging_face_folder_is_the_same_model_and_tokenizer(
    model_package: ModuleType, hf_folder_module: ModuleType, tmp_path: Path
) -> None:
    """What vLLM loads (`make bench-7-vllm`): the folder's logits and tokens are the chapter's."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    folder = hf_folder_module.write_folder(WEIGHTS, tmp_path / "peer")
    model, tokenizer, card = model_package.load_checkpoint(WEIGHTS, torch.device("cpu"))
    theirs = AutoTokenizer.from_pretrained(folder)
    text = "".join(tokenizer.vocab) + "def read(path):\n    return  open(path).read()  # x\n"
    ids = theirs.encode(text)
    assert ids == tokenizer.encode(text)
    assert theirs.decode(ids) == text
    assert "".join(theirs.decode([i]) for i in ids) == text, "one character per token"
    assert (folder / "served_name.txt").read_text() == f"{card.name}\n"
    loaded = AutoModelForCausalLM.from_pretrained(folder).eval()
    batch = torch.tensor([ids[-60:]])
    with torch.inference_mode():
        torch.testing.assert_close(loaded(batch).logits, model(batch)[0], rtol=0, atol=1e-5)
