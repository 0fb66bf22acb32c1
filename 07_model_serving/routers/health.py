"""Liveness and readiness: two questions an orchestrator asks, with different answers."""

from fastapi import APIRouter

from dependencies import NOT_READY, ServiceDep
from schemas import HealthOut, ReadyOut

router = APIRouter(tags=["health"])


@router.get(
    "/health",
    summary="Is the process up?",
    description="Liveness: 200 while the process answers requests, whatever the model is doing.",
)
def health() -> HealthOut:
    return HealthOut()


@router.get(
    "/ready",
    summary="Can it serve generations?",
    description=(
        "Readiness: 200 once the model is loaded and warmed up and its engine runs; 503 before "
        "that and from the start of shutdown. Docker's HEALTHCHECK and load balancers ask this."
    ),
    responses={503: NOT_READY},
)
def ready(service: ServiceDep) -> ReadyOut:
    return ReadyOut(model=service.model_name, device=str(service.runner.device))
