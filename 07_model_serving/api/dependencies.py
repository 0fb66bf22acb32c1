"""What the routes need, handed over by FastAPI's dependency injection, never as globals.

Everything lives on `app.state`, set up by the lifespan handler in `main.py`. Before start-up
has finished, and once shutdown has begun, the service is not ready and the routes that need
the model answer 503.
"""

from typing import Annotated

from fastapi import Depends, Request

from api.schemas import documented_error
from serving.database import GenerationStore
from serving.service import GenerationService
from serving.service_types import ServiceBusy

NOT_READY_DETAIL = "The model is not ready (starting up or shutting down). Retry shortly."
ENGINE_FAILED_DETAIL = "The engine stopped unexpectedly: this server must be restarted."
NOT_READY = documented_error(
    "The model is not ready: the service is starting up or shutting down, or its engine "
    "stopped (then /health answers 503 too).",
    NOT_READY_DETAIL,
)


def get_service(request: Request) -> GenerationService:
    service: GenerationService | None = getattr(request.app.state, "service", None)
    if service is not None and service.engine_failed:
        raise ServiceBusy(ENGINE_FAILED_DETAIL, retry_after=5)
    if service is None or not service.serving:
        raise ServiceBusy(NOT_READY_DETAIL, retry_after=1)
    return service


def get_store(request: Request) -> GenerationStore:
    """Stored generations stay readable while the model is busy, loading or stopping."""
    return get_service_in_any_state(request).store


def get_service_in_any_state(request: Request) -> GenerationService:
    """What the service reports stays readable while it loads, drains, or lost its engine."""
    service: GenerationService | None = getattr(request.app.state, "service", None)
    if service is None:
        raise ServiceBusy(NOT_READY_DETAIL, retry_after=1)
    return service


ServiceDep = Annotated[GenerationService, Depends(get_service)]
AnyStateServiceDep = Annotated[GenerationService, Depends(get_service_in_any_state)]
StoreDep = Annotated[GenerationStore, Depends(get_store)]
