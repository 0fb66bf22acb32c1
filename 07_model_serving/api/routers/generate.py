"""Generate code: wait for the answer (POST /generate) or get a job id and poll (POST /jobs)."""

from fastapi import APIRouter, Request, Response, status

from api.dependencies import ServiceDep
from api.disconnect import unless_disconnected
from api.request_ids import request_id
from api.schemas import GenerateRequest, GenerateResponse, JobAccepted, documented_error

router = APIRouter(tags=["generate"])


# FastAPI answers 400 itself when the body is not even decodable (bytes that are not UTF-8).
UNREADABLE_BODY = documented_error(
    "The body could not be read as JSON text.", "There was an error parsing the body"
)
BUSY = documented_error(
    "Every place in the queue is taken, or the service is not ready. Retry after `Retry-After`.",
    "All 64 places in the queue are taken. Retry shortly.",
)
MODEL_FAILED = documented_error(
    "The model raised an error on this request; the engine keeps serving others.",
    "Generation failed: RuntimeError: CUDA out of memory",
)
TIMED_OUT = documented_error(
    "The generation did not finish within REQUEST_TIMEOUT_S.",
    "Generation did not finish within 30.0 s",
)


@router.post(
    "/generate",
    summary="Complete a piece of code",
    description=(
        "Hands the prompt to the engine, which batches it with the other running requests, "
        "and waits for the completion. The answer is stored first, so every 200 has its row "
        "in `GET /generations/{id}`. A completion ends at `max_new_tokens`, at a `stop` string, "
        "or when prompt and completion fill the model's context (`finish_reason` `length`)."
    ),
    responses={400: UNREADABLE_BODY, 500: MODEL_FAILED, 503: BUSY, 504: TIMED_OUT},
)
async def generate(
    body: GenerateRequest, service: ServiceDep, request: Request
) -> GenerateResponse:
    row = await unless_disconnected(request, service.generate(body.to_request(request_id(request))))
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
async def create_job(
    body: GenerateRequest, service: ServiceDep, request: Request, response: Response
) -> JobAccepted:
    job_id = await service.start_job(body.to_request(request_id(request)))
    response.headers["Location"] = f"/generations/{job_id}"
    return JobAccepted(id=job_id)
