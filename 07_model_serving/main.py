"""Chapter 07 - Serving a model: a small code-completion GPT behind a production-style API."""

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import torch
from fastapi import FastAPI
from fastapi.concurrency import run_in_threadpool

from config import Settings
from database import GenerationStore, create_db_engine
from dependencies import ServiceState
from docs import add_offline_docs, document_runtime_limits
from generator import Generator, ModelLoadError
from routers import generate, generations, health
from schemas import GenerateRequest
from worker import InferenceWorker

logger = logging.getLogger("chapter07")
WARM_UP = GenerateRequest(prompt="def ", max_new_tokens=8, temperature=0, seed=0)


def configure_logging(level: str) -> None:
    """The service's own log lines, in uvicorn's style; uvicorn's loggers at the same level."""
    if not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(levelname)-9s %(message)s"))
        logger.addHandler(handler)
    for name in ("chapter07", "uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).setLevel(level.upper())


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    configure_logging(settings.log_level)
    torch.set_num_threads(settings.cpu_threads)
    try:
        generator = await run_in_threadpool(Generator, settings.model_path, settings.device)
    except ModelLoadError as error:
        logger.critical("Cannot start: %s", error)
        raise
    store = GenerationStore(create_db_engine(settings.database_url))
    store.fail_unfinished("the server stopped before this job finished")
    worker = InferenceWorker(max_queue=settings.queue_size)
    worker.start()
    service = ServiceState(settings=settings, generator=generator, store=store, worker=worker)
    app.state.service = service

    # One generation before the first client: it pays for lazy initialisation and proves
    # that the model, the worker and the device work together.
    warm_up = worker.submit(lambda cancelled: generator.generate(WARM_UP, cancelled))
    await asyncio.wrap_future(warm_up.future)
    service.ready = True
    logger.info(
        "Ready: %s (%s parameters) on %s in %s",
        generator.name,
        f"{generator.card.parameters:,}",
        generator.device,
        str(generator.dtype).removeprefix("torch."),
    )
    try:
        yield
    finally:
        service.ready = False
        await run_in_threadpool(worker.stop, settings.request_timeout_s)
        store.fail_unfinished("the server shut down before this job ran")
        store.engine.dispose()
        logger.info("Stopped: worker joined, database closed")


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; the settings are read from the environment unless given."""
    app = FastAPI(
        title="Chapter 07 - Serving a model",
        description=(
            "A small GPT, trained by this course on Python's standard library, completes code. "
            "The model is loaded once at start-up, runs in one worker thread behind a bounded "
            "queue, and every generation is stored. `/docs` works offline."
        ),
        version="1.0.0",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_tags=[
            {"name": "generate", "description": "Ask the model to complete code."},
            {"name": "generations", "description": "Read stored generations and follow jobs."},
            {"name": "health", "description": "Liveness and readiness."},
        ],
    )
    app.state.settings = settings = settings or Settings()
    app.include_router(generate.router)
    app.include_router(generations.router)
    app.include_router(health.router)
    add_offline_docs(app)
    document_runtime_limits(app, settings)
    return app


app = create_app()
