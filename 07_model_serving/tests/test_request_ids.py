"""Request ids: every answer carries `X-Request-Id`; the client's own when it is usable (1 to
64 of `A-Z a-z 0-9 . _ : -`), else a new one of 32 hex digits. The id is stored with the
generation that request made, and the server's log lines written for it carry it."""

import json
import re
from collections.abc import Callable

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

USABLE = re.compile(r"[A-Za-z0-9._:-]{1,64}")
MADE = re.compile(r"[0-9a-f]{32}")
BODY = {"prompt": "def ", "max_new_tokens": 4, "temperature": 0}


def expected_id(sent: str | None, answered: str) -> bool:
    """The lesson's rule: a usable id comes back as sent; anything else, a fresh one."""
    if sent is not None and USABLE.fullmatch(sent):
        return answered == sent
    return MADE.fullmatch(answered) is not None and answered != sent


# Header values h11 can send: visible ASCII and spaces inside, none at the ends.
header_values = st.text(st.characters(min_codepoint=33, max_codepoint=126), max_size=80)


@given(sent=st.none() | header_values | st.from_regex(USABLE, fullmatch=True))
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_every_answer_carries_an_id_by_the_rule(client: TestClient, sent: str | None) -> None:
    headers = {"X-Request-Id": sent} if sent is not None else {}
    for method, path, body in [
        ("GET", "/health", None),
        ("GET", "/generations/999", None),  # a 404
        ("POST", "/generate", {"prompt": 7}),  # a 422
    ]:
        answer = client.request(method, path, json=body, headers=headers)
        assert expected_id(sent, answer.headers["x-request-id"]), (path, sent)


def test_the_id_is_stored_with_the_generation(client: TestClient) -> None:
    made = client.post("/generate", json=BODY, headers={"X-Request-Id": "client-42"})
    assert made.headers["x-request-id"] == "client-42"
    assert made.json()["request_id"] == "client-42"
    assert client.get(f"/generations/{made.json()['id']}").json()["request_id"] == "client-42"
    job = client.post("/jobs", json=BODY, headers={"X-Request-Id": "job-7"})
    assert client.get(f"/generations/{job.json()['id']}").json()["request_id"] == "job-7"
    model = {"model": "code-gpt-char", "max_tokens": 3}
    client.post("/v1/completions", json=model | {"prompt": "x"}, headers={"X-Request-Id": "c-1"})
    messages = [{"role": "user", "content": "x"}]
    client.post("/v1/chat/completions", json=model | {"messages": messages})
    newest = client.get("/generations", params={"limit": 2}).json()
    assert newest[1]["request_id"] == "c-1"
    assert MADE.fullmatch(newest[0]["request_id"])


def test_a_refused_body_still_has_its_id(client: TestClient) -> None:
    too_big = "x" * 2_000_000
    answer = client.post("/generate", content=too_big, headers={"X-Request-Id": "big-1"})
    assert (answer.status_code, answer.headers["x-request-id"]) == (413, "big-1")


@pytest.mark.parametrize("form", ["text", "json"])
def test_log_lines_carry_the_id(
    env: pytest.MonkeyPatch,
    load_app: Callable[[], FastAPI],
    capfd: pytest.CaptureFixture[str],
    form: str,
) -> None:
    env.setenv("LOG_FORMAT", form)
    with TestClient(load_app()) as client:
        capfd.readouterr()
        made = client.post("/generate", json=BODY, headers={"X-Request-Id": "trace-me"})
        lines = capfd.readouterr().err.splitlines()
    stored = f"Generation {made.json()['id']} stored: 4 tokens, length"
    if form == "text":
        (line,) = [line for line in lines if stored in line]
        assert line.startswith("INFO      Generation") and line.endswith(" [request trace-me]")
        return
    entries = [json.loads(line) for line in lines]
    (entry,) = [e for e in entries if e["message"].startswith(stored)]
    assert entry | {"time": "-", "message": "-"} == {
        "time": "-",
        "level": "INFO",
        "logger": "chapter07",
        "message": "-",
        "request_id": "trace-me",
    }
