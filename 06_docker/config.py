"""All the settings of the service, read once from environment variables."""

from pathlib import Path
from typing import Literal

from pydantic_settings import BaseSettings, SettingsConfigDict

LogLevel = Literal["critical", "error", "warning", "info", "debug"]


class Settings(BaseSettings):
    """Each field is read from the environment variable of the same name, in upper case.

    `APP_TITLE="My API" uvicorn main:app` changes the title; a `.env` file next to this
    module works too (anchored to this file, so the folder you start from does not matter).
    """

    model_config = SettingsConfigDict(
        env_file=Path(__file__).with_name(".env"),
        extra="ignore",
    )

    app_title: str = "Chapter 06 - The API on Docker"
    log_level: LogLevel = "info"
    # BEGIN SOLUTION ch06.ex1: the app_version setting
    app_version: str = "1.0.0"
    # END SOLUTION
