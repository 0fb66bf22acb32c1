"""On a CUDA GPU: the model runs there, in half precision, and agrees with itself."""

from collections.abc import Callable

import pytest
import torch
from fastapi import FastAPI
from fastapi.testclient import TestClient

pytestmark = [
    pytest.mark.cuda,
    pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA GPU visible to PyTorch"),
]


def test_generates_on_the_gpu_in_half_precision(
    env: pytest.MonkeyPatch, load_app: Callable[[], FastAPI]
) -> None:
    env.setenv("DEVICE", "cuda")
    with TestClient(load_app()) as client:
        ready = client.get("/ready").json()
        assert ready["device"].startswith("cuda")
        assert client.app.state.service.runner.dtype in (torch.bfloat16, torch.float16)
        body = {"prompt": "def ", "max_new_tokens": 32, "temperature": 0}
        first = client.post("/generate", json=body).json()
        second = client.post("/generate", json=body).json()
        assert first["completion"] == second["completion"]
        assert len(first["completion"]) == 32
