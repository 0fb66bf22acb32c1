"""Chapter 06 - The API on Docker: the chapter 05 API, ready to run in a container."""

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from pydantic import BaseModel, ConfigDict

from config import Settings
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
    ],
)
app.include_router(users.router)
app.include_router(health.router)


# BEGIN SOLUTION
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
    tags=["health"],
)
def info() -> InfoOut:
    return InfoOut(title=settings.app_title, version=settings.app_version)


# END SOLUTION
