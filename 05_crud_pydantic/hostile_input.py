"""Two guards for what careless or hostile clients send: a body-size limit, and 422s that render.

- `BodySizeLimit` refuses a body over `max_bytes` with 413 before anything reads or parses it.
- `validation_error_handler` answers 422 like FastAPI's own handler, but echoes the client's
  input in a form JSON can always hold: `NaN` and infinities as strings, lone surrogates escaped,
  long strings, big numbers and deep or long lists cut short.
"""

import json
import math
from typing import Any

from fastapi import HTTPException, Request, status
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# A user is two strings of at most 32 characters: under 1 KiB of JSON even with every
# character escaped. 4 KiB leaves room for whitespace and still bounds the work per request.
MAX_BODY_BYTES = 4 * 1024

ECHO_CHARS = 64  # characters of a string (or digits of a number) echoed back in a 422
ECHO_ITEMS = 8  # items of a list or object echoed back
ECHO_DEPTH = 3  # levels of nesting echoed back


def body_too_large(max_bytes: int) -> HTTPException:
    return HTTPException(
        status.HTTP_413_CONTENT_TOO_LARGE,
        detail=f"Request body too large: the limit is {max_bytes} bytes.",
    )


class BodySizeLimit:
    """ASGI middleware: a body over `max_bytes` is answered with 413 and never parsed.

    A declared `Content-Length` over the limit is refused at once, before the body arrives.
    A chunked body is counted as it arrives, and refused as soon as it passes the limit.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdecimal() and int(declared) > self.max_bytes:
            error = body_too_large(self.max_bytes)
            response = JSONResponse({"detail": error.detail}, status_code=error.status_code)
            await response(scope, receive, send)
            return

        received = 0

        async def receive_at_most_max_bytes() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.max_bytes:
                # FastAPI re-raises an HTTPException met while it reads the body.
                raise body_too_large(self.max_bytes)
            return message

        await self.app(scope, receive_at_most_max_bytes, send)


def json_safe(value: Any, depth: int = 0) -> Any:
    """`value` in a form that JSON can always encode, and short enough to echo back."""
    if isinstance(value, float) and not math.isfinite(value):
        return json.dumps(value)  # the text "NaN", "Infinity" or "-Infinity"
    if isinstance(value, int) and abs(value) >= 10**ECHO_CHARS:
        return json_safe(str(value))
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, bytes):
        value = value.decode("utf-8", "backslashreplace")
    if isinstance(value, str):
        if len(value) > ECHO_CHARS:
            value = value[:ECHO_CHARS] + "..."
        # A lone surrogate such as "\ud800" cannot be encoded as UTF-8: send its escape as text.
        return value.encode("utf-8", "backslashreplace").decode("utf-8")
    if isinstance(value, dict | list | tuple) and depth >= ECHO_DEPTH:
        return "..."
    if isinstance(value, dict):
        items = list(value.items())
        shown = {json_safe(str(k)): json_safe(v, depth + 1) for k, v in items[:ECHO_ITEMS]}
        if len(items) > ECHO_ITEMS:
            shown["..."] = f"{len(items) - ECHO_ITEMS} more"
        return shown
    if isinstance(value, list | tuple):
        shown_items = [json_safe(v, depth + 1) for v in value[:ECHO_ITEMS]]
        if len(value) > ECHO_ITEMS:
            shown_items.append(f"... {len(value) - ECHO_ITEMS} more")
        return shown_items
    return json_safe(str(value))


async def validation_error_handler(request: Request, exc: RequestValidationError) -> JSONResponse:
    """FastAPI's own 422 answer, with each error's `input` made safe to send back."""
    errors = [
        {**error, "input": json_safe(error["input"])} if "input" in error else error
        for error in exc.errors()
    ]
    return JSONResponse(
        status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
        content={"detail": jsonable_encoder(errors)},
    )
