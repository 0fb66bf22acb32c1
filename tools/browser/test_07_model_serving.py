"""Chapter 07's lesson in a browser: "Try it in Swagger UI", step by step."""

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from chapter_server import Served
from playwright.sync_api import Page
from swagger_ui import SwaggerUI

CHAPTER = "07_model_serving"
READY = {"status": "ready", "model": "code-gpt-char", "device": "cpu"}


@pytest.fixture
def server_env(tmp_path: Path) -> dict[str, str]:
    return {"DEVICE": "cpu", "DATABASE_URL": f"sqlite:///{tmp_path / 'generations.db'}"}


def test_try_it_in_swagger_ui(serve_chapter: Callable[..., Served], page: Page) -> None:
    ui = SwaggerUI(page, serve_chapter(CHAPTER).base_url).open()
    assert ui.lesson_sections() == {
        "generate": ["POST /generate", "POST /jobs"],
        "openai": ["GET /v1/models", "POST /v1/completions", "POST /v1/chat/completions"],
        "generations": [
            "GET /generations",
            "GET /generations/{generation_id}",
            "POST /generations/{generation_id}/replay",
        ],
        "health": ["GET /health", "GET /ready", "GET /metrics", "GET /stats"],
    }
    # 2. readiness
    answer = ui.operation("get", "/ready").try_it_out().execute()
    assert (answer.status, answer.body) == (200, READY)
    # 3. the pre-filled body, greedy: twice the same; a stop string
    generate = ui.operation("post", "/generate").try_it_out()
    example = generate.body()
    assert example == {"prompt": "def ", "max_new_tokens": 40, "temperature": 0}
    first = generate.execute()
    second = generate.execute()
    assert (first.status, second.status) == (200, 200)
    assert first.body["completion"] == second.body["completion"]
    assert first.body["completion"].startswith("__init__(self, other):")
    assert (first.body["tokens"], first.body["finish_reason"]) == (40, "length")
    stopped = generate.set_body(json.dumps(example | {"stop": ["("]})).execute()
    assert stopped.status == 200
    assert (stopped.body["completion"], stopped.body["finish_reason"]) == ("__init__", "stop")
    # 4. outside the vocabulary, and the limits in the schema
    refused = generate.set_body('{"prompt": "café"}').execute()
    assert (refused.status, refused.body) == (
        422,
        {
            "detail": [
                {
                    "type": "vocabulary",
                    "loc": ["body", "prompt"],
                    "msg": "Characters outside the model's vocabulary: 'é'",
                    "input": "café",
                    "ctx": {"characters": ["é"]},
                }
            ]
        },
    )
    request_schema = ui.schema_text("GenerateRequest")
    assert "<= 128 characters" in request_schema or "[1, 128] characters" in request_schema
    assert "^[\\u000a\\u0020-\\u007e]+$" in request_schema
    # 5. OpenAI's shape, and its errors
    complete = ui.operation("post", "/v1/completions").try_it_out()
    answer = complete.execute()
    assert answer.status == 200
    assert answer.body["object"] == "text_completion"
    assert answer.body["choices"] == [
        {"index": 0, "text": "__init__(self, other):", "finish_reason": "stop", "logprobs": None}
    ]
    other = json.dumps(complete.body() | {"model": "gpt-4"})
    answer = complete.set_body(other).execute()
    assert (answer.status, answer.body) == (
        404,
        {
            "error": {
                "message": "The model `gpt-4` does not exist: this one serves `code-gpt-char`.",
                "type": "not_found_error",
                "param": None,
                "code": None,
            }
        },
    )
    chat = ui.operation("post", "/v1/chat/completions").try_it_out().execute()
    assert (chat.status, chat.body["object"]) == (200, "chat.completion")
    assert chat.body["choices"][0]["message"] == {
        "role": "assistant",
        "content": '    """Return the supported of the subcl',
    }
    # 6. a job, followed
    job = ui.operation("post", "/jobs").try_it_out().execute()
    assert job.status == 202
    assert job.headers["location"] == f"/generations/{job.body['id']}"
    read = ui.operation("get", "/generations/{generation_id}").try_it_out()
    read.fill(generation_id=str(job.body["id"]))
    for _ in range(50):
        answer = read.execute()
        if answer.body["status"] == "done":
            break
    assert (answer.status, answer.body["status"], answer.body["tokens"]) == (200, "done", 40)
    # 7. the job, replayed
    replay = ui.operation("post", "/generations/{generation_id}/replay").try_it_out()
    replay.fill(generation_id=str(job.body["id"]))
    replayed = replay.execute()
    assert (replayed.status, replayed.body["identical"]) == (200, True)
    assert replayed.body["replayed"]["completion"] == answer.body["completion"]
    # 8. the engine's numbers have grown
    stats = ui.operation("get", "/stats").try_it_out().execute()
    assert stats.status == 200
    # the warm-up, 3 generations, a completion, a chat, a job and its replay
    assert stats.body["requests_served"] == 8
    assert stats.body["slots"] == 64
    # 9. the same in Prometheus's text (the warm-up is not counted)
    metrics = ui.operation("get", "/metrics").try_it_out().execute()
    assert metrics.status == 200
    assert 'codegpt_request_success_total{finish_reason="stop"} 2.0' in metrics.body
    assert 'codegpt_request_success_total{finish_reason="length"} 5.0' in metrics.body


def test_demo_script(serve_chapter: Callable[..., Served], page: Page) -> None:
    served = serve_chapter(CHAPTER, "--demo")
    assert served.printed[:3] == [
        f"Demo of {CHAPTER} - stop with Ctrl+C",
        f"  Open on the projector: {served.base_url}/docs",
        f"  Demo records: 3 requests from {CHAPTER}/demo_seeds.py",
    ]
    ui = SwaggerUI(page, served.base_url).open()
    # 1. ready
    answer = ui.operation("get", "/ready").try_it_out().execute()
    assert (answer.status, answer.body) == (200, READY)
    # 2. the demo's generations, newest first
    answer = ui.operation("get", "/generations").try_it_out().execute()
    assert answer.status == 200
    assert [g["prompt"] for g in answer.body[:3]] == ["def ", "class ", "import "]
    assert answer.body[0]["completion"] == "__init__(self, other):\n "
    # 3. greedy, twice the same
    generate = ui.operation("post", "/generate").try_it_out()
    first, second = generate.execute(), generate.execute()
    assert first.body["completion"] == second.body["completion"]
    assert first.body["completion"].startswith("__init__(self, other):")
    # 4. the engine's count: the warm-up, 3 demo records, 2 generations
    stats = ui.operation("get", "/stats").try_it_out().execute()
    assert (stats.status, stats.body["requests_served"]) == (200, 6)
