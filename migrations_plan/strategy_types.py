"""Vocabulary shared by assessment, wave planning and the savings model."""

from __future__ import annotations

from enum import StrEnum


class Strategy(StrEnum):
    """The 7 Rs."""

    REHOST = "rehost"
    REPLATFORM = "replatform"
    REFACTOR = "refactor"
    REPURCHASE = "repurchase"
    RETIRE = "retire"
    RETAIN = "retain"
    RELOCATE = "relocate"


# Systems with these strategies never move in a wave.
EXCLUDED_FROM_WAVES: frozenset[Strategy] = frozenset({Strategy.RETIRE, Strategy.RETAIN})


class Readiness(StrEnum):
    READY = "ready"
    READY_WITH_CONDITIONS = "ready_with_conditions"
    NOT_READY = "not_ready"
    UNKNOWN = "unknown"
