"""Read back what the model generated: the stored predictions of the web single pattern."""

from typing import Annotated, get_args

from fastapi import APIRouter, HTTPException, Query, status
from fastapi.concurrency import run_in_threadpool

from api.dependencies import NOT_READY, ServiceDep, StoreDep
from api.schemas import (
    DeletedOut,
    GenerationOut,
    GenerationStatus,
    ReplayedText,
    ReplayOut,
    StatusCountsOut,
    documented_error,
)
from serving.database import Generation, GenerationStore

router = APIRouter(prefix="/generations")
NOT_FOUND = documented_error("No generation has this id.", "Generation 42 not found.")
# SQLite's integers are 64-bit: no row has a larger id, nor can the database be asked for one.
LARGEST = 2**63 - 1


async def existing_generation(store: GenerationStore, generation_id: int) -> Generation:
    if not 1 <= generation_id <= LARGEST:  # e.g. 2**64 in the path: no such row
        raise HTTPException(
            status.HTTP_404_NOT_FOUND, detail=f"Generation {generation_id} not found."
        )
    row = await run_in_threadpool(store.get, generation_id)
    if row is None:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND, detail=f"Generation {generation_id} not found."
        )
    return row


@router.get(
    "",
    summary="List stored generations, newest first",
    tags=["generations"],
    description="One page at a time: `skip` rows are passed over, then at most `limit` returned.",
    responses={503: NOT_READY},
)
async def list_generations(
    store: StoreDep,
    skip: Annotated[int, Query(ge=0, le=LARGEST)] = 0,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> list[GenerationOut]:
    rows = await run_in_threadpool(store.newest, skip, limit)
    return [GenerationOut.model_validate(row) for row in rows]


# BEGIN SOLUTION ch07.ex1: GET /generations/stats
@router.get(
    "/stats",
    summary="Count generations by status",
    tags=["exercises"],
    description="Exercise 1: how many generations are stored, and how many in each status.",
    responses={503: NOT_READY},
)
async def generation_stats(store: StoreDep) -> StatusCountsOut:
    counts = await run_in_threadpool(store.counts)
    by_status = {name: counts.get(name, 0) for name in get_args(GenerationStatus)}
    return StatusCountsOut(total=sum(counts.values()), **by_status)


# END SOLUTION
@router.get(
    "/{generation_id:int}",
    summary="Read one generation",
    tags=["generations"],
    description="Also how a background job is followed: poll until `status` is `done` or `failed`.",
    responses={
        404: NOT_FOUND,
        503: NOT_READY,
    },
)
async def read_generation(generation_id: int, store: StoreDep) -> GenerationOut:
    return GenerationOut.model_validate(await existing_generation(store, generation_id))


@router.post(
    "/{generation_id:int}/replay",
    summary="Compute a stored generation again and compare",
    tags=["generations"],
    description=(
        "Runs the stored prompt again with the stored parameters and seed (nothing is stored) "
        "and says whether the text, the token count and the finish reason are identical. They "
        "should be, whatever else was in the batch either time: the engine is batch-invariant."
    ),
    responses={
        404: NOT_FOUND,
        409: documented_error(
            "Only a finished generation of the served model can be replayed.",
            "Generation 42 is running: only a done generation can be replayed.",
        ),
        503: NOT_READY,
    },
)
async def replay_generation(generation_id: int, service: ServiceDep) -> ReplayOut:
    row = await existing_generation(service.store, generation_id)
    if row.status != "done":
        raise HTTPException(
            status.HTTP_409_CONFLICT,
            detail=f"Generation {generation_id} is {row.status}: only a done generation can be "
            "replayed.",
        )
    if row.model != service.model_name:
        raise HTTPException(
            status.HTTP_409_CONFLICT,
            detail=f"Generation {generation_id} was made by `{row.model}`; this server serves "
            f"`{service.model_name}`.",
        )
    replayed = await service.replay(row)
    assert row.completion is not None and row.tokens is not None and row.finish_reason
    stored = ReplayedText(
        completion=row.completion, tokens=row.tokens, finish_reason=row.finish_reason
    )
    again = ReplayedText(
        completion=replayed.text, tokens=replayed.tokens, finish_reason=replayed.finish_reason
    )
    return ReplayOut(id=generation_id, identical=stored == again, stored=stored, replayed=again)


# BEGIN SOLUTION ch07.ex2: DELETE /generations/{generation_id}
@router.delete(
    "/{generation_id:int}",
    summary="Delete a finished generation",
    tags=["exercises"],
    description="Exercise 2: a job still queued or running cannot be deleted (409).",
    responses={
        404: NOT_FOUND,
        409: documented_error(
            "The job is still queued or running.", "Generation 42 is still running."
        ),
        503: NOT_READY,
    },
)
async def delete_generation(generation_id: int, store: StoreDep) -> DeletedOut:
    row = await existing_generation(store, generation_id)
    if row.status in ("queued", "running"):
        raise HTTPException(
            status.HTTP_409_CONFLICT, detail=f"Generation {generation_id} is still {row.status}."
        )
    await run_in_threadpool(store.remove, generation_id)
    return DeletedOut(id=generation_id)


# END SOLUTION
