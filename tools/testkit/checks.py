"""Checks whose failure a beginner can act on: what was sent, what was expected, what came back.

`Api` is an HTTP client that remembers every request of a test. When a check fails, the
message lists them, so a generated example that went wrong reads as the shortest run of
requests that shows the difference (Hypothesis shrinks it before it is shown):

    GET /users lists every user, sorted by name.
      The shortest run of requests that shows it:
        1. POST /users/name/b/nickname/x  ->  201 {"status": "success"}
        2. GET /users  ->  200 {"count": 0, "users": []}
      expected: 200 {"count": 1, "users": [{"name": "b", "nickname": "x"}]}
      got:      200 {"count": 0, "users": []}
"""

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from testkit.bilingual import message
from testkit.client import Client, Response

ANY = ...  # leave out a body to check only the status


class Mismatch(AssertionError):
    """A check failed; the message is all a student needs (pytest shows it without a traceback)."""


def segment(value: object) -> str:
    """One path segment, percent-encoded: `a b/c` becomes `a%20b%2Fc`."""
    return quote(str(value), safe="")


def body_of(response: Response) -> str:
    try:
        return json.dumps(response.json(), ensure_ascii=False)
    except ValueError:
        return repr(response.text)


def shown(response: Response, limit: int = 500) -> str:
    text = body_of(response)
    return f"{response.status_code} {text[:limit]}{' ...' if len(text) > limit else ''}"


def sent(response: Response) -> str:
    request = response.request
    line = f"{request.method} {request.target}"
    if request.content:
        body = request.content.decode(errors="replace")[:300]
        line += message(f" with the body {body}", f", 본문 {body}")
    return line


LABELS = {  # padded to line up in a terminal, where a Hangul letter is two columns wide
    "sent": ("sent:     ", "보낸 요청:   "),
    "expected": ("expected: ", "기대한 응답: "),
    "got": ("got:      ", "받은 응답:   "),
}


def labelled(label: str, value: str) -> str:
    """`  expected: ...`, its label in the student's language."""
    english, korean = LABELS[label]
    return f"  {message(english, korean)}{value}"


def expected_text(status: int, body: Any) -> str:
    return str(status) if body is ANY else f"{status} {json.dumps(body, ensure_ascii=False)}"


def agrees(response: Response, status: int, body: Any) -> bool:
    if response.status_code != status:
        return False
    if body is ANY:
        return True
    try:
        return response.json() == body
    except ValueError:
        return False


class Api:
    """A client to the app under test that keeps a log of the test's requests."""

    def __init__(self, client: Client, errors: Callable[[], list[str]] | None = None):
        self.client = client
        self.responses: list[Response] = []
        self._errors = errors or (lambda: [])

    def request(self, method: str, url: str, **options: Any) -> Response:
        response = self.client.request(method, url, **options)
        self.responses.append(response)
        return response

    def get(self, url: str, **options: Any) -> Response:
        return self.request("GET", url, **options)

    def post(self, url: str, **options: Any) -> Response:
        return self.request("POST", url, **options)

    def put(self, url: str, **options: Any) -> Response:
        return self.request("PUT", url, **options)

    def patch(self, url: str, **options: Any) -> Response:
        return self.request("PATCH", url, **options)

    def delete(self, url: str, **options: Any) -> Response:
        return self.request("DELETE", url, **options)

    def expect(self, response: Response, status: int, body: Any = ANY, *, hint: str) -> None:
        """Fail with the run of requests, the hint, what was expected and what came back."""
        if not agrees(response, status, body):
            self.fail(hint, expected=expected_text(status, body), got=shown(response))

    def fail(self, hint: str, *, expected: str, got: str) -> None:
        lines = [hint]
        if len(self.responses) > 1:
            lines.append(
                message(
                    "  The shortest run of requests that shows it:",
                    "  차이를 보여 주는 가장 짧은 요청 순서:",
                )
            )
            lines += [
                f"    {number}. {sent(response)}  ->  {shown(response, 200)}"
                for number, response in enumerate(self.responses, 1)
            ]
        elif self.responses:
            lines.append(labelled("sent", sent(self.responses[0])))
        lines += [labelled("expected", expected), labelled("got", got)]
        if got[:1] == "5":
            errors = self._errors()
            if errors:
                lines.append(
                    message(
                        "The server's error (the app's own traceback):",
                        "서버의 오류(앱이 남긴 트레이스백):",
                    )
                )
                lines += ["    " + line for line in errors[-1].splitlines()]
        raise Mismatch("\n".join(lines))


def check(response: Response, status: int, body: Any = ANY, *, hint: str) -> None:
    """One response on its own: fail with what was sent, expected and received."""
    if not agrees(response, status, body):
        raise Mismatch(
            "\n".join(
                [
                    hint,
                    labelled("sent", sent(response)),
                    labelled("expected", expected_text(status, body)),
                    labelled("got", shown(response)),
                ]
            )
        )
