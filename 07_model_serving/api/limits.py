"""Refuse a body larger than the service can need, before anything reads it.

A prompt is at most the model's context (128 characters), so no valid request body comes
near 16 KiB. Without a limit, a 10 MB body is read into memory and parsed as JSON on the
event loop, which stalls every other request while it runs; and the 422 that follows echoes
it back. A pure ASGI middleware answers 413 from the `Content-Length` header alone, or as
soon as a streamed (chunked) body grows past the limit.
"""

from fastapi import HTTPException, status
from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.openai_schemas import openai_error_body

MAX_BODY_BYTES = 16 * 1024


def too_large(max_bytes: int) -> str:
    return f"The request body is larger than {max_bytes} bytes."


class BodySizeLimit:
    def __init__(self, app: ASGIApp, max_bytes: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length", "0")
        if not declared.isdigit() or int(declared) > self.max_bytes:
            await self.refuse(scope, receive, send)
            return
        seen = 0

        async def counting_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    # Raised while FastAPI reads the body, which lets an HTTPException through
                    # (any other error would become its 400 "error parsing the body").
                    raise HTTPException(
                        status.HTTP_413_CONTENT_TOO_LARGE, detail=too_large(self.max_bytes)
                    )
            return message

        await self.app(scope, counting_receive, send)

    async def refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        """413 at once, from the header alone. No `Connection: close`: uvicorn reads and drops
        the body the client is still sending, so that the client can read this answer (a
        server that closed now would reset the connection under it) and the connection stays
        usable."""
        detail = too_large(self.max_bytes)
        body = (
            openai_error_body(detail, "invalid_request_error")
            if scope["path"].startswith("/v1/")
            else {"detail": detail}
        )
        response = JSONResponse(body, status_code=413)
        await response(scope, receive, send)
