"""Liveness: the route Docker's HEALTHCHECK calls."""

from fastapi import APIRouter

from schemas import HealthOut

router = APIRouter(tags=["health"])


@router.get(
    "/health",
    summary="Is the server up?",
    description="Answers 200 while the process serves requests. Docker's HEALTHCHECK calls it.",
)
def health() -> HealthOut:
    return HealthOut()
