"""The runbook of a wave: an immutable execution plan built from the wave's members, strategies and targets.

Per workload, staged steps: preflight -> provision -> replicate -> test_migration -> approve -> cutover -> validate
-> finalize (a retired system: preflight -> decommission; retained or excluded: nothing). Steps are grouped as
Azure Migrate groups them: initialization, one group per move group (or application), finalization. Every step
that changes something names its compensation (provision <-> delete what was created, cutover <-> fail back, ...).

Engineers edit a runbook by data (`RunbookEdits`): add manual, approval or shell-command steps before or after a
step kind (for every workload, a move group, or one system; or in initialization / finalization), and drop
optional steps. The edits are stored and versioned with the wave; the runbook is rebuilt from plan + edits, so
the same inputs always give the same runbook. `str(runbook)` is the dry run.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from inventory.errors import BadSettingsError
from migrations_plan.strategy_types import Strategy


class StepKind(StrEnum):
    PREFLIGHT = "preflight"
    PROVISION = "provision"
    REPLICATE = "replicate"
    TEST_MIGRATION = "test_migration"
    APPROVE = "approve"
    CUTOVER = "cutover"
    VALIDATE = "validate"
    FINALIZE = "finalize"
    DECOMMISSION = "decommission"
    MANUAL = "manual"
    SHELL = "shell"


class Compensation(StrEnum):
    """What undoes a step, run in reverse order when a workload fails or is rolled back."""

    DELETE_RESOURCES = "delete_resources"
    STOP_REPLICATION = "stop_replication"
    CLEAN_UP_TEST = "clean_up_test"
    FAIL_BACK = "fail_back"
    CANCEL_DECOMMISSION = "cancel_decommission"


COMPENSATION: Mapping[StepKind, Compensation] = MappingProxyType({
    StepKind.PROVISION: Compensation.DELETE_RESOURCES,
    StepKind.REPLICATE: Compensation.STOP_REPLICATION,
    StepKind.TEST_MIGRATION: Compensation.CLEAN_UP_TEST,
    StepKind.CUTOVER: Compensation.FAIL_BACK,
    StepKind.FINALIZE: Compensation.CANCEL_DECOMMISSION,
    StepKind.DECOMMISSION: Compensation.CANCEL_DECOMMISSION,
})
MIGRATION_STEPS: tuple[StepKind, ...] = (
    StepKind.PREFLIGHT, StepKind.PROVISION, StepKind.REPLICATE, StepKind.TEST_MIGRATION, StepKind.APPROVE,
    StepKind.CUTOVER, StepKind.VALIDATE, StepKind.FINALIZE)
RETIRE_STEPS: tuple[StepKind, ...] = (StepKind.PREFLIGHT, StepKind.DECOMMISSION)
# Steps an engineer may drop. The approval gate is optional only outside production.
OPTIONAL_STEPS = frozenset({StepKind.TEST_MIGRATION, StepKind.VALIDATE})
MOVING = frozenset({Strategy.REHOST, Strategy.REPLATFORM, Strategy.REFACTOR, Strategy.REPURCHASE,
                    Strategy.RELOCATE})


class GroupKind(StrEnum):
    INITIALIZATION = "initialization"
    WORKLOADS = "workloads"
    FINALIZATION = "finalization"


@dataclass(frozen=True, slots=True)
class Workload:
    """A wave member as the runbook needs it."""

    system_id: int
    name: str
    strategy: Strategy
    environment: str = "unknown"
    group_key: str = ""
    application: str | None = None
    target_service: str | None = None
    target_sku: str | None = None
    region: str | None = None

    @property
    def production(self) -> bool:
        return self.environment == "production"


@dataclass(frozen=True, slots=True)
class Step:
    """One step of the runbook. `key` is unique in the runbook and stable across rebuilds (journal lines and the
    backend's deterministic resource names are derived from it)."""

    key: str
    kind: StepKind
    system_id: int | None = None
    system_name: str | None = None
    optional: bool = False
    compensation: Compensation | None = None
    description: str = ""
    command: tuple[str, ...] = ()
    added_by_edit: bool = False

    @property
    def gate(self) -> bool:
        """Steps that wait for a person: approval gates and manual steps."""
        return self.kind in (StepKind.APPROVE, StepKind.MANUAL)


@dataclass(frozen=True, slots=True)
class WorkloadPlan:
    workload: Workload
    steps: tuple[Step, ...]


@dataclass(frozen=True, slots=True)
class StepGroup:
    name: str
    kind: GroupKind
    steps: tuple[Step, ...] = ()
    workloads: tuple[WorkloadPlan, ...] = ()


class Placement(StrEnum):
    BEFORE = "before"
    AFTER = "after"


@dataclass(frozen=True, slots=True)
class AddedStep:
    """An engineer's step: manual, approval or shell, placed before/after a step kind of the workloads it
    concerns (all, a move group, one system), or in initialization / finalization (`anchor` None)."""

    name: str
    kind: StepKind
    anchor: StepKind | None = None
    placement: Placement = Placement.BEFORE
    group: GroupKind | None = None
    system: str | None = None
    move_group: str | None = None
    command: tuple[str, ...] = ()
    description: str = ""


@dataclass(frozen=True, slots=True)
class RunbookEdits:
    added: tuple[AddedStep, ...] = ()
    dropped: frozenset[StepKind] = frozenset()
    # Systems whose optional steps are dropped only for them: name -> kinds.
    dropped_for: Mapping[str, frozenset[StepKind]] = field(default_factory=lambda: MappingProxyType({}))

    def validate(self) -> None:
        problems = [f"step kind {kind.value!r} cannot be dropped (only {', '.join(sorted(OPTIONAL_STEPS))} "
                    "can, and approve outside production)"
                    for kind in sorted(self.dropped | set().union(*self.dropped_for.values()))
                    if kind not in OPTIONAL_STEPS | {StepKind.APPROVE}]
        for added in self.added:
            if added.kind not in (StepKind.MANUAL, StepKind.APPROVE, StepKind.SHELL):
                problems.append(f"added step {added.name!r}: kind must be manual, approve or shell")
            if added.kind is StepKind.SHELL and not added.command:
                problems.append(f"added step {added.name!r}: a shell step needs a command")
            if (added.anchor is None) == (added.group is None or added.group is GroupKind.WORKLOADS):
                problems.append(f"added step {added.name!r}: give a step kind to place it at, or "
                                "initialization / finalization")
        if problems:
            raise BadSettingsError("; ".join(problems))

    def to_dict(self) -> dict[str, object]:
        """Plain data, as the runbook's stored version holds it."""
        return {
            "added": [{"name": a.name, "kind": a.kind.value, "anchor": a.anchor.value if a.anchor else None,
                       "placement": a.placement.value, "group": a.group.value if a.group else None,
                       "system": a.system, "move_group": a.move_group, "command": list(a.command),
                       "description": a.description} for a in self.added],
            "dropped": sorted(kind.value for kind in self.dropped),
            "dropped_for": {name: sorted(kind.value for kind in kinds)
                            for name, kinds in sorted(self.dropped_for.items())},
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, source: str = "runbook edits") -> RunbookEdits:
        """Edits from plain data (a stored version or the engineer's YAML); every problem raised at once."""
        try:
            added = tuple(
                AddedStep(name=str(item["name"]), kind=StepKind(item["kind"]),
                          anchor=StepKind(item["anchor"]) if item.get("anchor") else None,
                          placement=Placement(item.get("placement") or "before"),
                          group=GroupKind(item["group"]) if item.get("group") else None,
                          system=item.get("system"), move_group=item.get("move_group"),
                          command=tuple(str(part) for part in item.get("command") or ()),
                          description=str(item.get("description") or ""))
                for item in _items(data.get("added")))
            dropped = frozenset(StepKind(kind) for kind in _items(data.get("dropped")))
            dropped_for = MappingProxyType({
                str(name): frozenset(StepKind(kind) for kind in kinds)
                for name, kinds in dict(data.get("dropped_for") or {}).items()})
        except (KeyError, ValueError, TypeError, AttributeError) as e:
            raise BadSettingsError(f"{source}: not valid runbook edits ({type(e).__name__}: {e}); expected "
                                   "added: [{name, kind, anchor|group, placement, system, move_group, command}], "
                                   "dropped: [step kinds], dropped_for: {system: [step kinds]}") from e
        edits = cls(added, dropped, dropped_for)
        edits.validate()
        return edits


@dataclass(frozen=True, slots=True)
class Runbook:
    wave_number: int
    wave_name: str
    version: int
    groups: tuple[StepGroup, ...]
    skipped: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def workloads(self) -> tuple[WorkloadPlan, ...]:
        return tuple(plan for group in self.groups for plan in group.workloads)

    def steps(self) -> tuple[Step, ...]:
        """Every step in run order (initialization, each workload's, finalization)."""
        result: list[Step] = []
        for group in self.groups:
            result.extend(group.steps)
            for plan in group.workloads:
                result.extend(plan.steps)
        return tuple(result)

    @property
    def production_gates(self) -> bool:
        """Whether some production workload waits for a person's approval before cutover."""
        return any(plan.workload.production and any(step.kind is StepKind.APPROVE for step in plan.steps)
                   for plan in self.workloads)

    def workload(self, name_or_id: str | int) -> WorkloadPlan:
        for plan in self.workloads:
            if name_or_id in (plan.workload.name, plan.workload.system_id, str(plan.workload.system_id)):
                return plan
        raise KeyError(name_or_id)

    def __str__(self) -> str:
        lines = [f"Runbook for wave {self.wave_number} ({self.wave_name}), version {self.version}: "
                 f"{len(self.workloads)} workload(s), {len(self.steps())} step(s)"]
        for group in self.groups:
            lines.append(f"  [{group.kind.value}] {group.name}")
            lines.extend(f"    - {_describe(step)}" for step in group.steps)
            for plan in group.workloads:
                workload = plan.workload
                target = " ".join(part for part in (workload.target_service, workload.target_sku, workload.region)
                                  if part)
                lines.append(f"    {workload.name} ({workload.strategy.value}{', ' + target if target else ''}"
                             f"{', production' if workload.production else ''})")
                lines.extend(f"      {index}. {_describe(step)}" for index, step in enumerate(plan.steps, 1))
        for name, reason in sorted(self.skipped.items()):
            lines.append(f"  not run: {name}: {reason}")
        return "\n".join(lines)


def _items(value: Any) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise TypeError(f"expected a list, got {type(value).__name__}")
    return value


def _describe(step: Step) -> str:
    name = step.key.rsplit("/", 1)[-1].split(":", 1)[-1]
    text = f"{step.kind.value} '{name}'" if step.added_by_edit else step.kind.value
    if step.command:
        text += f" `{' '.join(step.command)}`"
    if step.compensation:
        text += f"  (undo: {step.compensation.value})"
    if step.optional:
        text += "  [optional]"
    return text


def build_runbook(wave_number: int, wave_name: str, workloads: Iterable[Workload], *,
                  edits: RunbookEdits = RunbookEdits(), version: int = 1) -> Runbook:
    """The runbook of one wave. Workloads are grouped by move group (else application), in name order."""
    edits.validate()
    members = sorted(workloads, key=lambda w: (w.group_key or w.application or "", w.name.lower(), w.system_id))
    known = {w.name for w in members}
    unknown = sorted({a.system for a in edits.added if a.system and a.system not in known} |
                     {name for name in edits.dropped_for if name not in known})
    if unknown:
        raise BadSettingsError(f"runbook edits name system(s) not in wave {wave_number}: {', '.join(unknown)}")
    skipped: dict[str, str] = {}
    by_group: dict[str, list[WorkloadPlan]] = {}
    for workload in members:
        if workload.strategy in MOVING:
            kinds = MIGRATION_STEPS
        elif workload.strategy is Strategy.RETIRE:
            kinds = RETIRE_STEPS
        else:
            skipped[workload.name] = f"{workload.strategy.value}: nothing to execute"
            continue
        plan = WorkloadPlan(workload, _workload_steps(workload, kinds, edits))
        by_group.setdefault(_group_name(workload), []).append(plan)
    groups = [StepGroup("initialization", GroupKind.INITIALIZATION,
                        _edge_steps(GroupKind.INITIALIZATION, edits))]
    groups += [StepGroup(name, GroupKind.WORKLOADS, workloads=tuple(plans)) for name, plans in by_group.items()]
    groups.append(StepGroup("finalization", GroupKind.FINALIZATION, _edge_steps(GroupKind.FINALIZATION, edits)))
    return Runbook(wave_number, wave_name, version, tuple(groups), MappingProxyType(skipped))


def _group_name(workload: Workload) -> str:
    if workload.group_key:
        return f"move group {workload.group_key}"
    return f"application {workload.application}" if workload.application else "standalone"


def _workload_steps(workload: Workload, kinds: Sequence[StepKind], edits: RunbookEdits) -> tuple[Step, ...]:
    dropped = edits.dropped | edits.dropped_for.get(workload.name, frozenset())
    steps: list[Step] = []
    for kind in kinds:
        optional = kind in OPTIONAL_STEPS or (kind is StepKind.APPROVE and not workload.production)
        steps.extend(_added(workload, kind, Placement.BEFORE, edits))
        if not (optional and kind in dropped):
            steps.append(Step(f"{workload.system_id}/{kind.value}", kind, workload.system_id, workload.name,
                              optional=optional, compensation=COMPENSATION.get(kind)))
        steps.extend(_added(workload, kind, Placement.AFTER, edits))
    return tuple(steps)


def _added(workload: Workload, anchor: StepKind, placement: Placement, edits: RunbookEdits) -> list[Step]:
    return [Step(f"{workload.system_id}/{added.kind.value}:{added.name}", added.kind, workload.system_id,
                 workload.name, description=added.description, command=added.command, added_by_edit=True)
            for added in edits.added
            if added.anchor is anchor and added.placement is placement
            and (added.system is None or added.system == workload.name)
            and (added.move_group is None or added.move_group == workload.group_key)]


def _edge_steps(group: GroupKind, edits: RunbookEdits) -> tuple[Step, ...]:
    return tuple(Step(f"{group.value}/{added.kind.value}:{added.name}", added.kind, description=added.description,
                      command=added.command, added_by_edit=True)
                 for added in edits.added if added.anchor is None and added.group is group)
