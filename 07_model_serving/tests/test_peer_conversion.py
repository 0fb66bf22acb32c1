"""The benchmark's peer runs our weights in `transformers`' GPT-2: prove they are the same model.

`transformers` is a benchmark extra (requirements-bench.txt): `make test` installs it,
`make test-7` does not, and this check is skipped there with the reason.
"""

from pathlib import Path
from types import ModuleType

import pytest
import torch

pytest.importorskip(
    "transformers", reason="benchmark extra; `make test` or `make bench-7` installs it"
)

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
