"""Wave execution, the pure part: the runbook (steps, groups, compensations) built from a planned wave.

No Prefect, no database, no network: the engine in `flows.execution` runs a runbook against a backend.
"""

from __future__ import annotations

from migrations_plan.execution.runbook import (
    COMPENSATION,
    MIGRATION_STEPS,
    OPTIONAL_STEPS,
    RETIRE_STEPS,
    AddedStep,
    Compensation,
    GroupKind,
    Placement,
    Runbook,
    RunbookEdits,
    Step,
    StepGroup,
    StepKind,
    Workload,
    WorkloadPlan,
    build_runbook,
)

__all__ = ["COMPENSATION", "MIGRATION_STEPS", "OPTIONAL_STEPS", "RETIRE_STEPS", "AddedStep", "Compensation",
           "GroupKind", "Placement", "Runbook", "RunbookEdits", "Step", "StepGroup", "StepKind", "Workload",
           "WorkloadPlan", "build_runbook"]
