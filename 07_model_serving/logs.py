"""The server's log lines: uvicorn's style by default, or JSON lines (`LOG_FORMAT=json`) for a
log collector. A line written while a request is handled carries that request's id."""

import json
import logging
from datetime import UTC, datetime

from api.request_ids import current_request_id

OURS = "chapter07"
UVICORN = ("uvicorn", "uvicorn.error", "uvicorn.access")


class TextLines(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(levelname)-9s %(message)s%(request)s")

    def format(self, record: logging.LogRecord) -> str:
        request_id = current_request_id.get()
        record.request = f" [request {request_id}]" if request_id else ""
        return super().format(record)


class JsonLines(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = current_request_id.get()
        if request_id:
            entry["request_id"] = request_id
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry)


def configure_logging(level: str, form: str) -> None:
    """The service's own lines on stderr, and uvicorn's loggers at the same level; in JSON,
    uvicorn's own handlers (when uvicorn runs the app) write JSON lines too."""
    formatter = JsonLines() if form == "json" else TextLines()
    logger = logging.getLogger(OURS)
    for old in logger.handlers[:]:  # an app built again (tests) writes to today's stderr
        logger.removeHandler(old)
    handler = logging.StreamHandler()
    handler.setFormatter(formatter)
    logger.addHandler(handler)
    for name in (OURS, *UVICORN):
        logging.getLogger(name).setLevel(level.upper())
        if form == "json":
            for handler in logging.getLogger(name).handlers:
                handler.setFormatter(formatter)
