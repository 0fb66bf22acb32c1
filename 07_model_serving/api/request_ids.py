"""Request ids: every answer carries `X-Request-Id`, the client's own when it sent a usable
one, otherwise a new one. The same id is in the server's log lines for that request and in the
generation it stored, so one request can be followed from the client's log to the server's and
to its row (vLLM, TGI and most gateways do the same).
"""

import contextvars
import re
import uuid

from fastapi import Request
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

HEADER = "x-request-id"
USABLE = re.compile(r"[A-Za-z0-9._:-]{1,64}")  # anything else is not echoed into logs
current_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "request_id", default=None
)


class RequestIds:
    """Pure ASGI middleware, the outermost one: even a refused body's 413 carries the id."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = Headers(scope=scope).get(HEADER, "")
        request_id = given if USABLE.fullmatch(given) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)[HEADER] = request_id
            await send(message)

        token = current_request_id.set(request_id)
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            current_request_id.reset(token)


def request_id(request: Request) -> str | None:
    """For the routes: this request's id (set by the middleware)."""
    return getattr(request.state, "request_id", None)
