"""What-if: compare a template's resources with what exists (pure). Shapes follow the recorded 200 answers."""

from __future__ import annotations

from typing import Any

from tests.arm_standin.model import Resource
from tests.arm_standin.template import ExpandedTemplate, PlannedResource


def _payload(resource_id: str, type_: str, name: str, api_version: str | None, location: str | None,
             tags: dict[str, Any], properties: dict[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = {"apiVersion": api_version, "id": resource_id, "name": name, "type": type_}
    if location is not None:
        body["location"] = location
    if tags:
        body["tags"] = tags
    body["properties"] = properties
    return body


def _after(planned: PlannedResource) -> dict[str, Any]:
    return _payload(planned.id, planned.type, planned.name, planned.api_version, planned.location, planned.tags,
                    planned.properties)


def _before(existing: Resource) -> dict[str, Any]:
    return _payload(existing.id, existing.type, existing.name, existing.api_version, existing.location,
                    existing.tags, existing.properties)


def delta(before: Any, after: Any, path: str = "") -> list[dict[str, Any]]:
    """Property changes between two payloads, objects compared key by key (`path` is dotted)."""
    if isinstance(before, dict) and isinstance(after, dict):
        changes = []
        for key in sorted(set(before) | set(after), key=str):
            child = f"{path}.{key}" if path else str(key)
            if key not in after:
                changes.append({"path": child, "propertyChangeType": "Delete", "before": before[key]})
            elif key not in before:
                changes.append({"path": child, "propertyChangeType": "Create", "after": after[key]})
            else:
                changes.extend(delta(before[key], after[key], child))
        return changes
    if before == after:
        return []
    return [{"path": path, "propertyChangeType": "Modify", "before": before, "after": after}]


def what_if_changes(plan: ExpandedTemplate, existing: list[Resource], *, complete: bool) -> list[dict[str, Any]]:
    """Create / NoChange / Modify per template resource; Ignore (Incremental) or Delete (Complete) for the rest."""
    by_id = {r.id.lower(): r for r in existing}
    changes: list[dict[str, Any]] = []
    for planned in plan.resources:
        found = by_id.pop(planned.id.lower(), None)
        if found is None:
            changes.append({"resourceId": planned.id, "changeType": "Create", "after": _after(planned)})
            continue
        compared_before = {"tags": found.tags, "properties": found.properties}
        compared_after = {"tags": planned.tags, "properties": planned.properties}
        differences = delta(compared_before, compared_after)
        change: dict[str, Any] = {"resourceId": found.id, "changeType": "Modify" if differences else "NoChange",
                                  "before": _before(found), "after": _after(planned)}
        if differences:
            change["delta"] = differences
        changes.append(change)
    for leftover in by_id.values():
        if complete:
            changes.append({"resourceId": leftover.id, "changeType": "Delete", "before": _before(leftover)})
        else:
            changes.append({"resourceId": leftover.id, "changeType": "Ignore"})
    return changes
