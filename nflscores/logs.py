"""Logging set-up, done once by the command-line entry point and never at import."""

from __future__ import annotations

import logging
import logging.config
from datetime import UTC, datetime
from typing import Any

from nflscores.domain.encoding import dumps
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


#: The line format when logs are text, not JSON.
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def logging_config(settings: Settings) -> dict[str, Any]:
    """Return the `dictConfig` schema that sends every log to stderr, as JSON lines if asked."""
    formatter: dict[str, Any] = (
        {"()": JsonFormatter} if settings.log_json else {"format": TEXT_FORMAT}
    )
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"default": formatter},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": "default",
                "stream": "ext://sys.stderr",
            }
        },
        "root": {"level": settings.log_level.upper(), "handlers": ["stderr"]},
        # The access log follows the root level unless it is switched off on its own.
        "loggers": {"nflscores.access": {"level": "NOTSET" if settings.access_log else "WARNING"}},
    }


def configure_logging(settings: Settings) -> None:
    """Send logs to stderr, as JSON lines when NFLSCORES_LOG_JSON is set."""
    logging.config.dictConfig(logging_config(settings))
