"""Liveness and readiness: two questions an orchestrator asks, with different answers."""

from fastapi import APIRouter, Request

from api.dependencies import ENGINE_FAILED_DETAIL, NOT_READY_DETAIL, ServiceDep
from api.schemas import HealthOut, ReadyOut, documented_error
from serving.service_types import ServiceBusy, StorageUnavailable

router = APIRouter(tags=["health"])


@router.get(
    "/health",
    summary="Is the process up?",
    description=(
        "Liveness: 200 while the process can do its job, whatever the model is doing (loading, "
        "busy, draining); 503 once its engine stopped on its own, so that an orchestrator "
        "replaces the container."
    ),
    responses={
        503: documented_error("The engine stopped: restart the server.", ENGINE_FAILED_DETAIL)
    },
)
def health(request: Request) -> HealthOut:
    service = getattr(request.app.state, "service", None)
    if service is not None and service.engine_failed:
        raise ServiceBusy(ENGINE_FAILED_DETAIL, retry_after=5)
    return HealthOut()


@router.get(
    "/ready",
    summary="Can it serve generations?",
    description=(
        "Readiness: 200 once the model is loaded and warmed up and its engine runs; 503 before "
        "that, from the start of shutdown, and while the database refuses writes (after a "
        "write failed, each call tries one). Docker's HEALTHCHECK and load balancers ask this."
    ),
    responses={
        503: documented_error(
            "Not ready: starting up, shutting down, the engine stopped, or the database "
            "refuses writes.",
            NOT_READY_DETAIL,
        )
    },
)
async def ready(service: ServiceDep) -> ReadyOut:
    try:
        await service.check_storage()
    except StorageUnavailable:
        problem = service.storage_problem
        detail = f"Not ready: the database refuses writes ({problem}). Retry shortly."
        raise ServiceBusy(detail, service.retry_after_storage) from None
    return ReadyOut(model=service.model_name, device=service.device)
