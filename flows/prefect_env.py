"""The one place that prepares Prefect for our commands: quiet, offline-friendly, logs to a file.

Prefect reads its logging config when it is first imported, and its temporary server runs in a subprocess that
inherits our environment. So `prepare_prefect()` must run before anything imports prefect: it writes a logging
config that sends every Prefect record (ours and the server's) to a log file instead of the terminal, turns the
server's known shutdown noise (task_run_recorder "Error flushing events", CancelledError) down to CRITICAL, and
disables telemetry. A running server is used when PREFECT_API_URL is set, or our local one (flows/local_server.py)
when it runs; otherwise `start_prefect()` starts the temporary server once per process, with a generous startup
timeout (a first start on a busy machine takes longer than Prefect's 20 s default), and says in one line what to do
when it still does not answer.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path

import httpx
import yaml

from inventory.errors import LumenError

LOG_FILE_ENV = "LUMEN_MIGRATE_LOG_FILE"
DEFAULT_LOG_FILE = "lumen-migrate.log"
STARTUP_TIMEOUT_ENV = "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS"
# Seen here: 8-18 s on a quiet 2-core machine, over 20 s with a fresh PREFECT_HOME and other work running.
DEFAULT_STARTUP_TIMEOUT_SECONDS = 180

# Loggers of the server side whose errors at shutdown are noise, not failures of our runs.
_QUIET_LOGGERS = ("prefect.server", "sqlalchemy", "uvicorn", "uvicorn.error", "uvicorn.access", "fastapi",
                  "docket", "prefect._internal", "httpx", "httpcore", "alembic", "aiosqlite", "asyncio")


class RunEndedFailed(logging.Filter):
    """One line instead of a traceback when a deployment's run ends in a Failed state its flow returned.

    Prefect's engine re-raises such a state as FailedRun when the run's process exits and logs it with its
    traceback ("Engine execution exited with unexpected exception"). The state already says why (a refusal, a wave
    with failed workloads), so the run's log gets that one line; any other exception keeps its traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        kind = record.exc_info[0] if record.exc_info else None
        if kind is not None and kind.__name__ == "FailedRun" and kind.__module__ == "prefect.exceptions":
            assert record.exc_info is not None
            record.msg, record.args = "the run ended Failed: %s", (record.exc_info[1],)
            record.exc_info, record.exc_text = None, None
        return True


def logging_config(log_file: Path) -> dict[str, object]:
    """Prefect's logging layout with every handler writing to `log_file` instead of the terminal."""
    file_handler = {
        "level": 0,
        "class": "logging.FileHandler",
        "formatter": "standard",
        "filename": str(log_file),
        "encoding": "utf-8",
        "delay": True,
    }
    loggers: dict[str, dict[str, object]] = {
        "prefect": {"level": "INFO"},
        "prefect.extra": {"level": "INFO", "handlers": ["api"], "propagate": False},
        "prefect.flow_runs": {"level": "NOTSET", "handlers": ["api"]},
        "prefect.task_runs": {"level": "NOTSET", "handlers": ["api"]},
        "prefect.workers": {"level": "NOTSET", "handlers": ["worker_api"]},
        "prefect.client": {"level": "INFO"},
        "lumen_migrate": {"level": "INFO"},
    }
    for name in _QUIET_LOGGERS:
        loggers[name] = {"level": "CRITICAL", "handlers": ["file"], "propagate": False}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "standard": {
                "()": "prefect.logging.formatters.PrefectFormatter",
                "format": "%(asctime)s | %(levelname)-7s | %(name)s - %(message)s",
                "flow_run_fmt": "%(asctime)s | %(levelname)-7s | Flow run %(flow_run_name)r - %(message)s",
                "task_run_fmt": "%(asctime)s | %(levelname)-7s | Task run %(task_run_name)r - %(message)s",
            },
        },
        "filters": {"run_ended_failed": {"()": "flows.prefect_env.RunEndedFailed"}},
        "handlers": {
            "file": {**file_handler, "filters": ["run_ended_failed"]},
            "api": {"level": 0, "class": "prefect.logging.handlers.APILogHandler", "filters": ["run_ended_failed"]},
            "worker_api": {"level": 0, "class": "prefect.logging.handlers.WorkerAPILogHandler"},
        },
        "loggers": loggers,
        "root": {"level": "WARNING", "handlers": ["file"]},
    }


def prepare_prefect(log_file: Path | None = None) -> Path:
    """Point Prefect's logging at `log_file` and silence its terminal output. Returns the log file path.

    Call before the first `import prefect` of the process; calling again later only changes the path used by
    a temporary server not yet started.
    """
    target = (log_file or Path(os.environ.get(LOG_FILE_ENV) or Path.cwd() / DEFAULT_LOG_FILE)).resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    config_path = target.with_name(target.stem + ".logging.yml")
    config_path.write_text(yaml.safe_dump(logging_config(target), sort_keys=False), encoding="utf-8")
    os.environ["PREFECT_LOGGING_CONFIG_PATH"] = str(config_path)
    os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
    os.environ.setdefault(STARTUP_TIMEOUT_ENV, str(DEFAULT_STARTUP_TIMEOUT_SECONDS))
    os.environ.setdefault("PREFECT_SERVER_LOGGING_LEVEL", "CRITICAL")
    # Our commands show their own progress; Prefect's rich console output would only interleave with it.
    os.environ["PREFECT_LOGGING_LOG_PRINTS"] = "false"
    if "prefect" in sys.modules:
        from prefect.logging.configuration import setup_logging

        setup_logging(incremental=False)
    return target


class PrefectUnavailableError(LumenError):
    """Prefect's API cannot be reached: the temporary server did not start, or PREFECT_API_URL does not answer."""


Waiting = Callable[[str], AbstractContextManager[object]]


def _no_display(_message: str) -> AbstractContextManager[object]:
    return nullcontext()


def start_prefect(*, waiting: Waiting = _no_display) -> str:
    """Make sure a Prefect API answers before any flow runs; returns its URL. Call after `prepare_prefect()`.

    With PREFECT_API_URL set, that server is checked (one clear line when it does not answer). Without it, the
    local server of `lumen-migrate server start` is used when it runs and answers (PREFECT_API_URL is set to it
    for this process). Otherwise Prefect's temporary server is started here, once per process, inside
    `waiting(message)` (the CLI shows a spinner), so a slow start reads as progress and a timeout as one line
    naming the setting to raise.
    """
    url = os.environ.get("PREFECT_API_URL")
    if url:
        with waiting(f"connecting to the Prefect server at {url}..."):
            _check_server(url)
        return url
    from flows.local_server import local_api_url

    local = local_api_url()
    if local:
        _use_api_url(local)
        return local
    from prefect.server.api.server import SubprocessASGIServer

    timeout = _startup_timeout()
    server = SubprocessASGIServer()
    with waiting("starting Prefect's temporary server..."):
        try:
            server.start(timeout=timeout)
        except RuntimeError as e:
            raise PrefectUnavailableError(
                f"Prefect's temporary server did not answer within {timeout} s; raise {STARTUP_TIMEOUT_ENV} "
                "(e.g. to 600), or run `prefect server start` and set PREFECT_API_URL=http://127.0.0.1:4200/api"
            ) from e
    return server.api_url


def _use_api_url(url: str) -> None:
    os.environ["PREFECT_API_URL"] = url
    if "prefect.context" in sys.modules:
        # Prefect read its settings when it was imported: make it read the environment again.
        from prefect.context import refresh_global_settings_context

        refresh_global_settings_context()


def _startup_timeout() -> int:
    text = os.environ.get(STARTUP_TIMEOUT_ENV, "")
    try:
        return max(1, int(float(text)))
    except ValueError:
        return DEFAULT_STARTUP_TIMEOUT_SECONDS


def _check_server(url: str) -> None:
    # Only "nobody answers" is checked: any HTTP answer (Prefect Cloud wants a key for /health) is a live server.
    try:
        httpx.get(f"{url.rstrip('/')}/health", timeout=10)
    except httpx.TransportError as e:
        raise PrefectUnavailableError(
            f"no Prefect server answers at PREFECT_API_URL={url} ({type(e).__name__}); start one with "
            "`prefect server start`, or unset PREFECT_API_URL to use a temporary server"
        ) from e

