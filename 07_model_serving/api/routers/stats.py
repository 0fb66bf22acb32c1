"""What the engine is doing right now."""

from dataclasses import asdict

from fastapi import APIRouter

from api.dependencies import NOT_READY, ServiceDep
from api.schemas import FinishReasonsOut, SlotOut, StatsOut

router = APIRouter()


@router.get(
    "/stats",
    summary="What the engine is doing now",
    tags=["health"],
    description=(
        "Requests waiting for a slot, sequences running, the slots (`MAX_BATCH_SIZE`), the "
        "mean batch size of recent steps, requests served, tokens generated, tokens per "
        "second over the last 10 seconds, and the prefix cache's lookups and hits (prompt "
        "tokens). Refresh it during a load test."
    ),
    responses={503: NOT_READY},
)
def stats(service: ServiceDep) -> StatsOut:
    return StatsOut(**asdict(service.stats()))


# BEGIN SOLUTION ch07.ex3: GET /stats/slots
@router.get(
    "/stats/slots",
    summary="What each slot holds",
    description=(
        "Exercise 3: one entry per slot in use, in slot order: how long its prompt is and how "
        "many tokens it has generated so far. Watch the batch fill and drain during a load."
    ),
    tags=["exercises"],
    responses={503: NOT_READY},
)
def slots(service: ServiceDep) -> list[SlotOut]:
    return [
        SlotOut(slot=slot, prompt_tokens=prompt, generated_tokens=generated)
        for slot, prompt, generated in service.occupied_slots()
    ]


# END SOLUTION
# BEGIN SOLUTION ch07.ex4: GET /stats/finish_reasons
@router.get(
    "/stats/finish_reasons",
    summary="Why generations ended",
    description=(
        "Exercise 4: how many generations the engine has finished since it started, by "
        "`finish_reason`: `length` (max_new_tokens or the context) or `stop` (a stop string). "
        "The start-up warm-up is one of them."
    ),
    tags=["exercises"],
    responses={503: NOT_READY},
)
def finish_reasons(service: ServiceDep) -> FinishReasonsOut:
    return FinishReasonsOut(**service.finish_reasons())


# END SOLUTION
