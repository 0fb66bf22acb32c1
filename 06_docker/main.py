"""Chapter 06 - The API on Docker: the chapter 05 API, ready to run in a container."""

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict

from config import Settings
from hostile_input import MAX_BODY_BYTES, BodySizeLimit, validation_error_handler
from routers import health, users
from store import UserStore

settings = Settings()
logger = logging.getLogger("chapter06")


def configure_logging(level: str) -> None:
    """The service's own log lines, in uvicorn's style; uvicorn's loggers at the same level."""
    if not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(levelname)-9s %(message)s"))
        logger.addHandler(handler)
    for name in ("chapter06", "uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).setLevel(level)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    level = settings.log_level.upper()
    configure_logging(level)
    app.state.store = UserStore()
    logger.info("Starting %r with log level %s", settings.app_title, level)
    yield
    logger.info("Stopped; the in-memory store is gone")


app = FastAPI(
    title=settings.app_title,
    description=(
        "The chapter 05 user API, packaged for a container: settings from environment "
        "variables, routers per resource, and a `/health` route for Docker's HEALTHCHECK."
    ),
    version="1.0.0",
    lifespan=lifespan,
    openapi_tags=[
        {"name": "users", "description": "Create, read, update and delete users."},
        {"name": "health", "description": "Is the service alive?"},
        {
            "name": "exercises",
            "description": "Your exercises. The instructor's edition shows the solutions here; "
            "yours fills up as you solve them.",
        },
    ],
)
# What hostile input must not do: make the 422 itself fail (NaN, lone surrogates), or make
# the server parse megabytes. See hostile_input.py.
app.add_exception_handler(RequestValidationError, validation_error_handler)
app.add_middleware(BodySizeLimit, max_bytes=MAX_BODY_BYTES)
app.include_router(users.router)
app.include_router(health.router)


# BEGIN SOLUTION ch06.ex1: the InfoOut model and GET /info
class InfoOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"title": "Chapter 06 - The API on Docker", "version": "1.0.0"}]
        }
    )

    title: str
    version: str


@app.get(
    "/info",
    summary="Which service is this?",
    description="Exercise 1: the title and version from the settings (`APP_TITLE`, `APP_VERSION`).",
    tags=["exercises"],
)
def info() -> InfoOut:
    return InfoOut(title=settings.app_title, version=settings.app_version)


# END SOLUTION
