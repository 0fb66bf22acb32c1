"""How errors look to a client: FastAPI's `detail` bodies, or OpenAI's shape under `/v1`.

The service raises plain exceptions (`service_types.py`); the handlers registered here turn
them into HTTP answers once, for every route. Validation errors echo what the client sent,
made safe for JSON first: NaN, infinities and lone surrogates cannot be written as JSON, and
a long input is cut, so a hostile body can neither crash the answer nor be echoed whole.
"""

import math
from typing import Any

from fastapi import FastAPI, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from api.openai_schemas import openai_error_body
from serving.service_types import GenerationFailed, GenerationTimedOut, InvalidRequest, ServiceBusy

ECHO_LIMIT = 200  # characters of a string input echoed back in a 422


def json_safe(value: Any, depth: int = 0) -> Any:
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, str):
        text = value if len(value) <= ECHO_LIMIT else value[:ECHO_LIMIT] + "..."
        return text.encode("utf-8", "backslashreplace").decode("utf-8")
    if depth > 4:
        return "..."
    if isinstance(value, dict):
        items = list(value.items())[:20]
        return {str(json_safe(k, depth + 1)): json_safe(v, depth + 1) for k, v in items}
    if isinstance(value, list | tuple):
        return [json_safe(item, depth + 1) for item in value[:20]]
    if isinstance(value, bool | int) or value is None:
        return value if not isinstance(value, int) or abs(value) < 2**63 else str(value)
    return str(value)


def is_openai(request: Request) -> bool:
    return request.url.path.startswith("/v1/")


def openai_error(
    status_code: int,
    message: str,
    kind: str,
    param: str | None = None,
    code: str | None = None,
    **headers: str,
) -> JSONResponse:
    body = openai_error_body(message, kind, param, code)
    return JSONResponse(body, status_code=status_code, headers=headers or None)


def validation_errors(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [json_safe({k: v for k, v in error.items() if k != "url"}) for error in errors]


def also_the_services(request: Request, error: RequestValidationError) -> list[dict[str, Any]]:
    """The service's own limits (the context, the vocabulary, MAX_NEW_TOKENS_LIMIT) on the
    fields the schema did not refuse, so that a body with several mistakes gets them all at
    once, not one answer per mistake."""
    service = getattr(request.app.state, "service", None)
    body = error.body
    if service is None or not isinstance(body, dict) or request.method != "POST":
        return []
    refused = {tuple(e["loc"]) for e in error.errors()}
    fields = {
        name: body.get(name)
        for name in ("prompt", "max_new_tokens", "top_k")
        if ("body", name) not in refused
    }
    problems = service.problems(**fields)
    return [
        {
            "type": problem.type,
            "loc": ["body", problem.field],
            "msg": problem.message,
            "input": problem.value,
            "ctx": problem.context,
        }
        for problem in problems
    ]


def where(loc: list[Any]) -> str:
    """A body field as a client names it: `n`, or `messages[1].content` inside a list."""
    name = str(loc[1])
    if len(loc) > 2 and isinstance(loc[2], int):
        name += f"[{loc[2]}]"
        if len(loc) > 3 and isinstance(loc[3], str) and loc[3].isidentifier():
            name += f".{loc[3]}"
    return name


async def on_validation_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    errors = validation_errors(list(error.errors()) + also_the_services(request, error))
    if is_openai(request):
        # Of a union's alternatives, the one of the right type says what is wrong.
        fitting = [e for e in errors if not e["type"].endswith("_type")] or errors
        first = fitting[0] if fitting else {"msg": "Invalid request", "loc": []}
        loc, message = first["loc"], first["msg"]
        if first.get("type") == "json_invalid":  # loc is ("body", the character's position)
            reason = (first.get("ctx") or {}).get("error", "")
            message = f"The body is not valid JSON: {reason} (at character {loc[-1]})"
            return openai_error(400, message, "invalid_request_error")
        param = str(loc[1]) if len(loc) > 1 else None
        if len(loc) < 2:  # the body as a whole: a rule across fields, or not an object at all
            hint = " (send JSON with Content-Type: application/json)"
            text = message + (hint if first["type"].endswith("_type") else "")
            return openai_error(400, text, "invalid_request_error")
        return openai_error(400, f"{where(loc)}: {message}", "invalid_request_error", param)
    return JSONResponse({"detail": errors}, status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)


# The service names its fields as the native API does; OpenAI's clients know them as these
# (a chat's prompt is its messages, written with the chat template).
OPENAI_NAMES = {"max_new_tokens": "max_tokens"}
CHAT_NAMES = OPENAI_NAMES | {"prompt": "messages"}


async def on_invalid_request(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, InvalidRequest)
    path = request.url.path
    names = (
        CHAT_NAMES if path == "/v1/chat/completions" else OPENAI_NAMES if is_openai(request) else {}
    )
    errors = [
        {
            "type": problem.type,
            "loc": ["body", names.get(problem.field, problem.field)],
            "msg": problem.message,
            "input": problem.value,
            "ctx": problem.context,
        }
        for problem in error.problems
    ]
    return await on_validation_error(request, RequestValidationError(errors))


async def on_busy(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, ServiceBusy)
    retry = {"Retry-After": str(error.retry_after)}
    if is_openai(request):
        return openai_error(503, str(error), "service_unavailable_error", **retry)
    return JSONResponse({"detail": str(error)}, status_code=503, headers=retry)


async def on_timeout(request: Request, error: Exception) -> JSONResponse:
    if is_openai(request):
        return openai_error(504, str(error), "timeout_error")
    return JSONResponse({"detail": str(error)}, status_code=504)


async def on_model_failure(request: Request, error: Exception) -> JSONResponse:
    if is_openai(request):
        return openai_error(500, str(error), "server_error")
    return JSONResponse({"detail": str(error)}, status_code=500)


def served_openai_routes(request: Request) -> str:
    """What this server answers under /v1, e.g. `POST /v1/completions, GET /v1/models`."""
    paths = request.app.openapi()["paths"]  # built once, then cached by FastAPI
    found = [
        f"{method.upper()} {path}"
        for path, operations in sorted(paths.items())
        if path.startswith("/v1/")
        for method in sorted(operations)
    ]
    return ", ".join(sorted(found, key=lambda entry: entry.split(" ")[1]))


async def on_http_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, HTTPException)
    headers = dict(error.headers or {})
    if is_openai(request):
        kind = "not_found_error" if error.status_code == 404 else "invalid_request_error"
        code = "invalid_api_key" if error.status_code == 401 else None  # as OpenAI answers
        message = str(error.detail)
        if error.detail in ("Not Found", "Method Not Allowed"):  # the router's own answer
            message = (
                f"{request.method} {request.url.path} is not served here. This server "
                f"answers {served_openai_routes(request)}."
            )
        return openai_error(error.status_code, message, kind, code=code, **headers)
    return JSONResponse(
        {"detail": error.detail}, status_code=error.status_code, headers=headers or None
    )


def add_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(InvalidRequest, on_invalid_request)
    app.add_exception_handler(ServiceBusy, on_busy)
    app.add_exception_handler(GenerationTimedOut, on_timeout)
    app.add_exception_handler(GenerationFailed, on_model_failure)
    app.add_exception_handler(HTTPException, on_http_error)
