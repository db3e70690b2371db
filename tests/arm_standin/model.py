"""What the stand-in holds, and how ARM renders it as JSON (shapes copied from the recordings)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from tests.arm_standin.template import ExpandedTemplate, PlannedResource


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def timestamp(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def duration(start: dt.datetime, end: dt.datetime) -> str:
    return f"PT{max((end - start).total_seconds(), 0.0):.6f}S"


@dataclass
class ResourceGroup:
    name: str
    location: str
    tags: dict[str, str] = field(default_factory=dict)
    provisioning_state: str = "Succeeded"

    def to_json(self, subscription_id: str) -> dict[str, Any]:
        body: dict[str, Any] = {"id": f"/subscriptions/{subscription_id}/resourceGroups/{self.name}",
                                "name": self.name, "type": "Microsoft.Resources/resourceGroups",
                                "location": self.location}
        if self.tags:
            body["tags"] = dict(self.tags)
        body["properties"] = {"provisioningState": self.provisioning_state}
        return body


@dataclass
class Resource:
    id: str
    type: str
    name: str
    resource_group: str
    location: str | None
    tags: dict[str, Any] = field(default_factory=dict)
    properties: dict[str, Any] = field(default_factory=dict)
    api_version: str | None = None

    def to_json(self, *, with_properties: bool = True) -> dict[str, Any]:
        body: dict[str, Any] = {"id": self.id, "name": self.name, "type": self.type}
        if self.location is not None:
            body["location"] = self.location
        body["tags"] = dict(self.tags)
        if with_properties:
            body["properties"] = json.loads(json.dumps(self.properties))
        return body

    @classmethod
    def from_plan(cls, planned: PlannedResource, resource_group: str) -> Resource:
        return cls(id=planned.id, type=planned.type, name=planned.name, resource_group=resource_group,
                   location=planned.location, tags=dict(planned.tags),
                   properties=json.loads(json.dumps(planned.properties)), api_version=planned.api_version)


@dataclass
class DeploymentOperation:
    operation_id: str
    provisioning_operation: str  # Create, DeploymentCleanup, EvaluateDeploymentOutput
    provisioning_state: str  # Succeeded, Failed
    status_code: str  # OK, Created, BadRequest, ...
    started: dt.datetime
    finished: dt.datetime
    target: PlannedResource | None = None
    error: dict[str, Any] | None = None

    def to_json(self, deployment_id: str) -> dict[str, Any]:
        properties: dict[str, Any] = {
            "provisioningOperation": self.provisioning_operation, "provisioningState": self.provisioning_state,
            "timestamp": timestamp(self.finished), "duration": duration(self.started, self.finished),
            "trackingId": self.operation_id.lower(), "statusCode": self.status_code,
        }
        if self.error is not None:
            properties["statusMessage"] = {"status": "Failed", "error": self.error}
        if self.target is not None:
            properties["targetResource"] = {"id": self.target.id, "resourceType": self.target.type,
                                            "resourceName": self.target.name}
        return {"id": f"{deployment_id}/operations/{self.operation_id}", "operationId": self.operation_id,
                "properties": properties}


@dataclass
class Deployment:
    resource_group: str
    name: str
    template: dict[str, Any]
    parameters: dict[str, Any]  # as sent: {"x": {"value": ...}}
    mode: str
    plan: ExpandedTemplate
    operation_id: str  # the long-running operation that runs it
    correlation_id: str
    started: dt.datetime
    updated: dt.datetime
    tags: dict[str, str] = field(default_factory=dict)
    provisioning_state: str = "Accepted"
    outputs: dict[str, Any] = field(default_factory=dict)
    output_resources: list[str] = field(default_factory=list)
    operations: list[DeploymentOperation] = field(default_factory=list)
    error: dict[str, Any] | None = None

    @property
    def active(self) -> bool:
        return self.provisioning_state in ("Accepted", "Running")

    def resource_id(self, subscription_id: str) -> str:
        return (f"/subscriptions/{subscription_id}/resourceGroups/{self.resource_group}"
                "/providers/Microsoft.Resources/deployments/" + self.name)

    def to_json(self, subscription_id: str) -> dict[str, Any]:
        properties: dict[str, Any] = {
            "templateHash": template_hash(self.template), "parameters": self.plan.parameters, "mode": self.mode,
            "provisioningState": self.provisioning_state, "timestamp": timestamp(self.updated),
            "duration": duration(self.started, self.updated), "correlationId": self.correlation_id,
            "providers": providers(self.plan.resources), "dependencies": dependencies(self.plan.resources),
        }
        if self.provisioning_state == "Succeeded":
            properties["outputs"] = self.outputs
            properties["outputResources"] = [{"id": rid} for rid in self.output_resources]
        if self.error is not None:
            properties["error"] = self.error
        body: dict[str, Any] = {"id": self.resource_id(subscription_id), "name": self.name,
                                "type": "Microsoft.Resources/deployments"}
        if self.tags:
            body["tags"] = dict(self.tags)
        body["properties"] = properties
        return body


def template_hash(template: dict[str, Any]) -> str:
    digest = hashlib.sha256(json.dumps(template, sort_keys=True).encode()).digest()
    return str(int.from_bytes(digest[:8], "big"))


def providers(resources: tuple[PlannedResource, ...]) -> list[dict[str, Any]]:
    by_namespace: dict[str, dict[str, set[str]]] = {}
    for resource in resources:
        namespace, _, resource_type = resource.type.partition("/")
        locations = by_namespace.setdefault(namespace, {}).setdefault(resource_type, set())
        if resource.location:
            locations.add(resource.location.replace(" ", "").lower())
    return [{"namespace": namespace,
             "resourceTypes": [{"resourceType": t, "locations": sorted(locs)} for t, locs in types.items()]}
            for namespace, types in by_namespace.items()]


def dependencies(resources: tuple[PlannedResource, ...]) -> list[dict[str, Any]]:
    by_id = {r.id: r for r in resources}
    return [{"dependsOn": [{"id": d, "resourceType": by_id[d].type, "resourceName": by_id[d].name}
                           for d in r.depends_on if d in by_id],
             "id": r.id, "resourceType": r.type, "resourceName": r.name}
            for r in resources if r.depends_on]
