"""Inputs and outputs of the assessment: one legacy system in, its strategy, readiness and priced target out."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, NamedTuple

from inventory.errors import BadSettingsError, NotFoundError
from inventory.records import (
    Criticality,
    Environment,
    OsFamily,
    PowerState,
    SystemKind,
    SystemRecord,
    os_family_of,
)
from migrations_plan.strategy_types import Readiness, Strategy


class AssessmentError(BadSettingsError):
    """Assessment settings or inputs that cannot be assessed (e.g. a comfort factor below 1)."""


class DiskLoad(NamedTuple):
    """One legacy disk: size in GiB, and its percentile IOPS and MB/s when the inventory has them."""

    size_gb: float
    read_iops: float | None = None
    write_iops: float | None = None
    read_mbps: float | None = None
    write_mbps: float | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class AssessInput:
    """The facts about one system that assessment reads (built from a `system` row or a `SystemRecord`).

    `memory_mb` is MiB, disk sizes GiB, utilisation 0..100 at percentile `util_percentile` (95 = P95).
    `disks[0]` is taken as the OS disk. `dependency_count` counts connections in and out.
    """

    id: int
    name: str
    kind: SystemKind = SystemKind.SERVER
    os_name: str | None = None
    os_family: OsFamily = OsFamily.UNKNOWN
    os_version: str | None = None
    os_arch: str | None = None
    os_end_of_support: dt.date | None = None
    cores: int | None = None
    memory_mb: float | None = None
    cpu_util_pct: float | None = None
    memory_util_pct: float | None = None
    util_percentile: int | None = None
    disks: tuple[DiskLoad, ...] = ()
    storage_gb: float | None = None
    environment: Environment = Environment.UNKNOWN
    criticality: Criticality | None = None
    application: str | None = None
    workload_type: str | None = None
    db_engine: str | None = None
    db_version: str | None = None
    db_size_gb: float | None = None
    power_state: PowerState = PowerState.UNKNOWN
    tags: Mapping[str, str] = field(default_factory=dict)
    dependency_count: int = 0
    server_type: str | None = None

    @classmethod
    def from_record(cls, system_id: int, record: SystemRecord, *, dependency_count: int = 0) -> AssessInput:
        """The assessment view of an imported record (the lead's `system` rows carry the same columns)."""
        return cls(
            id=system_id,
            name=record.name,
            kind=record.kind,
            os_name=record.os_name,
            os_family=os_family_of(record.os_name),
            os_version=record.os_version,
            os_arch=record.os_arch,
            os_end_of_support=record.os_end_of_support,
            cores=record.cores,
            memory_mb=record.memory_mb,
            cpu_util_pct=record.cpu_util_pct,
            memory_util_pct=record.memory_util_pct,
            util_percentile=record.util_percentile,
            disks=tuple(
                DiskLoad(d.size_gb, d.read_iops, d.write_iops, d.read_mbps, d.write_mbps) for d in record.disks
            ),
            storage_gb=record.storage_gb,
            environment=record.environment,
            criticality=record.criticality,
            application=record.application,
            workload_type=record.workload_type,
            db_engine=record.db_engine,
            db_version=record.db_version,
            db_size_gb=record.db_size_gb,
            power_state=record.power_state,
            tags=dict(record.tags),
            dependency_count=dependency_count,
            server_type=record.server_type,
        )


@dataclass(frozen=True, slots=True)
class Override:
    """An engineer's strategy for one system; it wins over the rules on every re-assessment."""

    strategy: Strategy
    reason: str
    author: str | None = None

    def __post_init__(self) -> None:
        if not self.reason.strip():
            raise AssessmentError("an override needs a reason: say why the rules are wrong for this system")


class TargetService(StrEnum):
    VM = "vm"
    SQL_DB = "sql-db"
    SQL_MI = "sql-mi"
    APP_SERVICE = "app-service"
    AKS = "aks"
    NONE = "none"


class SizingBasis(StrEnum):
    """Performance-based when both CPU and memory utilisation are usable; otherwise the allocated size."""

    PERFORMANCE = "performance"
    AS_ON_PREMISES = "as-on-premises"


class TargetDisk(NamedTuple):
    """A managed disk of the target: tier name ("P10", "E30") and its size in GiB."""

    tier: str
    size_gib: int


Detail = str | int | float | bool


@dataclass(frozen=True, slots=True)
class Target:
    """Where the system lands in Azure. `sku` is the VM size, SQL sku or plan; `details` explain the choice."""

    service: TargetService
    sku: str | None
    region: str
    disks: tuple[TargetDisk, ...] = ()
    details: Mapping[str, Detail] = field(default_factory=dict)

    def __str__(self) -> str:
        text = f"{self.service} {self.sku or '-'} in {self.region}"
        if self.disks:
            counts = Counter(disk.tier for disk in self.disks)
            text += " + disks " + ", ".join(f"{n}x{tier}" for tier, n in sorted(counts.items()))
        return text

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (the `target_mapping` row stores disks and details as JSON)."""
        return {
            "service": self.service.value,
            "sku": self.sku,
            "region": self.region,
            "disks": [{"tier": disk.tier, "size_gib": disk.size_gib} for disk in self.disks],
            "details": dict(self.details),
        }


@dataclass(frozen=True, slots=True)
class Assessment:
    """The decision for one system: strategy and why, readiness and why, the priced target and how it was sized.

    `monthly_cost` is for the settings' pricing option; `monthly_cost_by_option` holds the keys "payg", "ri1y",
    "ri3y", "payg_ahb", "ri1y_ahb", "ri3y_ahb" that could be priced (a missing key = not priced, see cost_basis).
    """

    system_id: int
    name: str
    strategy: Strategy
    rule_id: str
    reason: str
    overridden: bool
    readiness: Readiness
    readiness_reasons: tuple[str, ...]
    target: Target | None
    sizing_basis: SizingBasis | None
    needed_vcpus: int | None
    needed_memory_gib: float | None
    monthly_cost: float | None
    monthly_cost_by_option: Mapping[str, float]
    cost_estimated: bool
    cost_basis: str
    sizing_note: str = ""
    # VM targets: the needs that decided the size, and the nearest cheaper sizes passed over with why.
    sizing_reason: str = ""
    rejected_sizes: tuple[str, ...] = ()

    def __str__(self) -> str:
        who = "engineer override" if self.overridden else f"rule {self.rule_id}"
        cost = "not priced" if self.monthly_cost is None else f"${self.monthly_cost:,.2f}/month"
        if self.cost_estimated and self.monthly_cost is not None:
            cost += " (estimated)"
        lines = [
            f"#{self.system_id} {self.name}: {self.strategy} ({who}) -> {self.target or 'no Azure target'}, {cost}",
            f"  why: {self.reason}",
            f"  readiness: {self.readiness}" + (f" - {'; '.join(self.readiness_reasons)}" if self.readiness_reasons
                                                else ""),
        ]
        if self.sizing_note:
            lines.append(f"  sizing ({self.sizing_basis}): {self.sizing_note}")
        if self.sizing_reason:
            lines.append(f"  size: {self.sizing_reason}")
        if self.rejected_sizes:
            lines.append(f"  cheaper sizes passed over: {'; '.join(self.rejected_sizes)}")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form, flat like the `assessment` and `target_mapping` rows."""
        return {
            "system_id": self.system_id,
            "name": self.name,
            "strategy": self.strategy.value,
            "rule_id": self.rule_id,
            "reason": self.reason,
            "overridden": self.overridden,
            "readiness": self.readiness.value,
            "readiness_reasons": list(self.readiness_reasons),
            "target": self.target.to_dict() if self.target else None,
            "sizing_basis": self.sizing_basis.value if self.sizing_basis else None,
            "needed_vcpus": self.needed_vcpus,
            "needed_memory_gib": self.needed_memory_gib,
            "monthly_cost": self.monthly_cost,
            "monthly_cost_by_option": dict(self.monthly_cost_by_option),
            "cost_estimated": self.cost_estimated,
            "cost_basis": self.cost_basis,
            "sizing_note": self.sizing_note,
            "sizing_reason": self.sizing_reason,
            "rejected_sizes": list(self.rejected_sizes),
        }


_NOT_READY = (Readiness.NOT_READY, Readiness.UNKNOWN)
# Settings left out of the one-line summary: the region is said beside it, the history is informational.
_SUMMARY_SKIPS = frozenset({"Target location", "Performance history"})


def settings_text(settings: Mapping[str, str]) -> str:
    """Assessment settings in one line: "Sizing criteria performance-based; Percentile utilization P95; ..."."""
    return "; ".join(f"{name} {value}" for name, value in settings.items() if name not in _SUMMARY_SKIPS)


@dataclass(frozen=True, slots=True)
class AssessmentResult:
    """Every system's assessment, in input order, with what produced them (for the `assessment_run` row)."""

    assessments: tuple[Assessment, ...]
    region: str
    pricing_key: str
    catalog_as_of: dt.date | None
    rules_source: str
    as_of: dt.date
    # The assessment settings under Azure Migrate's names (`AssessSettings.describe()`).
    settings: Mapping[str, str] = field(default_factory=dict)

    def counts_by_strategy(self) -> dict[Strategy, int]:
        counts = Counter(a.strategy for a in self.assessments)
        return {strategy: counts[strategy] for strategy in Strategy if counts[strategy]}

    def counts_by_readiness(self) -> dict[Readiness, int]:
        counts = Counter(a.readiness for a in self.assessments)
        return {readiness: counts[readiness] for readiness in Readiness if counts[readiness]}

    def not_ready(self) -> tuple[Assessment, ...]:
        """Systems that cannot move as assessed: not ready, or readiness unknown (missing cores/memory)."""
        return tuple(a for a in self.assessments if a.readiness in _NOT_READY)

    def get(self, system_id: int) -> Assessment:
        for assessment in self.assessments:
            if assessment.system_id == system_id:
                return assessment
        raise NotFoundError(f"system {system_id} is not in this assessment")

    def monthly_total(self, key: str | None = None) -> float:
        """Sum of priced monthly costs for an option key ("ri3y_ahb"), or of `monthly_cost` when key is None."""
        if key is None:
            return sum(a.monthly_cost for a in self.assessments if a.monthly_cost is not None)
        return sum(a.monthly_cost_by_option.get(key, 0.0) for a in self.assessments)

    def __str__(self) -> str:
        total = len(self.assessments)
        unpriced = sum(1 for a in self.assessments if a.monthly_cost is None and a.target is not None)
        lines = [
            f"Assessment of {total} system(s) in {self.region} ({self.pricing_key}), as of {self.as_of}; "
            f"prices dated {self.catalog_as_of or 'unknown'}; rules: {self.rules_source}",
            *([f"Settings: {settings_text(self.settings)}"] if self.settings else []),
            "Strategies: " + ", ".join(f"{s} {n}" for s, n in self.counts_by_strategy().items()),
            "Readiness:  " + ", ".join(f"{r} {n}" for r, n in self.counts_by_readiness().items()),
            f"Azure run rate: ${self.monthly_total():,.2f}/month ({unpriced} target(s) not priced)",
        ]
        blocked = self.not_ready()
        for assessment in blocked[:20]:
            lines.append(f"  not ready #{assessment.system_id} {assessment.name}: "
                         + "; ".join(assessment.readiness_reasons))
        if len(blocked) > 20:
            lines.append(f"  ... and {len(blocked) - 20} more not ready")
        return "\n".join(lines)
