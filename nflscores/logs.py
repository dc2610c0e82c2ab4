"""Logging set-up, done once by the command-line entry point and never at import."""

from __future__ import annotations

import logging
import sys
from datetime import UTC, datetime
from typing import Any

from nflscores.encoding import dumps
from nflscores.settings import Settings

_RESERVED = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """Format each record as one JSON object per line, with its `extra` fields."""

    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        data.update((k, v) for k, v in record.__dict__.items() if k not in _RESERVED)
        if record.exc_info:
            data["exc"] = self.formatException(record.exc_info)
        return dumps(data).decode()


def configure_logging(settings: Settings) -> None:
    """Send logs to stderr, as JSON lines when NFLSCORES_LOG_JSON is set."""
    handler = logging.StreamHandler(sys.stderr)
    if settings.log_json:
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(settings.log_level.upper())
