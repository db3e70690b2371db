"""Writing imports to the database and reading the estate back, in bulk.

`apply_import` is the only writer of imported data. It runs inside the caller's transaction, so a rejected file
(BadInputError raised here or by the parser) leaves the database exactly as it was. Re-importing a source updates
in place, keyed by (source, external_id): unchanged rows are recognised by their digest and not written at all.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import bindparam, delete, func, insert, select, update
from sqlmodel import Session, col

from inventory.bulk import BulkStatement
from inventory.errors import BadInputError, InputProblem
from inventory.importers.common import ParsedInventory, ProgressFn
from inventory.importers.rows import SYSTEM_COLUMNS, DependencyRow, SystemRow, row_from_record
from inventory.records import DependencyRecord, SystemRecord
from inventory.tables import Dependency, ImportRun, System, SystemState, utcnow

_CHUNK = 5_000
_SYSTEM = System.metadata.tables["system"]
_DEPENDENCY = Dependency.metadata.tables["dependency"]
_T = TypeVar("_T")


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
    """The digest a re-import compares (`row_hash`): of the record's `system` columns."""
    return row_from_record(record, 0).digest


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
    if parsed.system_table or not parsed.dependency_table:
        counts.update(_apply_systems(parsed.system_table, session=session, source=source, import_id=run.id,
                                     now=started, progress=progress))
    warnings = list(parsed.warnings)
    if parsed.dependency_table:
        dep_counts, dep_warnings = _apply_dependencies(parsed.dependency_table, session=session, source=source,
                                                       import_id=run.id, file_name=file_name)
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
    rows: Sequence[SystemRow],
    *,
    session: Session,
    source: str,
    import_id: int,
    now: dt.datetime,
    progress: ProgressFn | None,
) -> Counter[str]:
    """Insert new systems, update changed ones in place, mark the ones the file no longer lists as removed."""
    existing = {
        external_id: (system_id, row_hash, bool(active))
        for system_id, external_id, row_hash, active in session.execute(
            select(_SYSTEM.c.id, _SYSTEM.c.external_id, _SYSTEM.c.row_hash, _SYSTEM.c.removed_at.is_(None))
            .where(_SYSTEM.c.source == source)
        )
    }
    inserts: list[SystemRow] = []
    updates: list[tuple[int, SystemRow]] = []
    counts: Counter[str] = Counter()
    for row in rows:
        known = existing.get(row.external_id)
        if known is None:
            inserts.append(row)
        elif known[1] == row.digest and known[2]:
            counts["unchanged"] += 1
        else:
            updates.append((known[0], row))
    in_file = {row.external_id for row in rows}
    gone = [system_id for external_id, (system_id, _digest, active) in existing.items()
            if active and external_id not in in_file]
    counts.update(added=len(inserts), changed=len(updates), removed=len(gone))

    total, done = len(rows), counts["unchanged"]
    if inserts:
        added = BulkStatement(session, insert(_SYSTEM), (*SYSTEM_COLUMNS, "row_hash"), constants={
            "source": source, "state": SystemState.IMPORTED.value, "import_id": import_id, "created_at": now,
            "updated_at": now})
        for chunk in _chunks(inserts):
            added.run([(*row.values, row.digest) for row in chunk])
            done += len(chunk)
            _report(progress, done, total)
    if updates:
        changed = BulkStatement(session, update(_SYSTEM).where(_SYSTEM.c.id == bindparam("row_id")),
                                (*SYSTEM_COLUMNS, "row_hash", "row_id"),
                                constants={"import_id": import_id, "updated_at": now, "removed_at": None})
        for update_chunk in _chunks(updates):
            changed.run([(*row.values, row.digest, system_id) for system_id, row in update_chunk])
            done += len(update_chunk)
            _report(progress, done, total)
    for ids in _chunks(gone):
        session.execute(update(_SYSTEM).where(_SYSTEM.c.id.in_(ids))
                        .values(removed_at=now, updated_at=now, import_id=import_id))
    if progress is not None:
        progress(len(rows), len(rows))
    return counts


def _report(progress: ProgressFn | None, done: int, total: int) -> None:
    if progress is not None:
        progress(done, total)


def _endpoint_is_address(name: str) -> bool:
    try:
        ipaddress.ip_address(name.split("%", 1)[0])
    except ValueError:
        return False
    return True


class _Resolver:
    """Names (case-insensitive) or IP addresses of active systems to their ids; addresses are loaded only
    when a file names an endpoint by address."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self._by_name: dict[str, list[int]] = {}
        active = _SYSTEM.c.removed_at.is_(None)
        for system_id, name_key in session.execute(select(_SYSTEM.c.id, _SYSTEM.c.name_key).where(active)):
            self._by_name.setdefault(name_key, []).append(system_id)
        self._by_ip: dict[str, int] | None = None

    def __call__(self, name: str) -> int | str | None:
        """The system id; None for an address outside the inventory; a message when the name is bad."""
        ids = self._by_name.get(name.lower())
        if ids is None and _endpoint_is_address(name):
            return self._addresses().get(name)  # None: an external connection, not an error
        if ids is None:
            return f"unknown server {name!r}: not in the inventory (import it first)"
        if len(ids) > 1:
            return f"ambiguous server name {name!r}: {len(ids)} systems have it"
        return ids[0]

    def _addresses(self) -> dict[str, int]:
        if self._by_ip is None:
            self._by_ip = {}
            rows = self._session.execute(select(_SYSTEM.c.id, _SYSTEM.c.ip_addresses)
                                         .where(_SYSTEM.c.removed_at.is_(None)).order_by(_SYSTEM.c.id))
            for system_id, addresses in rows:
                for address in addresses or ():
                    self._by_ip.setdefault(address, system_id)
        return self._by_ip


def _apply_dependencies(
    dependencies: Sequence[DependencyRow], *, session: Session, source: str, import_id: int, file_name: str
) -> tuple[Counter[str], list[str]]:
    """Resolve names (or IP addresses) to systems and replace this source's edges with the file's."""
    resolve = _Resolver(session)
    problems: list[InputProblem] = []
    external = 0
    wanted: dict[tuple[int, int, int, str], tuple[str | None, int]] = {}
    for dependency in dependencies:
        source_id = resolve(dependency.source)
        target_id = resolve(dependency.target)
        for column, resolved in (("source", source_id), ("target", target_id)):
            if isinstance(resolved, str):
                problems.append(InputProblem(file_name, dependency.line, column, resolved))
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
    table = _DEPENDENCY
    existing = {
        (src, dst, port, protocol): (dep_id, observations)
        for dep_id, src, dst, port, protocol, observations in session.execute(
            select(table.c.id, table.c.source_system_id, table.c.target_system_id, table.c.port, table.c.protocol,
                   table.c.observations).where(table.c.source == source)
        )
    }
    counts: Counter[str] = Counter()
    inserts: list[tuple[Any, ...]] = []
    updates: list[tuple[Any, ...]] = []
    for key, (process, observations) in wanted.items():
        known = existing.get(key)
        if known is None:
            inserts.append((*key, process, observations))
        elif known[1] != observations:
            updates.append((observations, known[0]))
        else:
            counts["dep_unchanged"] += 1
    stale = [dep_id for key, (dep_id, _obs) in existing.items() if key not in wanted]
    counts.update(dep_added=len(inserts), dep_changed=len(updates), dep_removed=len(stale))
    if inserts:
        added = BulkStatement(session, insert(table), ("source_system_id", "target_system_id", "port", "protocol",
                                                      "process", "observations"),
                              constants={"source": source, "import_id": import_id})
        for chunk in _chunks(inserts):
            added.run(chunk)
    if updates:
        changed = BulkStatement(session, update(table).where(table.c.id == bindparam("row_id")),
                                ("observations", "row_id"), constants={"import_id": import_id})
        for chunk in _chunks(updates):
            changed.run(chunk)
    for ids in _chunks(stale):
        session.execute(delete(table).where(table.c.id.in_(ids)))
    warnings = []
    if external:
        warnings.append(f"{external} connection(s) to addresses outside the inventory were skipped")
    return counts, warnings


def _chunks(items: Sequence[_T]) -> Iterator[Sequence[_T]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start:start + _CHUNK]


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


__all__ = ["DependencyRecord", "EstateStatus", "ImportSummary", "apply_import", "estate_status", "record_digest"]
