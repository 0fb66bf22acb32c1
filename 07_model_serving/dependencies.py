"""What the routes need, handed over by FastAPI's dependency injection, never as globals.

Everything lives on `app.state`, set up by the lifespan handler in `main.py`. Before start-up
has finished, and once shutdown has begun, `ServiceState.ready` is false and the routes that
need the model answer 503.
"""

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.exceptions import RequestValidationError

from config import Settings
from database import GenerationStore
from generator import Generator
from schemas import GenerateRequest, documented_error
from worker import InferenceWorker


@dataclass
class ServiceState:
    settings: Settings
    generator: Generator
    store: GenerationStore
    worker: InferenceWorker
    ready: bool = False


NOT_READY_DETAIL = "The model is not ready (starting up or shutting down). Retry shortly."
NOT_READY = documented_error(
    "The model is not ready: the service is starting up or shutting down.", NOT_READY_DETAIL
)


def not_ready() -> HTTPException:
    return HTTPException(
        status.HTTP_503_SERVICE_UNAVAILABLE, detail=NOT_READY_DETAIL, headers={"Retry-After": "1"}
    )


def get_state(request: Request) -> ServiceState:
    state: ServiceState | None = getattr(request.app.state, "service", None)
    if state is None or not state.ready or not state.worker.is_alive():
        raise not_ready()
    return state


def get_store(request: Request) -> GenerationStore:
    """Stored generations stay readable while the model is busy, loading or stopping."""
    state: ServiceState | None = getattr(request.app.state, "service", None)
    if state is None:
        raise not_ready()
    return state.store


StateDep = Annotated[ServiceState, Depends(get_state)]
StoreDep = Annotated[GenerationStore, Depends(get_store)]


def checked_request(body: GenerateRequest, state: StateDep) -> GenerateRequest:
    """Checks that need the loaded model or the settings, answered in FastAPI's 422 format."""
    errors = []
    context = state.generator.context
    if len(body.prompt) > context:
        errors.append(
            {
                "type": "string_too_long",
                "loc": ("body", "prompt"),
                "msg": f"String should have at most {context} characters (the model's context)",
                "input": body.prompt,
                "ctx": {"max_length": context},
            }
        )
    unknown = state.generator.tokenizer.unknown_characters(body.prompt)
    if unknown:
        errors.append(
            {
                "type": "vocabulary",
                "loc": ("body", "prompt"),
                "msg": f"Characters outside the model's vocabulary: {''.join(unknown)!r}",
                "input": body.prompt,
                "ctx": {"characters": unknown},
            }
        )
    limit = state.settings.max_new_tokens_limit
    if body.max_new_tokens > limit:
        errors.append(
            {
                "type": "less_than_equal",
                "loc": ("body", "max_new_tokens"),
                "msg": f"Input should be less than or equal to {limit}",
                "input": body.max_new_tokens,
                "ctx": {"le": limit},
            }
        )
    if errors:
        raise RequestValidationError(errors)
    return body


CheckedRequest = Annotated[GenerateRequest, Depends(checked_request)]
