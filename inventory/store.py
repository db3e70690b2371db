"""Writing imports to the database and reading the estate back, in bulk.

`apply_import` is the only writer of imported data. It runs inside the caller's transaction, so a rejected file
(BadInputError raised here or by the parser) leaves the database exactly as it was. Re-importing a source updates
in place, keyed by (source, external_id): unchanged rows are recognised by their digest and not written at all.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlmodel import Session, col

from inventory.errors import BadInputError, InputProblem
from inventory.importers.common import ParsedInventory, ProgressFn
from inventory.records import COST_LINE_NAMES, DependencyRecord, SystemRecord
from inventory.tables import Dependency, ImportRun, System, utcnow

_CHUNK = 5_000


@dataclass(frozen=True)
class ImportSummary:
    """What one import changed."""

    import_id: int
    source: str
    format: str
    file_name: str
    added: int = 0
    changed: int = 0
    unchanged: int = 0
    removed: int = 0
    dependencies_added: int = 0
    dependencies_changed: int = 0
    dependencies_unchanged: int = 0
    dependencies_removed: int = 0
    warnings: tuple[str, ...] = field(default_factory=tuple)

    @property
    def systems_in_file(self) -> int:
        return self.added + self.changed + self.unchanged

    def as_dict(self) -> dict[str, Any]:
        return {
            "import_id": self.import_id,
            "source": self.source,
            "format": self.format,
            "file": self.file_name,
            "systems": {"added": self.added, "changed": self.changed, "unchanged": self.unchanged,
                        "removed": self.removed},
            "dependencies": {"added": self.dependencies_added, "changed": self.dependencies_changed,
                             "unchanged": self.dependencies_unchanged, "removed": self.dependencies_removed},
            "warnings": list(self.warnings),
        }


def record_digest(record: SystemRecord) -> str:
    return hashlib.blake2b(record.model_dump_json().encode(), digest_size=16).hexdigest()


def record_to_row(record: SystemRecord) -> dict[str, Any]:
    """The `system` columns of one record (without source, ids and timestamps)."""
    data = record.model_dump(mode="python", exclude={"costs", "disks", "ip_addresses"})
    costs = record.costs
    for line in COST_LINE_NAMES:
        data[f"cost_{line}"] = getattr(costs, line)
    data["disks"] = [disk.model_dump(exclude_none=True) for disk in record.disks]
    data["ip_addresses"] = list(record.ip_addresses)
    data["disk_count"] = len(record.disks)
    data["storage_gb"] = record.storage_gb
    data["os_family"] = record.os_family.value
    data["name_key"] = record.name.lower()
    for key in ("kind", "power_state", "environment", "criticality"):
        value = data[key]
        data[key] = value.value if hasattr(value, "value") else value
    return data


def apply_import(
    parsed: ParsedInventory,
    *,
    session: Session,
    source: str,
    file_name: str,
    file_sha256: str,
    progress: ProgressFn | None = None,
) -> ImportSummary:
    """Write one parsed file. Raises BadInputError (and writes nothing) when dependencies name unknown systems."""
    started = utcnow()
    run = ImportRun(source=source, format=parsed.format, file_name=file_name, file_sha256=file_sha256,
                    started_at=started, finished_at=started, warnings=list(parsed.warnings))
    session.add(run)
    session.flush()
    assert run.id is not None
    counts: Counter[str] = Counter()
    if parsed.systems or not parsed.dependencies:
        counts.update(_apply_systems(parsed.systems, session=session, source=source, import_id=run.id,
                                     now=started, progress=progress))
    warnings = list(parsed.warnings)
    if parsed.dependencies:
        dep_counts, dep_warnings = _apply_dependencies(parsed, session=session, source=source, import_id=run.id,
                                                       file_name=file_name)
        counts.update(dep_counts)
        warnings.extend(dep_warnings)
    run.added, run.changed, run.unchanged, run.removed = (counts["added"], counts["changed"], counts["unchanged"],
                                                          counts["removed"])
    run.dependencies = counts["dep_added"] + counts["dep_changed"] + counts["dep_unchanged"]
    run.warnings = warnings
    run.finished_at = utcnow()
    session.add(run)
    session.flush()
    return ImportSummary(
        import_id=run.id, source=source, format=parsed.format, file_name=file_name,
        added=counts["added"], changed=counts["changed"], unchanged=counts["unchanged"], removed=counts["removed"],
        dependencies_added=counts["dep_added"], dependencies_changed=counts["dep_changed"],
        dependencies_unchanged=counts["dep_unchanged"], dependencies_removed=counts["dep_removed"],
        warnings=tuple(warnings),
    )


def _apply_systems(
    records: Sequence[SystemRecord],
    *,
    session: Session,
    source: str,
    import_id: int,
    now: dt.datetime,
    progress: ProgressFn | None,
) -> Counter[str]:
    existing = {
        external_id: (system_id, row_hash, removed_at)
        for system_id, external_id, row_hash, removed_at in session.execute(
            select(col(System.id), col(System.external_id), col(System.row_hash), col(System.removed_at))
            .where(col(System.source) == source)
        )
    }
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    seen: set[str] = set()
    counts: Counter[str] = Counter()
    total = len(records)
    for index, record in enumerate(records, start=1):
        seen.add(record.external_id)
        digest = record_digest(record)
        known = existing.get(record.external_id)
        if known is not None and known[1] == digest and known[2] is None:
            counts["unchanged"] += 1
        else:
            row = record_to_row(record)
            row.update(row_hash=digest, import_id=import_id, updated_at=now, removed_at=None)
            if known is None:
                row.update(source=source, created_at=now)
                inserts.append(row)
                counts["added"] += 1
            else:
                row["id"] = known[0]
                updates.append(row)
                counts["changed"] += 1
        if progress is not None and index % 1000 == 0:
            progress(index, total)
    gone = [
        {"id": system_id, "removed_at": now, "updated_at": now, "import_id": import_id}
        for external_id, (system_id, _digest, removed_at) in existing.items()
        if external_id not in seen and removed_at is None
    ]
    counts["removed"] = len(gone)
    for chunk in _chunks(inserts):
        session.execute(insert(System), chunk)
    for chunk in _chunks(updates + gone):
        session.execute(update(System), chunk)
    if progress is not None:
        progress(total, total)
    return counts


def _endpoint_is_address(name: str) -> bool:
    try:
        ipaddress.ip_address(name.split("%", 1)[0])
    except ValueError:
        return False
    return True


def _apply_dependencies(
    parsed: ParsedInventory, *, session: Session, source: str, import_id: int, file_name: str
) -> tuple[Counter[str], list[str]]:
    """Resolve names (or IP addresses) to systems and replace this source's edges with the file's."""
    by_name: dict[str, list[int]] = {}
    by_ip: dict[str, int] = {}
    for system_id, name_key, addresses in session.execute(
        select(col(System.id), col(System.name_key), col(System.ip_addresses)).where(col(System.removed_at).is_(None))
    ):
        by_name.setdefault(name_key, []).append(system_id)
        for address in addresses or ():
            by_ip.setdefault(address, system_id)
    def resolve(name: str) -> int | str | None:
        """The system id; None for an address outside the inventory; a message when the name is bad."""
        ids = by_name.get(name.lower())
        if ids is None and _endpoint_is_address(name):
            address_id = by_ip.get(name)
            return address_id  # None: an external connection, not an error
        if ids is None:
            return f"unknown server {name!r}: not in the inventory (import it first)"
        if len(ids) > 1:
            return f"ambiguous server name {name!r}: {len(ids)} systems have it"
        return ids[0]

    problems: list[InputProblem] = []
    external = 0
    wanted: dict[tuple[int, int, int, str], tuple[str | None, int]] = {}
    rows = parsed.dependency_rows or tuple(range(2, len(parsed.dependencies) + 2))
    for row, dependency in zip(rows, parsed.dependencies, strict=True):
        source_id = resolve(dependency.source)
        target_id = resolve(dependency.target)
        for column, resolved in (("source", source_id), ("target", target_id)):
            if isinstance(resolved, str):
                problems.append(InputProblem(file_name, row, column, resolved))
        if not isinstance(source_id, int) or not isinstance(target_id, int):
            external += source_id is None or target_id is None
            continue
        if source_id == target_id:
            continue
        key = (source_id, target_id, dependency.port if dependency.port is not None else -1,
               dependency.protocol or "")
        process, observations = wanted.get(key, (dependency.process, 0))
        wanted[key] = (process, observations + dependency.observations)
    if problems:
        raise BadInputError(problems)
    existing = {
        (src, dst, port, protocol): (dep_id, observations)
        for dep_id, src, dst, port, protocol, observations in session.execute(
            select(col(Dependency.id), col(Dependency.source_system_id), col(Dependency.target_system_id),
                   col(Dependency.port), col(Dependency.protocol), col(Dependency.observations))
            .where(col(Dependency.source) == source)
        )
    }
    counts: Counter[str] = Counter()
    inserts = []
    updates = []
    for key, (process, observations) in wanted.items():
        known = existing.get(key)
        if known is None:
            inserts.append({"source": source, "source_system_id": key[0], "target_system_id": key[1],
                            "port": key[2], "protocol": key[3], "process": process, "observations": observations,
                            "import_id": import_id})
            counts["dep_added"] += 1
        elif known[1] != observations:
            updates.append({"id": known[0], "observations": observations, "import_id": import_id})
            counts["dep_changed"] += 1
        else:
            counts["dep_unchanged"] += 1
    stale = [dep_id for key, (dep_id, _obs) in existing.items() if key not in wanted]
    counts["dep_removed"] = len(stale)
    for chunk in _chunks(inserts):
        session.execute(insert(Dependency), chunk)
    for chunk in _chunks(updates):
        session.execute(update(Dependency), chunk)
    for start in range(0, len(stale), _CHUNK):
        session.execute(delete(Dependency).where(col(Dependency.id).in_(stale[start:start + _CHUNK])))
    warnings = []
    if external:
        warnings.append(f"{external} connection(s) to addresses outside the inventory were skipped")
    return counts, warnings


def _chunks(rows: list[dict[str, Any]]) -> Iterable[list[dict[str, Any]]]:
    for start in range(0, len(rows), _CHUNK):
        yield rows[start:start + _CHUNK]


@dataclass(frozen=True)
class EstateStatus:
    """Counts for `lumen-migrate status`."""

    systems: int
    removed: int
    dependencies: int
    by_kind: dict[str, int]
    by_environment: dict[str, int]
    by_state: dict[str, int]
    imports: int
    last_import: dict[str, Any] | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "systems": self.systems, "removed": self.removed, "dependencies": self.dependencies,
            "by_kind": self.by_kind, "by_environment": self.by_environment, "by_state": self.by_state,
            "imports": self.imports, "last_import": self.last_import,
        }


def estate_status(*, session: Session) -> EstateStatus:
    active = col(System.removed_at).is_(None)

    def grouped(column: Any) -> dict[str, int]:
        rows = session.execute(select(column, func.count()).where(active).group_by(column).order_by(column))
        return {str(key): int(count) for key, count in rows}

    systems = session.scalar(select(func.count()).select_from(System).where(active)) or 0
    removed = session.scalar(select(func.count()).select_from(System).where(~active)) or 0
    dependencies = session.scalar(select(func.count()).select_from(Dependency)) or 0
    imports = session.scalar(select(func.count()).select_from(ImportRun)) or 0
    last = session.scalars(select(ImportRun).order_by(col(ImportRun.id).desc()).limit(1)).first()
    last_import = None
    if last is not None:
        last_import = {"id": last.id, "source": last.source, "format": last.format, "file": last.file_name,
                       "finished_at": last.finished_at.isoformat(), "added": last.added, "changed": last.changed,
                       "unchanged": last.unchanged, "removed": last.removed}
    return EstateStatus(
        systems=systems, removed=removed, dependencies=dependencies, by_kind=grouped(System.kind),
        by_environment=grouped(System.environment), by_state=grouped(System.state), imports=imports,
        last_import=last_import,
    )


__all__ = ["DependencyRecord", "EstateStatus", "ImportSummary", "apply_import", "estate_status", "record_digest",
           "record_to_row"]
