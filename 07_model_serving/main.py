"""Chapter 07 - Serving a model: a small code-completion GPT behind a production-style API."""

import logging
import signal
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import torch
from fastapi import Depends, FastAPI
from fastapi.concurrency import run_in_threadpool

from api.auth import UNAUTHORIZED, require_api_key
from api.docs import add_offline_docs, document_runtime_limits
from api.errors import add_error_handlers
from api.limits import BodySizeLimit
from api.openai_protocol import UNAUTHORIZED as OPENAI_UNAUTHORIZED
from api.request_ids import RequestIds
from api.routers import chat, generate, generations, health, metrics, openai, stats
from config import Settings
from engine import Engine, EngineClient, ModelLoadError, ModelRunner
from engine.process import EngineProcess
from logs import configure_logging
from serving.database import GenerationStore
from serving.service import GenerationService

logger = logging.getLogger("chapter07")
RunnerFactory = Callable[[Settings], ModelRunner]


def load_runner(settings: Settings) -> ModelRunner:
    return ModelRunner(
        settings.model_path,
        settings.device,
        settings.max_batch_size,
        settings.prefix_cache_blocks,
    )


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    torch.set_num_threads(settings.cpu_threads)
    in_a_process = settings.engine_process and app.state.runner_factory is load_runner
    # With the engine in its own process, this process keeps a CPU copy for the tokenizer and
    # the limits; only the engine process puts the model on the GPU.
    runner_settings = settings.model_copy(update={"device": "cpu"}) if in_a_process else settings
    try:
        runner = await run_in_threadpool(app.state.runner_factory, runner_settings)
        engine = await start_engine(runner, settings, in_a_process)
    except ModelLoadError as error:
        logger.critical("Cannot start: %s", error)
        raise
    store = await run_in_threadpool(
        GenerationStore.open, settings.database_url, settings.db_busy_timeout_s
    )
    service = GenerationService(settings, runner, engine, store)
    app.state.service = service
    await service.start()
    drain_on_stop_signal(service)
    logger.info(
        "Ready: %s on %s in %s, %d slots, engine in %s",
        runner.name,
        runner.device,
        str(runner.dtype).removeprefix("torch."),
        runner.slots,
        "its own process" if in_a_process else "a thread",
    )
    try:
        yield
    finally:
        await service.stop(settings.drain_s)
        store.close()
        logger.info("Stopped: engine joined, database closed")


async def start_engine(runner: ModelRunner, settings: Settings, in_a_process: bool) -> EngineClient:
    """The engine in a thread of this process, or in a process of its own (ENGINE_PROCESS)."""
    if in_a_process:
        remote = EngineProcess(
            runner,
            settings.device,
            settings.queue_size,
            settings.cpu_threads,
            settings.speculative_tokens,
        )
        await run_in_threadpool(remote.start)  # starts Python, loads the model: seconds
        return remote
    engine = Engine(
        runner, max_waiting=settings.queue_size, speculative_tokens=settings.speculative_tokens
    )
    engine.start()
    return engine


def drain_on_stop_signal(service: GenerationService) -> None:
    """Start draining when SIGTERM (docker stop) or SIGINT (Ctrl+C) arrives, not later.

    uvicorn runs the lifespan's shutdown only after the open requests have ended, or after
    its graceful-shutdown timeout, when it drops them. To answer every client, the engine must
    start its drain at the signal: chain a handler in front of uvicorn's own. (Signals reach
    only the main thread; a server started in a test thread does without.)
    """
    if threading.current_thread() is not threading.main_thread():
        return
    for signum in (signal.SIGTERM, signal.SIGINT):
        previous = signal.getsignal(signum)

        def handler(number: int, frame: object, previous: object = previous) -> None:
            logger.info(
                "Stop signal: refusing new work, draining for %s s", service.settings.drain_s
            )
            service.begin_shutdown()
            if callable(previous):
                previous(number, frame)

        signal.signal(signum, handler)


def create_app(
    settings: Settings | None = None, runner_factory: RunnerFactory = load_runner
) -> FastAPI:
    """Build the app; the settings are read from the environment unless given.

    Tests pass their own `runner_factory` (a model that blocks or fails on purpose).
    """
    app = FastAPI(
        title="Chapter 07 - Serving a model",
        description=(
            "A small GPT, trained by this course on Python's standard library, completes code. "
            "It is loaded once at start-up; an engine thread batches every running request "
            "into one forward pass per step (continuous batching, with a KV cache); answers "
            "are stored, streamed, or served in OpenAI's format under `/v1`. `/docs` works "
            "offline."
        ),
        version="2.0.0",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_tags=[
            {"name": "generate", "description": "Ask the model to complete code."},
            {
                "name": "openai",
                "description": "The same model through OpenAI's completions and chat APIs.",
            },
            {"name": "generations", "description": "Read stored generations and follow jobs."},
            {"name": "health", "description": "Liveness, readiness and what the engine does."},
            {
                "name": "exercises",
                "description": (
                    "Your exercises. The instructor's edition shows the solutions here; "
                    "yours fills up as you solve them."
                ),
            },
        ],
    )
    app.state.settings = settings = settings or Settings()
    # Here, not in the lifespan: uvicorn writes its first lines before the lifespan runs.
    configure_logging(settings.log_level, settings.log_format)
    # Here, not in the lifespan: uvicorn writes its first lines before the lifespan runs.
    app.state.runner_factory = runner_factory
    add_error_handlers(app)
    app.add_middleware(BodySizeLimit)
    app.add_middleware(RequestIds)  # added last: the outermost, so every answer has its id
    keyed = {"dependencies": [Depends(require_api_key)]}
    app.include_router(generate.router, **keyed, responses={401: UNAUTHORIZED})
    app.include_router(openai.router, **keyed, responses={401: OPENAI_UNAUTHORIZED})
    app.include_router(chat.router, **keyed, responses={401: OPENAI_UNAUTHORIZED})
    app.include_router(generations.router, **keyed, responses={401: UNAUTHORIZED})
    app.include_router(health.router)  # orchestrators ask without a key
    app.include_router(metrics.router)  # and so do scrapers
    app.include_router(stats.router, **keyed, responses={401: UNAUTHORIZED})
    add_offline_docs(app)
    document_runtime_limits(app, settings)
    return app


app = create_app()
