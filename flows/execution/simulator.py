"""The simulator backend: a deterministic stand-in for Azure with its own durable state and fault injection.

State lives in a SQLite file (`simulator.db` in the state folder), committed per operation, so it survives the
process being killed and tests can assert what is left behind: resources (VMs, NICs, disks, databases, app
plans, replication items), and per legacy system where it is served from and whether its decommission is booked.

Faults, all deterministic for a seed:
- `probability`: each (system, step, attempt) fails with this probability, drawn from a hash of the seed;
- `faults`: exact (system name, step kind) -> "fail" (a permanent error), "transient" (fails the first attempt
  only, then succeeds: what a retry must absorb) or "crash" (the process is killed with SIGKILL after the step
  has acted and before the engine can journal its outcome: the worst moment for resume).
Latency per step kind (seconds, default none) is slept before acting, with a seeded +-20% jitter.
"""

from __future__ import annotations

import hashlib
import os
import signal
import sqlite3
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from flows.execution.backend import BackendError, StepContext, StepOutcome, TransientBackendError
from migrations_plan.execution import StepKind

if TYPE_CHECKING:
    from flows.parameters import RunWaveParameters

FAULT_KINDS = ("fail", "transient", "crash")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS resource (id TEXT PRIMARY KEY, name TEXT NOT NULL, type TEXT NOT NULL,
    system_id INTEGER NOT NULL, step TEXT NOT NULL, created_at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS ix_resource_name ON resource (name);
CREATE TABLE IF NOT EXISTS legacy (system_id INTEGER PRIMARY KEY, serving_from TEXT NOT NULL DEFAULT 'legacy',
    decommission_booked INTEGER NOT NULL DEFAULT 0, switched_off INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS effect (name TEXT PRIMARY KEY, step TEXT NOT NULL, system_id INTEGER NOT NULL,
    at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS call (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, step TEXT NOT NULL,
    at REAL NOT NULL);
"""

# What provision creates per target service: (ARM provider type, name suffix).
_PROVISIONED: Mapping[str, tuple[tuple[str, str], ...]] = MappingProxyType({
    "vm": (("Microsoft.Network/networkInterfaces", "nic"), ("Microsoft.Compute/disks", "osdisk"),
           ("Microsoft.Compute/virtualMachines", "vm")),
    "aks": (("Microsoft.ContainerService/managedClusters", "aks"),),
    "sql-db": (("Microsoft.Sql/servers", "sql"), ("Microsoft.Sql/servers/databases", "db")),
    "sql-mi": (("Microsoft.Sql/managedInstances", "mi"),),
    "app-service": (("Microsoft.Web/serverfarms", "plan"), ("Microsoft.Web/sites", "app")),
})


@dataclass(frozen=True)
class FaultPlan:
    seed: int = 0
    probability: float = 0.0
    faults: Mapping[tuple[str, StepKind], str] = field(default_factory=lambda: MappingProxyType({}))
    latency_s: Mapping[StepKind, float] = field(default_factory=lambda: MappingProxyType({}))

    def draw(self, *parts: object) -> float:
        """A number in [0, 1) fixed by the seed and `parts`."""
        digest = hashlib.sha256(repr((self.seed, *parts)).encode()).digest()
        return int.from_bytes(digest[:8], "big") / 2**64


def parse_fault(text: str) -> tuple[tuple[str, StepKind], str]:
    """`SYSTEM:STEP[:fail|transient|crash]` from the command line."""
    parts = text.split(":")
    kind = parts.pop() if len(parts) >= 3 and parts[-1] in FAULT_KINDS else "fail"
    step = parts.pop() if len(parts) >= 2 else ""
    try:
        return (":".join(parts), StepKind(step)), kind
    except ValueError as e:
        raise ValueError(f"expected SYSTEM:STEP[:{'|'.join(FAULT_KINDS)}] with STEP one of "
                         f"{', '.join(kind.value for kind in StepKind)}, got {text!r}") from e


class SimulatorBackend:
    """Same interface as the Azure backend (`flows.execution.backend.Backend`)."""

    name = "simulator"

    def __init__(self, state_dir: Path, faults: FaultPlan | None = None) -> None:
        self.state_dir = state_dir
        self.faults = faults or FaultPlan()
        self._path = state_dir / "simulator.db"
        self._local = threading.local()
        self._write = threading.Lock()  # threads of this process take turns here, not in SQLite's busy wait
        state_dir.mkdir(parents=True, exist_ok=True)
        with sqlite3.connect(self._path, timeout=60) as setup:
            setup.executescript(_SCHEMA)
        setup.close()

    def close(self) -> None:
        """Nothing to release here: each thread's connection to the state file closes with its thread, or when the
        backend is dropped."""

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is None:
            connection = sqlite3.connect(self._path, timeout=60, isolation_level=None)
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL: durable across a killed process
            self._local.connection = connection
        with self._write:
            connection.execute("BEGIN IMMEDIATE")
            try:
                yield connection
                connection.execute("COMMIT")
            except BaseException:
                connection.execute("ROLLBACK")
                raise

    # ------------------------------------------------------------------ what tests and status read
    def resources(self) -> list[dict[str, Any]]:
        with self._db() as db:
            return [{"id": row[0], "name": row[1], "type": row[2], "system_id": row[3], "step": row[4]}
                    for row in db.execute("SELECT id, name, type, system_id, step FROM resource ORDER BY id")]

    def legacy_state(self, system_id: int) -> dict[str, Any]:
        with self._db() as db:
            row = db.execute("SELECT serving_from, decommission_booked, switched_off FROM legacy "
                             "WHERE system_id = ?", (system_id,)).fetchone()
        serving, booked, off = row or ("legacy", 0, 0)
        return {"serving_from": serving, "decommission_booked": bool(booked), "switched_off": bool(off)}

    def calls(self, step: StepKind | None = None) -> int:
        with self._db() as db:
            if step is None:
                return int(db.execute("SELECT count(*) FROM call").fetchone()[0])
            return int(db.execute("SELECT count(*) FROM call WHERE step = ?", (step.value,)).fetchone()[0])

    # ------------------------------------------------------------------ steps
    def _act(self, ctx: StepContext) -> None:
        """Latency, then the injected fault of this (system, step, attempt), if any. Crashes come after acting."""
        latency = self.faults.latency_s.get(ctx.kind, 0.0)
        if latency:
            time.sleep(latency * (0.8 + 0.4 * self.faults.draw("latency", ctx.system_id, ctx.kind.value)))
        with self._db() as db:
            db.execute("INSERT INTO call (name, step, at) VALUES (?, ?, ?)", (ctx.name, ctx.kind.value, time.time()))
        fault = self.faults.faults.get((ctx.system_name, ctx.kind))
        if fault == "fail":
            raise BackendError(f"simulated failure of {ctx.kind.value} for {ctx.system_name}")
        if fault == "transient" and ctx.attempt == 1:
            raise TransientBackendError(f"simulated throttling (429) on {ctx.kind.value} for {ctx.system_name}")
        if self.faults.probability and \
                self.faults.draw("fault", ctx.system_id, ctx.kind.value, ctx.attempt) < self.faults.probability:
            raise BackendError(f"simulated random failure of {ctx.kind.value} for {ctx.system_name} "
                               f"(seed {self.faults.seed})")

    def _after(self, ctx: StepContext) -> None:
        if self.faults.faults.get((ctx.system_name, ctx.kind)) == "crash":
            os.kill(os.getpid(), signal.SIGKILL)

    def _effect(self, ctx: StepContext) -> StepOutcome:
        with self._db() as db:
            db.execute("INSERT OR IGNORE INTO effect (name, step, system_id, at) VALUES (?, ?, ?, ?)",
                       (ctx.name, ctx.kind.value, ctx.system_id, time.time()))
        self._after(ctx)
        return StepOutcome()

    def _create(self, ctx: StepContext, kinds: tuple[tuple[str, str], ...]) -> StepOutcome:
        """Create the named resources unless they exist (idempotent by name); returns their ids."""
        ids = []
        with self._db() as db:
            for arm_type, suffix in kinds:
                name = f"{ctx.name}-{suffix}"
                resource_id = (f"/subscriptions/simulated/resourceGroups/lm-wave-{ctx.wave_number}/providers/"
                               f"{arm_type}/{name}")
                db.execute("INSERT OR IGNORE INTO resource (id, name, type, system_id, step, created_at) "
                           "VALUES (?, ?, ?, ?, ?, ?)",
                           (resource_id, ctx.name, arm_type, ctx.system_id, ctx.kind.value, time.time()))
                ids.append(resource_id)
        self._after(ctx)
        return StepOutcome(tuple(ids))

    def _legacy(self, system_id: int, **values: Any) -> None:
        with self._db() as db:
            db.execute("INSERT OR IGNORE INTO legacy (system_id) VALUES (?)", (system_id,))
            for column, value in values.items():
                db.execute(f"UPDATE legacy SET {column} = ? WHERE system_id = ?", (value, system_id))  # noqa: S608

    def preflight(self, ctx: StepContext) -> StepOutcome:
        self._act(ctx)
        if ctx.kind is StepKind.PREFLIGHT and ctx.target_service == "none":
            raise BackendError(f"{ctx.system_name} has no Azure target to validate (not ready in assessment)")
        return self._effect(ctx)

    def provision(self, ctx: StepContext) -> StepOutcome:
        self._act(ctx)
        return self._create(ctx, _PROVISIONED.get(ctx.target_service or "vm", _PROVISIONED["vm"]))

    def replicate(self, ctx: StepContext) -> StepOutcome:
        self._act(ctx)
        return self._create(ctx, (("Microsoft.RecoveryServices/vaults/replicationProtectedItems", "repl"),))

    def test_migration(self, ctx: StepContext) -> StepOutcome:
        """A test copy is started, checked and removed within the step (as Azure Migrate's test migration)."""
        self._act(ctx)
        outcome = self._create(ctx, (("Microsoft.Compute/virtualMachines", "test"),))
        self.delete(ctx, outcome.resources)
        return StepOutcome(detail={"test_vm": outcome.resources[0], "result": "passed"})

    def cutover(self, ctx: StepContext) -> StepOutcome:
        self._act(ctx)
        self._legacy(ctx.system_id, serving_from="azure")
        return self._effect(ctx)

    def validate(self, ctx: StepContext) -> StepOutcome:
        self._act(ctx)
        if self.legacy_state(ctx.system_id)["serving_from"] != "azure":
            raise BackendError(f"{ctx.system_name} is not served from Azure: cutover did not take effect")
        return self._effect(ctx)

    def finalize(self, ctx: StepContext) -> StepOutcome:
        self._act(ctx)
        self._legacy(ctx.system_id, decommission_booked=1)
        return self._effect(ctx)

    def decommission(self, ctx: StepContext) -> StepOutcome:
        self._act(ctx)
        self._legacy(ctx.system_id, switched_off=1, decommission_booked=1)
        return self._effect(ctx)

    # ------------------------------------------------------------------ compensations
    def delete(self, ctx: StepContext, resources: tuple[str, ...]) -> None:
        with self._db() as db:
            db.executemany("DELETE FROM resource WHERE id = ?", [(resource,) for resource in resources])

    def stop_replication(self, ctx: StepContext, resources: tuple[str, ...]) -> None:
        self.delete(ctx, resources)

    def clean_up_test(self, ctx: StepContext, resources: tuple[str, ...]) -> None:
        with self._db() as db:
            db.execute("DELETE FROM resource WHERE name = ?", (ctx.name,))

    def fail_back(self, ctx: StepContext) -> None:
        self._legacy(ctx.system_id, serving_from="legacy")
        self._forget(ctx)

    def cancel_decommission(self, ctx: StepContext) -> None:
        self._legacy(ctx.system_id, decommission_booked=0, switched_off=0)
        self._forget(ctx)

    def _forget(self, ctx: StepContext) -> None:
        """An undone step no longer shows as having taken effect (a resumed retry must act again)."""
        with self._db() as db:
            db.execute("DELETE FROM effect WHERE name = ?", (ctx.name,))

    # ------------------------------------------------------------------ reconciliation
    def describe(self, ctx: StepContext) -> StepOutcome | None:
        with self._db() as db:
            ids = tuple(row[0] for row in db.execute("SELECT id FROM resource WHERE name = ? ORDER BY rowid",
                                                     (ctx.name,)))
            done = db.execute("SELECT 1 FROM effect WHERE name = ?", (ctx.name,)).fetchone() is not None
        if ctx.kind is StepKind.TEST_MIGRATION:
            return None  # a test that was cut short is simply run again (after its leftovers are cleaned up)
        if ids:
            return StepOutcome(ids)
        return StepOutcome() if done else None


def simulator_of(params: RunWaveParameters) -> SimulatorBackend:
    """The simulator the run-wave parameters describe (state folder, seed, faults, latency). A relative state folder
    is under the files folder (flows/settings.py), never the working folder of whatever process runs the wave."""
    from flows.settings import get_settings

    faults = dict(parse_fault(text) for text in params.simulator_faults)
    latency = dict.fromkeys(StepKind, params.simulator_latency_ms / 1000) if params.simulator_latency_ms else {}
    return SimulatorBackend(get_settings().resolve_path(params.simulator_state), FaultPlan(
        seed=params.simulator_seed, probability=params.simulator_failure_probability,
        faults=MappingProxyType(faults), latency_s=MappingProxyType(latency)))
