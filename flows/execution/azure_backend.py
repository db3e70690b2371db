"""The Azure backend: provisioning as ARM deployments (validate and what-if first), every other step through an
adapter, rollback of exactly what the journal recorded.

Per workload, in the wave's resource group (`lm-wave-<N>` unless the engineer names another pattern):

- preflight: the resource group is made to exist (created and tagged `lumen-migrate:created-by-run` if it did
  not), the workload's template is validated and its what-if computed; ARM's problems fail the step, the
  what-if changes go in the journal;
- provision: the deployment named after the step (`lm-w<wave>-r<run>-<system>-<id>-provision`), so a resumed
  run finds its own deployment instead of creating a second one; the journal records its outputResources;
- replicate, test migration, cutover, validate, finalize, decommission and their compensations: the adapter
  (shell commands, or the simulator's); validate first checks every provisioned resource is there;
- delete (provision's compensation): exactly the resource ids given (dependents first), then the deployment
  record, then the resource group if this run created it and it is empty. Nothing else is ever deleted.

This module holds no `azure.*` import: `flows.execution.azure` does, and returns domain values.
"""

from __future__ import annotations

import dataclasses
import os
import re
import threading
import time
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from flows.execution.adapters import ShellAdapter, SimulatorAdapter, StepAdapter, context_values
from flows.execution.azure import (
    Arm,
    AzureConfig,
    AzureCredential,
    AzureDeploymentFailed,
    WhatIfChange,
    make_credential,
)
from flows.execution.backend import BackendError, StepContext, StepOutcome, TransientBackendError
from flows.execution.runs import load_targets
from flows.execution.simulator import SimulatorBackend, simulator_of
from flows.parameters import RunWaveParameters
from inventory.db import session_scope
from inventory.errors import BadSettingsError
from migrations_plan.execution import Runbook, StepKind, Workload
from migrations_plan.execution.templates import (
    TAG_WAVE,
    ArmTemplate,
    LandingZone,
    PlannedResource,
    TargetSpec,
    TemplateError,
    api_version_for,
    provision_template,
    resource_group_name,
)
from migrations_plan.strategy_types import Strategy

TAG_CREATED_BY_RUN = "lumen-migrate:created-by-run"
_TERMINAL = frozenset({"Succeeded", "Failed", "Canceled"})
_PROVIDER = re.compile(r"/providers/(?P<namespace>[^/]+)/(?P<rest>.+)$", re.IGNORECASE)


def resource_type_of(resource_id: str) -> str:
    """`Microsoft.Sql/servers/databases` of `.../providers/Microsoft.Sql/servers/s1/databases/d1`."""
    found = _PROVIDER.search(resource_id)
    if found is None:
        raise BackendError(f"not an ARM resource id: {resource_id}")
    parts = found["rest"].split("/")
    return "/".join([found["namespace"], *parts[0::2]])


@dataclass(frozen=True, slots=True)
class AzureWorkload:
    workload: Workload
    target: TargetSpec | None


class AzureBackend:
    """The Backend port on Azure. Thread-safe: one workload per thread, the resource group shared."""

    name = "azure"

    def __init__(self, arm: Arm, *, subscription_id: str, workloads: Mapping[int, AzureWorkload],
                 zone: LandingZone, adapter: StepAdapter, group_pattern: str = "lm-wave-{wave}",
                 wait_s: float = 3600.0, credential: AzureCredential | None = None) -> None:
        self.arm, self.subscription_id, self.zone, self.adapter = arm, subscription_id, zone, adapter
        self.credential = credential  # closed with the backend when it is the backend's own
        self.workloads = workloads
        self.group_pattern = group_pattern
        self.wait_s = wait_s
        self._groups = threading.Lock()
        self._busy: Counter[str] = Counter()  # per resource group: steps of this process working in it

    def close(self) -> None:
        """Close the ARM clients' connections and the backend's own credential (its token session)."""
        self.arm.close()
        if self.credential is not None:
            self.credential.close()

    # ------------------------------------------------------------------ what a step works on
    def group(self, ctx: StepContext) -> str:
        return resource_group_name(ctx.wave_number, pattern=self.group_pattern)

    def _workload(self, ctx: StepContext) -> AzureWorkload:
        found = self.workloads.get(ctx.system_id)
        if found is None:
            raise BackendError(f"{ctx.system_name} is not a workload this Azure backend was given")
        return found

    def template(self, ctx: StepContext) -> ArmTemplate:
        """The workload's template, named after its provision step whatever step asks (preflight, validate)."""
        item = self._workload(ctx)
        if item.target is None:
            raise BackendError(f"{ctx.system_name} has no Azure target (not ready in assessment)")
        provision = dataclasses.replace(ctx, kind=StepKind.PROVISION)
        try:
            return provision_template(item.workload, item.target, name=provision.name,
                                      wave_number=ctx.wave_number, run_id=ctx.run_id, zone=self.zone)
        except TemplateError as e:
            raise BackendError(str(e)) from e

    def _values(self, ctx: StepContext, template: ArmTemplate | None) -> dict[str, str]:
        ids = template.resource_ids(self.subscription_id, self.group(ctx)) if template else ()
        return context_values(ctx, resource_group=self.group(ctx), subscription=self.subscription_id,
                              resources=" ".join(ids))

    def _moves(self, ctx: StepContext) -> bool:
        return self._workload(ctx).workload.strategy is not Strategy.RETIRE

    # ------------------------------------------------------------------ steps
    @contextmanager
    def _in_group(self, ctx: StepContext) -> Iterator[tuple[str, bool]]:
        """The wave's resource group, made to exist (tagged as this run's when created here) and kept from
        being released by another workload's rollback while this step works in it; yields (name, created)."""
        group = self.group(ctx)
        target = self._workload(ctx).target
        if target is None:
            raise BackendError(f"{ctx.system_name} has no Azure target (not ready in assessment)")
        with self._groups:
            created = self.arm.ensure_group(group, target.region, {TAG_WAVE: str(ctx.wave_number),
                                                                   TAG_CREATED_BY_RUN: str(ctx.run_id)})
            self._busy[group] += 1
        try:
            yield group, created
        finally:
            with self._groups:
                self._busy[group] -= 1

    def preflight(self, ctx: StepContext) -> StepOutcome:
        if not self._moves(ctx):
            return StepOutcome(detail={"preflight": "retire: nothing to deploy"})
        template = self.template(ctx)
        with self._in_group(ctx) as (group, created):
            problems = self.arm.validate(group, template.deployment_name, template.template, template.parameters)
            changes = () if problems else self.arm.what_if(group, template.deployment_name, template.template,
                                                           template.parameters)
        if problems:
            self._release_group(group, ctx.run_id)
            raise BackendError(f"preflight of {ctx.system_name}: ARM rejects the template: " + "; ".join(problems))
        return StepOutcome(detail={"resource_group": group, "resource_group_created": created,
                                   "what_if": _changes(changes)})

    def provision(self, ctx: StepContext) -> StepOutcome:
        if not self._moves(ctx):
            return StepOutcome()
        template = self.template(ctx)
        with self._in_group(ctx) as (group, _):
            try:
                state = self.arm.deploy(group, template.deployment_name, template.template, template.parameters)
            except AzureDeploymentFailed as e:
                raise BackendError(f"provision of {ctx.system_name}: deployment {template.deployment_name} "
                                   f"failed ({e.code}): {e}") from e
        return StepOutcome(state.resources, {"deployment": template.deployment_name, "resource_group": group})

    def _adapter(self, operation: str, ctx: StepContext, resources: tuple[str, ...] = ()) -> StepOutcome:
        template = self.template(ctx) if self._moves(ctx) else None
        return self.adapter.act(operation, ctx, resources, self._values(ctx, template))

    def replicate(self, ctx: StepContext) -> StepOutcome:
        return self._adapter("replicate", ctx)

    def test_migration(self, ctx: StepContext) -> StepOutcome:
        return self._adapter("test_migration", ctx)

    def cutover(self, ctx: StepContext) -> StepOutcome:
        return self._adapter("cutover", ctx)

    def validate(self, ctx: StepContext) -> StepOutcome:
        """Every resource the workload's deployment should have made is in the resource group, then the
        adapter's own check (a smoke test, a DNS lookup)."""
        template = self.template(ctx)
        group = self.group(ctx)
        expected = {rid.lower() for rid in template.resource_ids(self.subscription_id, group)}
        present = {rid.lower() for rid in self.arm.resources_in_group(group)}
        missing = sorted(expected - present)
        if missing:
            raise BackendError(f"validate of {ctx.system_name}: {len(missing)} provisioned resource(s) missing: "
                               + ", ".join(missing[:5]))
        return self._adapter("validate", ctx)

    def finalize(self, ctx: StepContext) -> StepOutcome:
        return self._adapter("finalize", ctx)

    def decommission(self, ctx: StepContext) -> StepOutcome:
        return self._adapter("decommission", ctx)

    # ------------------------------------------------------------------ compensations
    def delete(self, ctx: StepContext, resources: tuple[str, ...]) -> None:
        """Delete exactly `resources` (dependents first: a VM before its NIC and disks), then the step's
        deployment record, then the resource group if this run created it and nothing is left in it."""
        group = self.group(ctx)
        rank = {planned.type.lower(): i for i, planned in enumerate(self._deletion_order(ctx))}
        for resource_id in sorted(resources, key=lambda rid: rank.get(resource_type_of(rid).lower(), len(rank))):
            self.arm.delete_resource(resource_id, api_version_for(resource_type_of(resource_id)))
        self.arm.delete_deployment(group, dataclasses.replace(ctx, kind=StepKind.PROVISION).name)
        self._release_group(group, ctx.run_id)

    def _deletion_order(self, ctx: StepContext) -> tuple[PlannedResource, ...]:
        try:
            return self.template(ctx).deletion_order()
        except BackendError:
            return ()

    def _release_group(self, group: str, run_id: int) -> None:
        """Delete the resource group if this run created it, no deployment of this process is under way in it,
        and it is empty. A group the run found (or another run made) is never touched."""
        with self._groups:
            if self._busy[group]:
                return
            tags = self.arm.group_tags(group)
            if tags is None or tags.get(TAG_CREATED_BY_RUN) != str(run_id):
                return
            if self.arm.resources_in_group(group):
                return
            self.arm.delete_group(group)

    def stop_replication(self, ctx: StepContext, resources: tuple[str, ...]) -> None:
        self._adapter("stop_replication", ctx, resources)

    def clean_up_test(self, ctx: StepContext, resources: tuple[str, ...]) -> None:
        self._adapter("clean_up_test", ctx, resources)

    def fail_back(self, ctx: StepContext) -> None:
        self._adapter("fail_back", ctx)

    def cancel_decommission(self, ctx: StepContext) -> None:
        self._adapter("cancel_decommission", ctx)

    # ------------------------------------------------------------------ reconciliation
    def describe(self, ctx: StepContext) -> StepOutcome | None:
        """Provision: the deployment of that name (waited for if it still runs): succeeded -> its resources;
        failed -> what it did create, `complete` False (undone on rollback, redone on resume). Preflight runs
        again. The adapter's steps: whatever the adapter can tell."""
        if ctx.kind is StepKind.PREFLIGHT:
            return None
        if ctx.kind is not StepKind.PROVISION:
            return self.adapter.describe(ctx)
        if not self._moves(ctx):
            return None
        group, name = self.group(ctx), ctx.name
        deadline = time.monotonic() + self.wait_s
        while True:
            state = self.arm.get_deployment(group, name)
            if state is None:
                return None
            if state.state in _TERMINAL:
                break
            if time.monotonic() > deadline:
                raise TransientBackendError(f"deployment {name} in {group} still {state.state} after "
                                            f"{self.wait_s:.0f} s")
            time.sleep(self.arm.config.polling_interval_s)
        if state.state == "Succeeded":
            return StepOutcome(state.resources, {"deployment": name, "resource_group": group})
        created = self.arm.created_by(group, name)
        return StepOutcome(created, {"deployment": name, "state": state.state}, complete=False)

    # ------------------------------------------------------------------ dry run
    def what_if(self, ctx: StepContext) -> tuple[str, list[dict[str, str]]]:
        """What provisioning this workload would change, creating nothing: ARM's what-if when the resource
        group exists; otherwise every resource of the template is a Create (and the group would be created)."""
        template = self.template(ctx)
        group = self.group(ctx)
        if not self.arm.group_exists(group):
            return (f"resource group {group} does not exist: it would be created",
                    [{"resource": rid, "change": "Create"}
                     for rid in template.resource_ids(self.subscription_id, group)])
        changes = self.arm.what_if(group, template.deployment_name, template.template, template.parameters)
        return f"resource group {group}", _changes(changes)


def _changes(changes: Sequence[WhatIfChange]) -> list[dict[str, str]]:
    """What-if lines worth reading: ARM also lists the group's other resources as Ignore (incremental mode
    leaves them alone); those belong to other workloads and are left out."""
    lines = []
    for change in changes:
        if change.change_type == "Ignore":
            continue
        line = {"resource": change.resource_id, "change": change.change_type}
        if change.changed:
            line["changed"] = ", ".join(change.changed)
        lines.append(line)
    return lines




def landing_zone(env: Mapping[str, str] | None = None) -> LandingZone:
    """Where workloads land, from the environment (LUMEN_MIGRATE_AZURE_*; none of it is a secret)."""
    env = os.environ if env is None else env
    tags = dict(part.split("=", 1) for part in env.get("LUMEN_MIGRATE_AZURE_TAGS", "").split(";") if "=" in part)
    return LandingZone(subnet_id=env.get("LUMEN_MIGRATE_AZURE_SUBNET_ID") or None,
                       sql_mi_subnet_id=env.get("LUMEN_MIGRATE_AZURE_SQL_MI_SUBNET_ID") or None,
                       sql_admin_login=env.get("LUMEN_MIGRATE_AZURE_SQL_ADMIN_LOGIN") or None,
                       sql_admin_object_id=env.get("LUMEN_MIGRATE_AZURE_SQL_ADMIN_OBJECT_ID") or None,
                       tenant_id=env.get("AZURE_TENANT_ID") or None,
                       vm_provision=env.get("LUMEN_MIGRATE_AZURE_VM_PROVISION", "").strip() or "full",
                       tags=MappingProxyType({key.strip(): value.strip() for key, value in tags.items()}))


def azure_backend(params: RunWaveParameters, runbook: Runbook, *, db_url: str,
                  simulator: SimulatorBackend) -> AzureBackend:
    """The Azure backend for one run: configuration and credential from the environment (checked now, one
    line if nothing works), the wave's targets from the database, the adapter the parameters name."""
    config = AzureConfig.from_env()
    credential = make_credential(config)
    arm = Arm(config, credential)
    try:
        arm.check_credential()
        if params.azure_adapter == "simulator":
            adapter: StepAdapter = SimulatorAdapter(simulator)
        elif params.azure_adapters_file:
            adapter = ShellAdapter.from_file(Path(params.azure_adapters_file))
        elif params.dry_run:
            adapter = ShellAdapter({})  # a dry run asks ARM only
        else:
            raise BadSettingsError("the Azure backend needs an adapters file (the replicate and cutover commands) "
                                   "or the simulator adapter; see docs/azure.md")
        ids = [plan.workload.system_id for plan in runbook.workloads]
        with session_scope(db_url) as session:
            targets = load_targets(ids, session=session)
        workloads = {plan.workload.system_id: AzureWorkload(plan.workload, targets.get(plan.workload.system_id))
                     for plan in runbook.workloads}
        return AzureBackend(arm, subscription_id=config.subscription_id, workloads=workloads,
                            zone=landing_zone(), adapter=adapter, group_pattern=params.azure_resource_group,
                            credential=credential)
    except BaseException:  # no backend to close it later: its clients and credential are closed here
        arm.close()
        credential.close()
        raise


@dataclass(frozen=True, slots=True)
class WorkloadWhatIf:
    system: str
    where: str
    changes: tuple[Mapping[str, str], ...] = ()
    problem: str | None = None


def what_if_wave(backend: AzureBackend, runbook: Runbook, *, run_id: int = 0) -> tuple[WorkloadWhatIf, ...]:
    """The dry run on Azure: per workload that provisions, what its deployment would change. Nothing is
    created (a missing resource group is reported, not made); a workload that cannot be templated says why."""
    lines = []
    for plan in runbook.workloads:
        provision = next((step for step in plan.steps if step.kind is StepKind.PROVISION), None)
        if provision is None:
            continue
        workload = plan.workload
        ctx = StepContext(run_id, runbook.wave_number, workload.system_id, workload.name, provision.key,
                          StepKind.PROVISION, 1, workload.target_service, workload.target_sku, workload.region)
        try:
            where, changes = backend.what_if(ctx)
        except BackendError as e:
            lines.append(WorkloadWhatIf(workload.name, backend.group(ctx), problem=str(e)))
            continue
        lines.append(WorkloadWhatIf(workload.name, where, tuple(MappingProxyType(c) for c in changes)))
    return tuple(lines)


def dry_run_what_if(params: RunWaveParameters, runbook: Runbook, *, db_url: str) -> tuple[WorkloadWhatIf, ...]:
    """`run-wave N --backend azure --dry-run`: every provisioning workload's what-if, creating nothing."""
    backend = azure_backend(params, runbook, db_url=db_url, simulator=simulator_of(params))
    try:
        return what_if_wave(backend, runbook)
    finally:
        backend.close()
