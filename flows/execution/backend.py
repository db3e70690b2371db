"""The port every execution backend implements (the simulator now, Azure next), and what crosses it.

A backend acts on one step of one workload at a time and is idempotent by the step's deterministic name: asked
twice to provision the same (run, system, step), it returns what the first call created. `describe` tells the
engine, after a crash, what a step it had started left behind, so resume neither redoes nor duplicates anything.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Protocol

from inventory.errors import LumenError
from migrations_plan.execution import StepKind


class BackendError(LumenError):
    """A step failed in the backend. Not retried: the step fails and compensation starts."""


class TransientBackendError(BackendError):
    """A failure worth retrying with backoff (throttling, a 5xx, a timeout)."""


@dataclass(frozen=True, slots=True)
class StepContext:
    run_id: int
    wave_number: int
    system_id: int
    system_name: str
    step_key: str
    kind: StepKind
    attempt: int = 1
    target_service: str | None = None
    target_sku: str | None = None
    region: str | None = None

    @property
    def name(self) -> str:
        """The deterministic name of what this step creates: the same for a retry or a resumed run."""
        system = re.sub(r"[^a-z0-9-]+", "-", self.system_name.lower()).strip("-")[:40] or "system"
        return f"lm-w{self.wave_number}-r{self.run_id}-{system}-{self.system_id}-{self.kind.value.replace('_', '')}"


@dataclass(frozen=True, slots=True)
class StepOutcome:
    """What a step did: the external ids it created (for rollback) and what is worth journaling. `complete` is
    False when `describe` found a step that failed or was cut short part-way: its leftovers are undone, but a
    resumed run must do the step again rather than count it done."""

    resources: tuple[str, ...] = ()
    detail: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    complete: bool = True


class Backend(Protocol):
    """One method per step kind that acts, one per compensation, and `describe` for reconciliation."""

    name: str

    def preflight(self, ctx: StepContext) -> StepOutcome: ...
    def provision(self, ctx: StepContext) -> StepOutcome: ...
    def replicate(self, ctx: StepContext) -> StepOutcome: ...
    def test_migration(self, ctx: StepContext) -> StepOutcome: ...
    def cutover(self, ctx: StepContext) -> StepOutcome: ...
    def validate(self, ctx: StepContext) -> StepOutcome: ...
    def finalize(self, ctx: StepContext) -> StepOutcome: ...
    def decommission(self, ctx: StepContext) -> StepOutcome: ...

    def delete(self, ctx: StepContext, resources: tuple[str, ...]) -> None:
        """Delete exactly these resources; one already gone is not an error."""
    def stop_replication(self, ctx: StepContext, resources: tuple[str, ...]) -> None: ...
    def clean_up_test(self, ctx: StepContext, resources: tuple[str, ...]) -> None: ...
    def fail_back(self, ctx: StepContext) -> None: ...
    def cancel_decommission(self, ctx: StepContext) -> None: ...

    def describe(self, ctx: StepContext) -> StepOutcome | None:
        """What the step named by `ctx` left in the target (`complete` False if it stopped part-way), or None
        if it never took effect."""

    def close(self) -> None:
        """Release what the backend holds for the run (connections, sessions); called once, after the run."""
