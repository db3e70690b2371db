"""A deployment's run that ends in a Failed state its flow returned gets one line in its log, not a traceback."""

from __future__ import annotations

import logging
import sys

from prefect.exceptions import FailedRun

from flows.prefect_env import RunEndedFailed, logging_config


def record_of(error: BaseException) -> logging.LogRecord:
    try:
        raise error
    except BaseException:  # noqa: BLE001 - a record carrying whatever the engine caught
        return logging.LogRecord("prefect.flow_runs", logging.ERROR, __file__, 1,
                                 "Engine execution exited with unexpected exception", (), sys.exc_info())


def test_a_failed_state_the_flow_returned_is_one_line() -> None:
    record = record_of(FailedRun("no wave numbered 999: the plan has waves 0 to 4"))
    assert RunEndedFailed().filter(record)
    assert record.getMessage() == "the run ended Failed: no wave numbered 999: the plan has waves 0 to 4"
    assert record.exc_info is None, "no traceback"


def test_any_other_exception_keeps_its_traceback() -> None:
    record = record_of(ValueError("a bug"))
    assert RunEndedFailed().filter(record)
    assert record.exc_info is not None and record.getMessage().startswith("Engine execution exited")


def test_the_run_log_handlers_apply_it(tmp_path: object) -> None:
    config = logging_config(tmp_path / "prefect.log")  # type: ignore[operator]
    handlers = config["handlers"]
    assert isinstance(handlers, dict)
    assert "run_ended_failed" in handlers["api"]["filters"] and "run_ended_failed" in handlers["file"]["filters"]
