"""The stand-in's memory: one subscription's resource groups, resources, deployments and long-running operations.

Thread-safe (one re-entrant lock). Long-running operations advance on the server side: every poll of their
status URL and every read of what they change (GET/HEAD of the deployment, resource group or resource) counts,
whichever client sends it, so a client killed mid-operation and a new one reading later see it finish.
An operation finishes at its `polls_to_finish`-th poll, or once `seconds_to_finish` have passed, whichever
comes first (either may be None).
"""

from __future__ import annotations

import base64
import copy
import json
import random
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from tests.arm_standin.errors import (
    ArmError,
    deployment_not_found,
    invalid_template_deployment,
    resource_group_not_found,
    resource_not_found,
)
from tests.arm_standin.faults import DeleteFailure, DeploymentFailure, Faults
from tests.arm_standin.model import Deployment, DeploymentOperation, Resource, ResourceGroup, now, timestamp
from tests.arm_standin.template import ExpandedTemplate, Scope, expand, location_problems
from tests.arm_standin.whatif import what_if_changes

DEFAULT_LOCATIONS = frozenset({
    "eastus", "eastus2", "westus", "westus2", "westus3", "centralus", "northeurope", "westeurope", "uksouth",
    "ukwest", "francecentral", "germanywestcentral", "swedencentral", "australiaeast", "southeastasia",
    "japaneast", "canadacentral", "brazilsouth",
})


@dataclass
class LongRunning:
    """A 202/201 answer's follow-up: what it changes when it finishes, and what its status URL says."""

    id: str
    kind: str  # deployment, what_if, delete_group, delete_deployment, delete_resource
    target: str  # lower-case key of what it changes
    started: float = field(default_factory=time.monotonic)
    polls: int = 0
    done: bool = False
    failure: DeploymentFailure | DeleteFailure | None = None
    result: dict[str, Any] | None = None  # a what-if's answer
    error: ArmError | None = None  # a failed delete's answer


@dataclass(frozen=True)
class LoggedRequest:
    method: str
    path: str
    api_version: str | None
    status: int
    query: dict[str, str]
    at: float


@dataclass(frozen=True)
class LroSettings:
    polls_to_finish: int | None = 2
    seconds_to_finish: float | None = None
    retry_after: int = 1  # seconds, on every 201/202 and poll answer; 0 makes the SDK fall back to polling_interval


def _deployment_key(resource_group: str, name: str) -> str:
    return f"{resource_group.lower()}/{name.lower()}"


class ArmState:
    """All state of one stand-in subscription; every public method takes the lock."""

    def __init__(self, subscription_id: str, *, lro: LroSettings = LroSettings(),
                 allowed_locations: frozenset[str] = DEFAULT_LOCATIONS) -> None:
        self.subscription_id = subscription_id
        self.faults = Faults()
        self._defaults = (lro, allowed_locations)
        self._lock = threading.RLock()
        self.reset()

    def reset(self) -> None:
        """Forget everything (groups, resources, deployments, operations, faults, log) and restore settings."""
        with self._lock:
            self.lro, self.allowed_locations = self._defaults
            self._groups: dict[str, ResourceGroup] = {}
            self._resources: dict[str, Resource] = {}
            self._deployments: dict[str, Deployment] = {}
            self._put_counts: dict[str, int] = {}
            self._operations: dict[str, LongRunning] = {}
            self._log: list[LoggedRequest] = []
            self.faults.clear()

    def configure(self, *, lro: LroSettings | None = None, allowed_locations: frozenset[str] | None = None) -> None:
        with self._lock:
            self.lro = lro or self.lro
            self.allowed_locations = allowed_locations or self.allowed_locations

    # --- accessors for tests (deep copies) ----------------------------------------------------------------

    def resource_groups(self) -> list[ResourceGroup]:
        with self._lock:
            self._sweep()
            return copy.deepcopy(list(self._groups.values()))

    def resources(self, resource_group: str | None = None) -> list[Resource]:
        with self._lock:
            self._sweep()
            return copy.deepcopy([r for r in self._resources.values()
                                  if resource_group is None or r.resource_group.lower() == resource_group.lower()])

    def deployments(self, resource_group: str | None = None) -> list[Deployment]:
        with self._lock:
            self._sweep()
            return copy.deepcopy([d for d in self._deployments.values()
                                  if resource_group is None or d.resource_group.lower() == resource_group.lower()])

    def put_count(self, resource_group: str, name: str) -> int:
        """How many PUTs of this deployment name started a deployment (rejected ones do not count)."""
        with self._lock:
            return self._put_counts.get(_deployment_key(resource_group, name), 0)

    def log(self, entry: LoggedRequest) -> None:
        with self._lock:
            self._log.append(entry)

    def requests(self) -> list[LoggedRequest]:
        with self._lock:
            return list(self._log)

    # --- resource groups -----------------------------------------------------------------------------------

    def group(self, name: str, *, poll: bool = False) -> ResourceGroup:
        with self._lock:
            self._sweep()
            if poll:
                self._poll_target("delete_group", name.lower())
            group = self._groups.get(name.lower())
            if group is None:
                raise resource_group_not_found(name)
            return group

    def put_group(self, name: str, body: dict[str, Any]) -> tuple[int, ResourceGroup]:
        location = str(body.get("location") or "")
        if not location:
            raise ArmError(400, "LocationRequired", "The location property is required for this definition.")
        with self._lock:
            self._sweep()
            existing = self._groups.get(name.lower())
            normalized = location.replace(" ", "").lower()
            if existing is not None:
                if existing.provisioning_state == "Deleting":
                    raise _being_deleted(existing.name)
                if existing.location != normalized:
                    raise ArmError(409, "InvalidResourceGroupLocation", f"Invalid resource group location "
                                   f"'{location}'. The Resource group already exists in location "
                                   f"'{existing.location}'.")
                existing.tags = dict(body.get("tags") or {})
                return 200, existing
            if normalized not in self.allowed_locations:
                raise ArmError(400, "LocationNotAvailableForResourceGroup", f"The provided location '{location}' "
                               "is not available for resource group. List of available regions is "
                               f"'{','.join(sorted(self.allowed_locations))}'.")
            group = ResourceGroup(name=name, location=normalized, tags=dict(body.get("tags") or {}))
            self._groups[name.lower()] = group
            return 201, group

    def patch_group(self, name: str, body: dict[str, Any]) -> ResourceGroup:
        with self._lock:
            group = self.group(name)
            if "tags" in body:
                group.tags = dict(body["tags"] or {})
            return group

    def list_groups(self) -> list[ResourceGroup]:
        with self._lock:
            self._sweep()
            return list(self._groups.values())

    def delete_group(self, name: str, path: str) -> LongRunning:
        with self._lock:
            group = self.group(name)
            running = self._active("delete_group", name.lower())
            if running is not None:
                return running
            failure = self.faults.delete_failure(path)
            if failure is not None and failure.synchronous:
                raise failure.error()
            group.provisioning_state = "Deleting"
            return self._start("delete_group", name.lower(), failure=failure, location=group.location)

    # --- resources -------------------------------------------------------------------------------------------

    def resource(self, resource_id: str, *, poll: bool = False) -> Resource:
        with self._lock:
            group_name = _group_of(resource_id)
            self.group(group_name)
            if poll:
                self._poll_target("delete_resource", resource_id.lower())
            found = self._resources.get(resource_id.lower())
            if found is None:
                raise resource_not_found(_type_and_name(resource_id), group_name)
            return found

    def list_resources(self, resource_group: str | None) -> list[Resource]:
        with self._lock:
            if resource_group is not None:
                self.group(resource_group)
            self._sweep()
            return [r for r in self._resources.values()
                    if resource_group is None or r.resource_group.lower() == resource_group.lower()]

    def put_resource(self, resource_id: str, body: dict[str, Any], api_version: str | None) -> tuple[int, Resource]:
        with self._lock:
            group = self.group(_group_of(resource_id))
            if group.provisioning_state == "Deleting":
                raise _being_deleted(group.name)
            type_, name = _type_and_name_parts(resource_id)
            existing = self._resources.get(resource_id.lower())
            resource = Resource(id=existing.id if existing else _canonical_id(resource_id, group.name), type=type_,
                                name=name, resource_group=group.name, location=body.get("location"),
                                tags=dict(body.get("tags") or {}), properties=dict(body.get("properties") or {}),
                                api_version=api_version)
            self._resources[resource_id.lower()] = resource
            return (200 if existing else 201), resource

    def delete_resource(self, resource_id: str, path: str) -> LongRunning:
        with self._lock:
            found = self.resource(resource_id)
            running = self._active("delete_resource", found.id.lower())
            if running is not None:
                return running
            failure = self.faults.delete_failure(path)
            if failure is not None and failure.synchronous:
                raise failure.error()
            return self._start("delete_resource", found.id.lower(), failure=failure, location=found.location)

    # --- deployments -----------------------------------------------------------------------------------------

    def deployment(self, resource_group: str, name: str, *, poll: bool = False) -> Deployment:
        with self._lock:
            self.group(resource_group)
            key = _deployment_key(resource_group, name)
            if poll:
                self._poll_target("deployment", key)
            found = self._deployments.get(key)
            if found is None:
                raise deployment_not_found(name)
            return found

    def list_deployments(self, resource_group: str) -> list[Deployment]:
        with self._lock:
            self.group(resource_group)
            return [d for d in self._deployments.values() if d.resource_group.lower() == resource_group.lower()]

    def put_deployment(self, resource_group: str, name: str, body: dict[str, Any]) -> tuple[int, Deployment]:
        with self._lock:
            group = self.group(resource_group)
            if group.provisioning_state == "Deleting":
                raise _being_deleted(group.name)
            key = _deployment_key(resource_group, name)
            previous = self._deployments.get(key)
            if previous is not None and previous.active:
                raise ArmError(409, "DeploymentActive", f"Unable to edit or replace deployment '{name}': "
                               "previous deployment from '" + timestamp(previous.started) + "' is still active. "
                               "Please see https://aka.ms/arm-deploy for usage details.")
            properties, plan = self._checked_plan(group, name, body)
            operation = self._start("deployment", key, failure=self.faults.deployment_failure(name))
            moment = now()
            deployment = Deployment(
                resource_group=group.name, name=name, template=properties["template"],
                parameters=dict(properties.get("parameters") or {}), mode=properties.get("mode", "Incremental"),
                plan=plan, operation_id=operation.id, correlation_id=str(uuid.uuid4()), started=moment,
                updated=moment, tags=dict(body.get("tags") or {}))
            self._deployments[key] = deployment
            self._put_counts[key] = self._put_counts.get(key, 0) + 1
            if operation.done is False and self.lro.polls_to_finish == 0:
                self._finish(operation)
            return (200 if previous is not None else 201), deployment

    def validate(self, resource_group: str, name: str, body: dict[str, Any]) -> dict[str, Any]:
        """POST .../validate: the 200 body, or raise the 400 InvalidTemplateDeployment / InvalidTemplate."""
        with self._lock:
            group = self.group(resource_group)
            properties, plan = self._checked_plan(group, name, body)
            moment = now()
            draft = Deployment(resource_group=group.name, name=name, template=properties["template"],
                               parameters={}, mode=properties.get("mode", "Incremental"), plan=plan, operation_id="",
                               correlation_id=str(uuid.uuid4()), started=moment, updated=moment,
                               provisioning_state="Succeeded")
            answer = draft.to_json(self.subscription_id)
            answer["properties"].pop("outputs", None)
            answer["properties"].pop("outputResources", None)
            answer["properties"]["validatedResources"] = [{"id": r.id} for r in plan.resources]
            return answer

    def what_if(self, resource_group: str, name: str, body: dict[str, Any]) -> LongRunning:
        with self._lock:
            group = self.group(resource_group)
            properties, plan = self._checked_plan(group, name, body, validate=False)
            existing = [r for r in self._resources.values() if r.resource_group.lower() == group.name.lower()]
            changes = what_if_changes(plan, existing, complete=properties.get("mode") == "Complete")
            operation = self._start("what_if", _deployment_key(resource_group, name), location=group.location)
            operation.result = {"status": "Succeeded", "properties": {"changes": changes}}
            return operation

    def cancel(self, resource_group: str, name: str) -> None:
        with self._lock:
            deployment = self.deployment(resource_group, name)
            if not deployment.active:
                raise ArmError(409, "DeploymentCannotBeCancelled", f"The deployment '{name}' cannot be cancelled "
                               f"because it is in state '{deployment.provisioning_state}'.")
            operation = self._operations[deployment.operation_id]
            operation.done = True
            deployment.provisioning_state, deployment.updated = "Canceled", now()

    def delete_deployment(self, resource_group: str, name: str, path: str) -> LongRunning | None:
        """None when there is nothing to delete (ARM answers 204)."""
        with self._lock:
            self.group(resource_group)
            key = _deployment_key(resource_group, name)
            found = self._deployments.get(key)
            if found is None:
                return None
            if found.active:
                raise ArmError(409, "DeploymentActive", f"The deployment '{name}' is still active; cancel it "
                               "before deleting it.")
            failure = self.faults.delete_failure(path)
            if failure is not None and failure.synchronous:
                raise failure.error()
            return self._active("delete_deployment", key) or self._start("delete_deployment", key, failure=failure)

    def deployment_operations(self, resource_group: str, name: str) -> list[DeploymentOperation]:
        with self._lock:
            return list(self.deployment(resource_group, name).operations)

    # --- long-running operations --------------------------------------------------------------------------

    def poll(self, operation_id: str) -> LongRunning:
        """One poll of a status URL; the returned operation says whether it is done."""
        with self._lock:
            self._sweep()
            operation = self._operations.get(operation_id)
            if operation is None:
                raise ArmError(404, "OperationNotFound", f"The operation '{operation_id}' could not be found.")
            self._advance(operation)
            return operation

    def deployment_status(self, operation: LongRunning) -> dict[str, Any]:
        with self._lock:
            deployment = self._deployments.get(operation.target)
            if deployment is None or deployment.operation_id != operation.id:
                return {"status": "Canceled"}
            if deployment.active:
                return {"status": "Running"}
            status: dict[str, Any] = {"status": deployment.provisioning_state}
            if deployment.error is not None:
                status["error"] = deployment.error
            return status

    def _start(self, kind: str, target: str, *, failure: DeploymentFailure | DeleteFailure | None = None,
               location: str | None = None) -> LongRunning:
        if kind == "deployment":
            identifier = "0858" + "".join(random.choices("0123456789", k=16))
        else:
            job = {"jobId": f"{kind.upper()}JOB-{uuid.uuid4().hex.upper()}", "jobLocation": location or "eastus"}
            identifier = base64.urlsafe_b64encode(json.dumps(job).encode()).rstrip(b"=").decode()
        operation = LongRunning(id=identifier, kind=kind, target=target, failure=failure)
        self._operations[identifier] = operation
        if self.lro.polls_to_finish == 0 and kind != "deployment":
            self._finish(operation)
        return operation

    def _active(self, kind: str, target: str) -> LongRunning | None:
        return next((op for op in self._operations.values()
                     if op.kind == kind and op.target == target and not op.done), None)

    def _poll_target(self, kind: str, target: str) -> None:
        operation = self._active(kind, target)
        if operation is not None:
            self._advance(operation)

    def _advance(self, operation: LongRunning) -> None:
        if operation.done:
            return
        operation.polls += 1
        if self._due(operation):
            self._finish(operation)
        elif operation.kind == "deployment":
            deployment = self._deployments.get(operation.target)
            if deployment is not None and deployment.operation_id == operation.id:
                deployment.provisioning_state, deployment.updated = "Running", now()

    def _due(self, operation: LongRunning) -> bool:
        polls, seconds = self.lro.polls_to_finish, self.lro.seconds_to_finish
        return ((polls is not None and operation.polls >= polls)
                or (seconds is not None and time.monotonic() - operation.started >= seconds))

    def _sweep(self) -> None:
        if self.lro.seconds_to_finish is None:
            return
        for operation in list(self._operations.values()):
            if not operation.done and self._due(operation):
                self._finish(operation)

    def _finish(self, operation: LongRunning) -> None:
        operation.done = True
        failure = operation.failure
        if operation.kind == "deployment":
            self._finish_deployment(operation)
        elif isinstance(failure, DeleteFailure):
            operation.error = failure.error()
            group = self._groups.get(operation.target)
            if operation.kind == "delete_group" and group is not None:
                group.provisioning_state = "Succeeded"
        elif operation.kind == "delete_group":
            self._groups.pop(operation.target, None)
            for key, resource in list(self._resources.items()):
                if resource.resource_group.lower() == operation.target:
                    del self._resources[key]
            for key in [k for k in self._deployments if k.startswith(operation.target + "/")]:
                del self._deployments[key]
        elif operation.kind == "delete_resource":
            for key in [k for k in self._resources if k == operation.target or k.startswith(operation.target + "/")]:
                del self._resources[key]
        elif operation.kind == "delete_deployment":
            self._deployments.pop(operation.target, None)

    def _finish_deployment(self, operation: LongRunning) -> None:
        deployment = self._deployments.get(operation.target)
        if deployment is None or deployment.operation_id != operation.id:
            return
        failure = operation.failure if isinstance(operation.failure, DeploymentFailure) else None
        planned = deployment.plan.resources
        succeeding = planned if failure is None else planned[:failure.after_resources]
        started, operations = deployment.started, []
        for item in succeeding:
            existed = item.id.lower() in self._resources
            self._resources[item.id.lower()] = Resource.from_plan(item, deployment.resource_group)
            operations.append(_operation("Create", "Succeeded", "OK" if existed else "Created", started, item))
        if failure is not None:
            error = {"code": failure.code, "message": failure.message}
            if len(succeeding) < len(planned):
                operations.append(_operation("Create", "Failed", failure.status_code, started,
                                             planned[len(succeeding)], error))
            deployment.error = {"code": "DeploymentFailed", "target": deployment.resource_id(self.subscription_id),
                                "message": "At least one resource deployment operation failed. Please list "
                                           "deployment operations for details. Please see "
                                           "https://aka.ms/arm-deployment-operations for usage details.",
                                "details": [error]}
            deployment.provisioning_state = "Failed"
        else:
            if deployment.mode == "Complete":
                keep = {item.id.lower() for item in planned}
                for key, resource in list(self._resources.items()):
                    if resource.resource_group.lower() == deployment.resource_group.lower() and key not in keep:
                        del self._resources[key]
                operations.append(_operation("DeploymentCleanup", "Succeeded", "OK", started))
            operations.append(_operation("EvaluateDeploymentOutput", "Succeeded", "OK", started))
            deployment.outputs = deployment.plan.outputs
            deployment.output_resources = [item.id for item in planned]
            deployment.provisioning_state = "Succeeded"
        deployment.operations = operations
        deployment.updated = now()

    def _checked_plan(self, group: ResourceGroup, name: str, body: dict[str, Any], *,
                      validate: bool = True) -> tuple[dict[str, Any], ExpandedTemplate]:
        properties = body.get("properties")
        if not isinstance(properties, dict) or "template" not in properties:
            raise ArmError(400, "InvalidRequestContent", "The request content must have 'properties.template' as "
                           "an inline JSON object; templateLink is not supported by the ARM stand-in.")
        if properties.get("mode", "Incremental") not in ("Incremental", "Complete"):
            raise ArmError(400, "InvalidDeploymentMode", f"The deployment mode '{properties.get('mode')}' is not "
                           "valid. Allowed values are 'Incremental' and 'Complete'.")
        plan = expand(properties["template"], properties.get("parameters"),
                      Scope(self.subscription_id, group.name, group.location))
        problems = list(plan.problems) + location_problems(plan, self.allowed_locations)
        fault = self.faults.validation_failure(name) if validate else None
        if fault is not None:
            problems.append({"code": fault.code, "message": fault.message})
        if problems:
            raise invalid_template_deployment(name, problems)
        return properties, plan


def _operation(kind: str, state: str, status_code: str, started: Any, target: Any = None,
               error: dict[str, Any] | None = None) -> DeploymentOperation:
    return DeploymentOperation(operation_id=uuid.uuid4().hex[:16].upper(), provisioning_operation=kind,
                               provisioning_state=state, status_code=status_code, started=started,
                               finished=now(), target=target, error=error)


def _being_deleted(name: str) -> ArmError:
    return ArmError(409, "ResourceGroupBeingDeleted", f"The resource group '{name}' is in deprovisioning state and "
                    "cannot perform this operation.")


def _segments(resource_id: str) -> list[str]:
    return [s for s in resource_id.split("/") if s]


def _group_of(resource_id: str) -> str:
    segments = _segments(resource_id)
    return segments[3] if len(segments) > 3 else ""


def _type_and_name_parts(resource_id: str) -> tuple[str, str]:
    """`.../providers/Ns/a/x/b/y` → (`Ns/a/b`, `x/y`)."""
    segments = _segments(resource_id)
    provider = segments[5:] if len(segments) > 5 else []
    if len(provider) < 3 or len(provider) % 2 == 0:
        raise ArmError(400, "InvalidResourceId", f"The resource id '{resource_id}' is not valid.")
    namespace, rest = provider[0], provider[1:]
    return "/".join([namespace, *rest[0::2]]), "/".join(rest[1::2])


def _type_and_name(resource_id: str) -> str:
    try:
        type_, name = _type_and_name_parts(resource_id)
    except ArmError:
        return resource_id
    return f"{type_}/{name}"


def _canonical_id(resource_id: str, group: str) -> str:
    segments = _segments(resource_id)
    return "/" + "/".join(["subscriptions", segments[1], "resourceGroups", group, "providers", *segments[5:]])
