"""Adapters: the steps a cloud's resource API does not do by itself (replication, test migration, cutover,
validation, finalize, decommission) and their compensations, done by a tool the engineer chooses.

The Azure backend provisions with ARM deployments itself and hands every other step to an adapter:

- `ShellAdapter`: one command per operation from a YAML file, run without a shell, its arguments templated with
  the workload's values (`{system}`, `{wave}`, `{run}`, `{region}`, `{sku}`, `{name}`, `{resource_group}`,
  `{subscription}`, `{resources}`). That is how Azure Migrate's server migration, azcopy, database replication
  or a DNS switch are wired in (docs/azure.md). A command must be idempotent: after a crash it is run again.
- `SimulatorAdapter`: the simulator's replication and cutover, for rehearsals and tests of the Azure path.
"""

from __future__ import annotations

import shlex
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import MappingProxyType
from typing import Protocol

import yaml

from flows.execution.backend import BackendError, StepContext, StepOutcome
from flows.execution.simulator import SimulatorBackend
from inventory.errors import BadInputError, InputProblem

# What an adapter does: the acting step kinds after provisioning, then the compensations.
ACTIONS = ("replicate", "test_migration", "cutover", "validate", "finalize", "decommission")
COMPENSATIONS = ("stop_replication", "clean_up_test", "fail_back", "cancel_decommission")
OPERATIONS = ACTIONS + COMPENSATIONS
PLACEHOLDERS = ("system", "wave", "run", "region", "sku", "name", "resource_group", "subscription", "resources")


class StepAdapter(Protocol):
    name: str

    def act(self, operation: str, ctx: StepContext, resources: tuple[str, ...],
            values: Mapping[str, str]) -> StepOutcome:
        """Do `operation` for the workload of `ctx`; `resources` are what provisioning created."""

    def describe(self, ctx: StepContext) -> StepOutcome | None:
        """What the step left, if the adapter can tell (None: unknown, the step runs again)."""


def context_values(ctx: StepContext, **extra: str) -> dict[str, str]:
    """The placeholder values of a step (shell steps of a runbook and shell adapters alike)."""
    return {"system": ctx.system_name, "wave": str(ctx.wave_number), "run": str(ctx.run_id),
            "region": ctx.region or "", "sku": ctx.target_sku or "", "name": ctx.name, **extra}


def run_command(argv: Sequence[str], values: Mapping[str, str], *, what: str, timeout_s: float) -> StepOutcome:
    """Run `argv` with its {placeholders} filled, without a shell (no injection through a system name); a
    non-zero exit, a missing program or a timeout fails the step with the command and the end of its output."""
    try:
        command = [part.format(**values) for part in argv]
    except (KeyError, IndexError, ValueError) as e:
        raise BackendError(f"{what}: unknown placeholder {e} (known: "
                           f"{', '.join('{' + key + '}' for key in values)})") from e
    try:
        completed = subprocess.run(command, capture_output=True, text=True, timeout=timeout_s, check=False)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise BackendError(f"{what}: {shlex.join(command)}: {e}") from e
    if completed.returncode != 0:
        tail = (completed.stderr or completed.stdout).strip().splitlines()[-3:]
        raise BackendError(f"{what}: {shlex.join(command)} exited {completed.returncode}"
                           + (f": {' / '.join(tail)}" if tail else ""))
    return StepOutcome(detail={"command": shlex.join(command), "stdout": completed.stdout[-2000:]})


class ShellAdapter:
    """One command per operation. An operation without a command does nothing and says so in the journal
    (`detail.adapter = "not configured"`): validation, finalize and the compensations are often manual."""

    name = "shell"

    def __init__(self, commands: Mapping[str, Sequence[str]], *, timeout_s: float = 3600.0) -> None:
        unknown = sorted(set(commands) - set(OPERATIONS))
        if unknown:
            raise ValueError(f"unknown adapter operation(s) {', '.join(unknown)}; known: {', '.join(OPERATIONS)}")
        self.commands: Mapping[str, tuple[str, ...]] = MappingProxyType(
            {operation: tuple(argv) for operation, argv in commands.items()})
        self.timeout_s = timeout_s

    @classmethod
    def from_file(cls, path: Path, *, timeout_s: float = 3600.0) -> ShellAdapter:
        """Read `operation: [program, arg, ...]` (or a string, split like a shell would) from a YAML file; every
        problem is reported at once, naming the file and the key."""
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except OSError as e:
            raise BadInputError.single(str(path), f"cannot read the adapter file: {e.strerror or e}") from e
        except yaml.YAMLError as e:
            raise BadInputError.single(str(path), f"not valid YAML: {e}") from e
        if not isinstance(data, dict):
            raise BadInputError.single(str(path), "expected a mapping of operation to command")
        problems: list[InputProblem] = []
        commands: dict[str, list[str]] = {}
        for key, value in data.items():
            if key not in OPERATIONS:
                problems.append(InputProblem(str(path), 0, str(key), "unknown operation; expected one of "
                                             + ", ".join(OPERATIONS)))
                continue
            argv = shlex.split(value) if isinstance(value, str) else value
            if not isinstance(argv, list) or not argv or not all(isinstance(part, str) for part in argv):
                problems.append(InputProblem(str(path), 0, str(key), "expected a command: a string or a list "
                                             "of strings"))
                continue
            bad = _unknown_placeholders(argv)
            if bad:
                problems.append(InputProblem(str(path), 0, str(key), f"unknown placeholder(s) {', '.join(bad)}; "
                                             "known: " + ", ".join("{" + p + "}" for p in PLACEHOLDERS)))
                continue
            commands[str(key)] = argv
        if problems:
            raise BadInputError(problems)
        return cls(commands, timeout_s=timeout_s)

    def act(self, operation: str, ctx: StepContext, resources: tuple[str, ...],
            values: Mapping[str, str]) -> StepOutcome:
        argv = self.commands.get(operation)
        if argv is None:
            return StepOutcome(detail={"adapter": "not configured", "operation": operation})
        filled = {"resources": "", **values}  # the backend's (what provisioning made) unless given here
        if resources:
            filled["resources"] = " ".join(resources)
        return run_command(argv, filled, what=f"{operation} of {ctx.system_name}", timeout_s=self.timeout_s)

    def describe(self, ctx: StepContext) -> StepOutcome | None:
        return None  # a command cannot be asked what it did: it runs again (commands are idempotent)


def _unknown_placeholders(argv: Sequence[str]) -> list[str]:
    import string

    found = {field for part in argv for _, field, _, _ in string.Formatter().parse(part) if field is not None}
    return sorted("{" + field + "}" for field in found if field not in PLACEHOLDERS)


class SimulatorAdapter:
    """The simulator's replication, cutover and the rest, behind the adapter port (its state folder, seed and
    faults as for `--backend simulator`)."""

    name = "simulator"

    def __init__(self, simulator: SimulatorBackend) -> None:
        self.simulator = simulator

    def act(self, operation: str, ctx: StepContext, resources: tuple[str, ...],
            values: Mapping[str, str]) -> StepOutcome:
        if operation in ("stop_replication", "clean_up_test"):
            getattr(self.simulator, operation)(ctx, resources)
            return StepOutcome()
        if operation in ("fail_back", "cancel_decommission"):
            getattr(self.simulator, operation)(ctx)
            return StepOutcome()
        outcome: StepOutcome = getattr(self.simulator, operation)(ctx)
        return outcome

    def describe(self, ctx: StepContext) -> StepOutcome | None:
        return self.simulator.describe(ctx)
