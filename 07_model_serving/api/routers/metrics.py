"""`GET /metrics`: the serving numbers in Prometheus's text format, for a scraper to collect."""

from fastapi import APIRouter, Response
from prometheus_client import CONTENT_TYPE_PLAIN_0_0_4 as PROMETHEUS_TEXT

from api.dependencies import NOT_READY, AnyStateServiceDep

router = APIRouter(tags=["health"])

EXAMPLE = """# HELP codegpt_request_success_total Generations finished, by finish reason.
# TYPE codegpt_request_success_total counter
codegpt_request_success_total{finish_reason="length"} 3.0
codegpt_request_success_total{finish_reason="stop"} 1.0
"""


@router.get(
    "/metrics",
    summary="Serving metrics for Prometheus",
    description=(
        "Counters (generations by finish reason, prompt and generated tokens), gauges (running "
        "and waiting now) and histograms (queue time, time to first token, time per output "
        "token, end-to-end latency) in Prometheus's text format. Open without a key, as "
        "`/health`: a scraper asks it. Readable while the model loads or drains."
    ),
    response_class=Response,
    responses={
        200: {"content": {PROMETHEUS_TEXT: {"example": EXAMPLE}}},
        503: NOT_READY,
    },
)
def metrics(service: AnyStateServiceDep) -> Response:
    return Response(service.metrics_text(), media_type=PROMETHEUS_TEXT)
