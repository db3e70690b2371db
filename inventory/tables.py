"""Database tables (SQLModel). The estate and, as later stages add them, its plan and execution journal.

Column names follow `inventory.records`; JSON columns hold what is never filtered on (disks, tags, IPs).
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, DateTime, Index, Table, UniqueConstraint
from sqlmodel import Field, SQLModel


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def table_of(model: type[SQLModel]) -> Table:
    """The Core table of a model, for bulk statements (typed, unlike `Model.__table__`)."""
    table = model.__table__  # type: ignore[attr-defined]
    assert isinstance(table, Table)
    return table


class SystemState(StrEnum):
    """Where a workload is in the programme. Assessment, planning and execution move it forward."""

    IMPORTED = "imported"
    ASSESSED = "assessed"
    PLANNED = "planned"
    MIGRATING = "migrating"
    MIGRATED = "migrated"
    ROLLED_BACK = "rolled_back"
    DECOMMISSIONED = "decommissioned"
    EXCLUDED = "excluded"


class System(SQLModel, table=True):
    """One legacy system. Keyed by (source, external_id): re-importing a source updates it in place."""

    __tablename__ = "system"
    __table_args__ = (
        UniqueConstraint("source", "external_id", name="uq_system_source_external_id"),
        Index("ix_system_name_lower", "name_key"),
    )

    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(max_length=255)
    external_id: str = Field(max_length=255)
    name: str = Field(max_length=255)
    # Lower-cased name: dependency files and overrides name systems case-insensitively.
    name_key: str = Field(max_length=255)
    kind: str = Field(max_length=32, index=True)
    state: str = Field(default=SystemState.IMPORTED.value, max_length=32, index=True)
    cores: int | None = None
    memory_mb: float | None = None
    cpu_util_pct: float | None = None
    memory_util_pct: float | None = None
    util_percentile: int | None = None
    disk_count: int = 0
    storage_gb: float = 0.0
    storage_used_gb: float | None = None
    disks: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    network_in_mbps: float | None = None
    network_out_mbps: float | None = None
    os_name: str | None = Field(default=None, max_length=255)
    os_family: str = Field(default="unknown", max_length=16)
    os_version: str | None = Field(default=None, max_length=128)
    os_arch: str | None = Field(default=None, max_length=32)
    os_end_of_support: dt.date | None = None
    boot_type: str | None = Field(default=None, max_length=32)
    server_type: str | None = Field(default=None, max_length=32)
    hypervisor: str | None = Field(default=None, max_length=64)
    host: str | None = Field(default=None, max_length=255)
    cluster: str | None = Field(default=None, max_length=255)
    power_state: str = Field(default="unknown", max_length=16)
    ip_addresses: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    environment: str = Field(default="unknown", max_length=32, index=True)
    criticality: str | None = Field(default=None, max_length=16)
    application: str | None = Field(default=None, max_length=255, index=True)
    business_unit: str | None = Field(default=None, max_length=255)
    datacenter: str | None = Field(default=None, max_length=255)
    workload_type: str | None = Field(default=None, max_length=64)
    db_engine: str | None = Field(default=None, max_length=64)
    db_version: str | None = Field(default=None, max_length=64)
    db_size_gb: float | None = None
    cost_hardware: float | None = None
    cost_licences: float | None = None
    cost_facilities: float | None = None
    cost_labour: float | None = None
    cost_network: float | None = None
    tags: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    # Digest of the imported record: an unchanged row is recognised without comparing every column.
    row_hash: str = Field(max_length=64)
    import_id: int | None = Field(default=None, foreign_key="import_run.id")
    created_at: dt.datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    updated_at: dt.datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    # Set when a re-import of the source no longer lists the system; cleared if it comes back.
    removed_at: dt.datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True), nullable=True))


class Dependency(SQLModel, table=True):
    """A connection between two known systems, from one dependency source."""

    __tablename__ = "dependency"
    __table_args__ = (
        UniqueConstraint("source", "source_system_id", "target_system_id", "port", "protocol",
                         name="uq_dependency_edge"),
    )

    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(max_length=255, index=True)
    source_system_id: int = Field(foreign_key="system.id", index=True)
    target_system_id: int = Field(foreign_key="system.id", index=True)
    # -1 when the file gives no port, so that the unique key also covers port-less edges (NULLs never collide).
    port: int = -1
    protocol: str = Field(default="", max_length=16)
    process: str | None = Field(default=None, max_length=255)
    observations: int = 1
    import_id: int | None = Field(default=None, foreign_key="import_run.id")


class ImportRun(SQLModel, table=True):
    """One import of one file: what it was, and what it changed."""

    __tablename__ = "import_run"

    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(max_length=255, index=True)
    format: str = Field(max_length=32)
    file_name: str = Field(max_length=1024)
    file_sha256: str = Field(max_length=64)
    started_at: dt.datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    finished_at: dt.datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    added: int = 0
    changed: int = 0
    unchanged: int = 0
    removed: int = 0
    dependencies: int = 0
    warnings: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))


class AssessmentRun(SQLModel, table=True):
    """One run of `assess`: the settings it used, so every figure can be traced back."""

    __tablename__ = "assessment_run"

    id: int | None = Field(default=None, primary_key=True)
    started_at: dt.datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    region: str = Field(max_length=64)
    pricing: str = Field(max_length=16)
    ahb: bool = False
    percentile: int = 95
    comfort_factor: float = 1.3
    rules_source: str = Field(max_length=1024)
    catalog_as_of: dt.date
    systems: int = 0
    # Every setting under Azure Migrate's names ("Sizing criteria": "performance-based", ...), as text.
    settings: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class Assessment(SQLModel, table=True):
    """The current strategy, readiness and Azure target of one system (replaced by each assessment run)."""

    __tablename__ = "assessment"

    id: int | None = Field(default=None, primary_key=True)
    system_id: int = Field(foreign_key="system.id", unique=True)
    run_id: int = Field(foreign_key="assessment_run.id", index=True)
    strategy: str = Field(max_length=16, index=True)
    rule_id: str = Field(max_length=128)
    reason: str
    overridden: bool = False
    readiness: str = Field(max_length=32, index=True)
    readiness_reasons: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    sizing_basis: str | None = Field(default=None, max_length=32)
    needed_vcpus: float | None = None
    needed_memory_gib: float | None = None


class TargetMapping(SQLModel, table=True):
    """The priced Azure target of one system. Costs are USD per month; `monthly_cost` is the chosen option's."""

    __tablename__ = "target_mapping"

    id: int | None = Field(default=None, primary_key=True)
    system_id: int = Field(foreign_key="system.id", unique=True)
    run_id: int = Field(foreign_key="assessment_run.id", index=True)
    service: str = Field(max_length=32, index=True)
    sku: str | None = Field(default=None, max_length=128)
    region: str = Field(max_length=64)
    disks: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    pricing_option: str = Field(max_length=16)
    monthly_cost: float | None = None
    monthly_cost_by_option: dict[str, float] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    cost_estimated: bool = False
    cost_basis: str = ""
    details: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class StrategyOverride(SQLModel, table=True):
    """An engineer's decision on a system's strategy; survives re-assessment."""

    __tablename__ = "strategy_override"

    id: int | None = Field(default=None, primary_key=True)
    system_id: int = Field(foreign_key="system.id", unique=True)
    strategy: str = Field(max_length=16)
    reason: str
    author: str | None = Field(default=None, max_length=255)
    created_at: dt.datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


class WaveStatus(StrEnum):
    PLANNED = "planned"
    STARTED = "started"
    COMPLETED = "completed"
    ROLLED_BACK = "rolled_back"


class Wave(SQLModel, table=True):
    """A dated wave. Started and completed waves are frozen: re-planning keeps them as they are."""

    __tablename__ = "wave"

    id: int | None = Field(default=None, primary_key=True)
    number: int = Field(unique=True)
    name: str = Field(max_length=255)
    planned_date: dt.date
    status: str = Field(default=WaveStatus.PLANNED.value, max_length=16, index=True)
    # An engineer froze the wave (change-board approved): re-planning keeps it as it is, like a started wave.
    frozen: bool = False
    max_systems: int | None = None
    max_tb: float | None = None
    systems: int = 0
    storage_tb: float = 0.0
    started_at: dt.datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True), nullable=True))
    completed_at: dt.datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True), nullable=True))


class WaveMember(SQLModel, table=True):
    """A system's place in the plan: its wave and move group."""

    __tablename__ = "wave_member"

    id: int | None = Field(default=None, primary_key=True)
    wave_id: int = Field(foreign_key="wave.id", index=True)
    system_id: int = Field(foreign_key="system.id", unique=True)
    group_key: str = Field(max_length=64, index=True)
    group_reason: str = ""


class PlanExclusion(SQLModel, table=True):
    """A system deliberately left out of every wave (retire, retain, not ready...), with the reason."""

    __tablename__ = "plan_exclusion"

    id: int | None = Field(default=None, primary_key=True)
    system_id: int = Field(foreign_key="system.id", unique=True)
    reason: str


class WavePin(SQLModel, table=True):
    """An engineer's pin of a system (and so its move group) to a wave number."""

    __tablename__ = "wave_pin"

    id: int | None = Field(default=None, primary_key=True)
    system_id: int = Field(foreign_key="system.id", unique=True)
    wave_number: int
    reason: str = ""
    created_at: dt.datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


class RunStatus(StrEnum):
    RUNNING = "running"
    PAUSED = "paused"  # waiting at an approval gate
    COMPLETED = "completed"
    FAILED = "failed"
    ROLLED_BACK = "rolled_back"


class WaveRun(SQLModel, table=True):
    """One execution of a wave. A re-run of an unfinished run continues it (same id): the journal says where."""

    __tablename__ = "wave_run"

    id: int | None = Field(default=None, primary_key=True)
    wave_id: int = Field(foreign_key="wave.id", index=True)
    status: str = Field(max_length=16, index=True)
    backend: str = Field(max_length=32)
    flow_run_id: str | None = Field(default=None, max_length=64)
    started_at: dt.datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    finished_at: dt.datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True), nullable=True))
    on_failure: str = Field(default="rollback-workload", max_length=32)
    max_failures: int | None = None
    runbook_version: int = 1
    # Counts for `status` (the journal is the truth; these are kept in step with it).
    workloads: int = 0
    migrated: int = 0
    failed: int = 0
    rolled_back: int = 0


class WaveLock(SQLModel, table=True):
    """The database's guard that two runs of one wave never overlap: one row per running wave.

    `owner` is host:pid of the process running it and `lease_until` is renewed while it runs, so a crashed run's
    lock is taken over (same host and its process gone, or the lease run out) instead of blocking the wave."""

    __tablename__ = "wave_lock"

    wave_id: int = Field(foreign_key="wave.id", primary_key=True)
    run_id: int = Field(foreign_key="wave_run.id")
    owner: str = Field(max_length=255)
    lease_until: dt.datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


class StepJournal(SQLModel, table=True):
    """One line of the execution journal, append-only: a step's intent before it acts, then its outcome.

    The journal is the truth for resume and rollback: `resources` are the external ids a step created."""

    __tablename__ = "step_journal"
    __table_args__ = (Index("ix_step_journal_wave_system_step", "wave_id", "system_id", "step_key"),)

    id: int | None = Field(default=None, primary_key=True)
    run_id: int = Field(foreign_key="wave_run.id", index=True)
    wave_id: int = Field(foreign_key="wave.id")
    system_id: int | None = Field(default=None, foreign_key="system.id")
    step_key: str = Field(max_length=255)
    kind: str = Field(max_length=32)
    action: str = Field(max_length=8)  # do | undo
    event: str = Field(max_length=16)  # intent | succeeded | failed | skipped | approved | rejected
    attempt: int = 1
    at: dt.datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    duration_ms: float | None = None
    error: str | None = None
    resources: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    actor: str | None = Field(default=None, max_length=255)


class RunbookVersion(SQLModel, table=True):
    """An engineer's edits of a wave's runbook (added / dropped steps), versioned with the wave."""

    __tablename__ = "runbook_version"
    __table_args__ = (UniqueConstraint("wave_id", "version", name="uq_runbook_version_wave_version"),)

    id: int | None = Field(default=None, primary_key=True)
    wave_id: int = Field(foreign_key="wave.id", index=True)
    version: int
    edits: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    author: str | None = Field(default=None, max_length=255)
    comment: str = ""
    created_at: dt.datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


class CostAssumption(SQLModel, table=True):
    """One savings-model assumption in force (default or the user's), with its unit and source."""

    __tablename__ = "cost_assumption"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=128, unique=True)
    value: float
    unit: str = Field(max_length=64)
    source: str
    updated_at: dt.datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
