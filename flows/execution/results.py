"""What a wave run (or a rollback) did: one result type, its workloads' outcomes the engine's `Outcome` enum.

The flows return it inside the run's final state (completed, completed with rejections, failed) rather than
raising, so the Prefect UI shows a named state and one line instead of a traceback; `outcome_of(state)` turns such
a state back into the result, or into `WaveRunFailed` (which carries it) for a failed run. No Prefect import at
module level: the CLI reads these types before Prefect starts.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict

from flows.execution.engine import Outcome, WorkloadResult
from flows.execution.runs import RunHandle
from flows.execution.wave import WaveOutcome
from inventory.errors import LumenError

if TYPE_CHECKING:
    from flows.execution.azure_backend import WorkloadWhatIf

MOVED = frozenset({Outcome.MIGRATED, Outcome.DECOMMISSIONED})
UNDONE_BY_FAILURE = frozenset({Outcome.FAILED, Outcome.ROLLED_BACK})


class WorkloadLine(BaseModel):
    model_config = ConfigDict(frozen=True)

    system: str
    outcome: Outcome
    steps_done: int
    failed_step: str | None = None
    error: str | None = None
    left_behind: tuple[str, ...] = ()


class WhatIfLine(BaseModel):
    """What one workload's deployment would change (the Azure dry run)."""

    model_config = ConfigDict(frozen=True)

    system: str
    where: str
    changes: tuple[dict[str, str], ...] = ()
    problem: str | None = None


class RunWaveOutcome(BaseModel):
    """What a wave run, or a rollback, did; the CLI and its --json read this."""

    model_config = ConfigDict(frozen=True)

    wave: int
    run_id: int | None
    resumed: bool = False
    status: str
    dry_run: bool = False
    runbook: str = ""
    workloads: int = 0
    migrated: int = 0
    rolled_back: int = 0
    rejected: int = 0
    failed: int = 0
    awaiting_approval: int = 0
    not_started: int = 0
    results: tuple[WorkloadLine, ...] = ()
    what_if: tuple[WhatIfLine, ...] = ()  # the Azure dry run

    @property
    def went_wrong(self) -> bool:
        """Something failed, was rolled back for a failure, or never started: the run failed, visibly."""
        return bool(self.failed or self.rolled_back or self.not_started)

    def headline(self) -> str:
        """One line for a log, a state message or a terminal."""
        parts = [f"{self.migrated} of {self.workloads} migrated"]
        for count, words in ((self.rejected, "rejected and rolled back"), (self.rolled_back, "rolled back"),
                             (self.failed, "failed"), (self.awaiting_approval, "waiting for approval"),
                             (self.not_started, "not started")):
            if count:
                parts.append(f"{count} {words}")
        first = next((line for line in self.results if line.outcome in UNDONE_BY_FAILURE and line.failed_step), None)
        return (f"wave {self.wave} run {self.run_id}: {self.status}; " + ", ".join(parts)
                + (f" (first failure: {first.system} at {first.failed_step}: {first.error})" if first else ""))


class WaveRunFailed(LumenError):
    """A wave run ended with failed or rolled-back workloads; carries what happened to each."""

    def __init__(self, outcome: RunWaveOutcome) -> None:
        self.outcome = outcome
        super().__init__(outcome.headline())


def what_if_lines(lines: Sequence[WorkloadWhatIf] | None) -> tuple[WhatIfLine, ...]:
    return tuple(WhatIfLine(system=line.system, where=line.where, changes=tuple(dict(c) for c in line.changes),
                            problem=line.problem) for line in lines or ())


def to_outcome(handle: RunHandle, outcome: WaveOutcome, results: Sequence[WorkloadResult]) -> RunWaveOutcome:
    """The run's result from every round's workload results (a workload's latest result counts)."""
    latest = {result.system_id: result for result in results if result.system_id}
    lines = tuple(WorkloadLine(system=r.name, outcome=r.outcome, steps_done=r.steps_done, failed_step=r.failed_step,
                               error=r.error, left_behind=r.left_behind) for r in latest.values())

    def count(*outcomes: Outcome) -> int:
        return sum(1 for r in latest.values() if r.outcome in outcomes)

    return RunWaveOutcome(wave=handle.wave_number, run_id=handle.run_id, resumed=handle.resumed,
                          status=outcome.status.value, workloads=len(handle.runbook.workloads),
                          migrated=count(*MOVED), rolled_back=count(Outcome.ROLLED_BACK),
                          rejected=count(Outcome.REJECTED), failed=count(Outcome.FAILED),
                          awaiting_approval=count(Outcome.AWAITING_APPROVAL), not_started=count(Outcome.NOT_STARTED),
                          results=lines)


def outcome_of(state: Any) -> RunWaveOutcome:
    """The result a wave flow's final state carries. A failed run raises WaveRunFailed (with the result); a run
    refused before it acted raises LumenError with its one line."""
    from flows.run_states import REFUSED

    if state.name == REFUSED:
        raise LumenError(state.message or "the run was refused")
    data = state.result(raise_on_failure=False)
    if isinstance(data, RunWaveOutcome):
        if state.is_failed():
            raise WaveRunFailed(data)
        return data
    if isinstance(data, BaseException):
        raise data
    raise LumenError(state.message or f"the run ended {state.name}")
