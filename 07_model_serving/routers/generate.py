"""Generate code: wait for the answer (POST /generate) or get a job id and poll (POST /jobs)."""

import asyncio
import threading

from fastapi import APIRouter, HTTPException, Response, status
from fastapi.concurrency import run_in_threadpool

from dependencies import CheckedRequest, ServiceState, StateDep
from schemas import GenerateResponse, JobAccepted, documented_error
from worker import QueueFull, Task, Work, WorkerStopped

router = APIRouter(tags=["generate"])


# FastAPI answers 400 itself when the body is not even decodable (bytes that are not UTF-8).
UNREADABLE_BODY = documented_error(
    "The body could not be read as JSON text.", "There was an error parsing the body"
)
BUSY = documented_error(
    "The queue is full, or the service is not ready. Retry after `Retry-After`.",
    "All 16 places in the queue are taken. Retry shortly.",
)
MODEL_FAILED = documented_error(
    "The model raised an error on this request; the worker keeps serving others.",
    "Generation failed: RuntimeError: CUDA out of memory",
)
TIMED_OUT = documented_error(
    "The generation did not finish within REQUEST_TIMEOUT_S.",
    "Generation did not finish within 30.0 s",
)


def submit(state: ServiceState, work: Work) -> Task:
    try:
        return state.worker.submit(work)
    except QueueFull:
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            detail=f"All {state.settings.queue_size} places in the queue are taken. Retry shortly.",
            headers={"Retry-After": "1"},
        ) from None
    except WorkerStopped:
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            detail="The service is shutting down.",
            headers={"Retry-After": "5"},
        ) from None


@router.post(
    "/generate",
    summary="Complete a piece of code",
    description=(
        "Queues the prompt for the model's worker and waits for the completion. The answer is "
        "stored first, so every 200 has its row in `GET /generations/{id}`."
    ),
    responses={400: UNREADABLE_BODY, 500: MODEL_FAILED, 503: BUSY, 504: TIMED_OUT},
)
async def generate(request: CheckedRequest, state: StateDep) -> GenerateResponse:
    generator = state.generator
    task = submit(state, lambda cancelled: generator.generate(request, cancelled))
    try:
        result = await asyncio.wait_for(
            asyncio.wrap_future(task.future), timeout=state.settings.request_timeout_s
        )
    except TimeoutError:
        task.cancel()
        raise HTTPException(
            status.HTTP_504_GATEWAY_TIMEOUT,
            detail=f"Generation did not finish within {state.settings.request_timeout_s} s",
        ) from None
    except WorkerStopped:
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            detail="The service shut down before this request ran.",
            headers={"Retry-After": "5"},
        ) from None
    except Exception as error:
        raise HTTPException(
            status.HTTP_500_INTERNAL_SERVER_ERROR,
            detail=f"Generation failed: {type(error).__name__}: {error}",
        ) from None
    row = await run_in_threadpool(state.store.add_finished, request, generator.name, result)
    return GenerateResponse.model_validate(row, from_attributes=True)


@router.post(
    "/jobs",
    status_code=status.HTTP_202_ACCEPTED,
    summary="Start a generation in the background",
    description=(
        "Answers at once with the new generation's id and a `Location` header. Poll "
        "`GET /generations/{id}`: `status` goes `queued`, `running`, then `done` (with the "
        "completion) or `failed` (with the error)."
    ),
    responses={400: UNREADABLE_BODY, 503: BUSY},
)
async def create_job(request: CheckedRequest, state: StateDep, response: Response) -> JobAccepted:
    store, generator = state.store, state.generator
    row = await run_in_threadpool(store.add_queued, request, generator.name)
    job_id = row.id
    assert job_id is not None

    def run_job(cancelled: threading.Event) -> None:
        store.mark_running(job_id)
        try:
            result = generator.generate(request, cancelled)
        except Exception as error:
            store.mark_failed(job_id, f"{type(error).__name__}: {error}")
            raise
        store.mark_done(job_id, result)

    try:
        submit(state, run_job)
    except HTTPException:
        await run_in_threadpool(store.remove, job_id)
        raise
    response.headers["Location"] = f"/generations/{job_id}"
    return JobAccepted(id=job_id)
