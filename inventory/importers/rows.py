"""Parsed systems and dependencies in table form: what importers hand to the store, compact and cheap to compare.

A `SystemRow` holds the `system` columns of one system (in `SYSTEM_COLUMNS` order, JSON columns already
serialised) and a digest of them, so an import never keeps 100,000 SystemRecord models in memory and a re-import
recognises an unchanged system by its digest alone. `row_from_record` and `record_from_row` convert both ways.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from inventory.records import COST_LINE_NAMES, DependencyRecord, Disk, SystemRecord

# The `system` columns that come from the file, in a fixed order (the store adds source, ids and timestamps).
SYSTEM_COLUMNS: tuple[str, ...] = (
    "external_id", "name", "name_key", "kind", "cores", "memory_mb", "cpu_util_pct", "memory_util_pct",
    "util_percentile", "disk_count", "storage_gb", "storage_used_gb", "disks", "network_in_mbps",
    "network_out_mbps", "os_name", "os_family", "os_version", "os_arch", "os_end_of_support", "boot_type",
    "server_type", "hypervisor", "host", "cluster", "power_state", "ip_addresses", "environment", "criticality",
    "application", "business_unit", "datacenter", "workload_type", "db_engine", "db_version", "db_size_gb",
    *(f"cost_{line}" for line in COST_LINE_NAMES), "tags",
)
# Held as JSON text, exactly as the database stores it.
JSON_COLUMNS: frozenset[str] = frozenset({"disks", "ip_addresses", "tags"})
# Computed from other fields (never read back into a record).
DERIVED_COLUMNS: frozenset[str] = frozenset({"name_key", "os_family", "disk_count", "storage_gb"})
COLUMN_INDEX: dict[str, int] = {column: index for index, column in enumerate(SYSTEM_COLUMNS)}
# Record fields copied as they are (enums as their value).
_PLAIN_FIELDS: tuple[str, ...] = tuple(
    column for column in SYSTEM_COLUMNS
    if column not in JSON_COLUMNS and column not in DERIVED_COLUMNS and not column.startswith("cost_")
)
_ENUM_FIELDS = ("kind", "power_state", "environment", "criticality")
# Disk keys in the order Disk.model_dump writes them (the JSON the database holds).
DISK_FIELDS: tuple[str, ...] = tuple(Disk.model_fields)

json_text = json.JSONEncoder().encode


def row_digest(values: Sequence[Any]) -> str:
    """A stable digest of a row's values: equal rows, equal digests, in any process."""
    return hashlib.blake2b(repr(tuple(values)).encode(), digest_size=16).hexdigest()


@dataclass(frozen=True, slots=True)
class SystemRow:
    """One parsed system: its 1-based file row, its `system` column values and their digest."""

    line: int
    values: tuple[Any, ...]
    digest: str

    @classmethod
    def of(cls, values: tuple[Any, ...], line: int) -> SystemRow:
        return cls(line, values, row_digest(values))

    @property
    def external_id(self) -> str:
        value: str = self.values[0]
        return value

    @property
    def name(self) -> str:
        value: str = self.values[1]
        return value

    @property
    def name_key(self) -> str:
        """The lower-cased name: names are unique per file, and resolved, case-insensitively."""
        value: str = self.values[2]
        return value


@dataclass(frozen=True, slots=True)
class DependencyRow:
    """One parsed connection, named as the file names its ends (the store resolves them), with its file row."""

    line: int
    source: str
    target: str
    port: int | None = None
    protocol: str | None = None
    process: str | None = None
    observations: int = 1

    @classmethod
    def from_record(cls, record: DependencyRecord, line: int) -> DependencyRow:
        return cls(line, record.source, record.target, record.port, record.protocol, record.process,
                   record.observations)

    def record(self) -> DependencyRecord:
        return DependencyRecord(source=self.source, target=self.target, port=self.port, protocol=self.protocol,
                                process=self.process, observations=self.observations)


def row_from_record(record: SystemRecord, line: int) -> SystemRow:
    """The table form of a validated record found on file row `line` (0 when it has none)."""
    data: dict[str, Any] = {field: getattr(record, field) for field in _PLAIN_FIELDS}
    for field in _ENUM_FIELDS:
        if data[field] is not None:
            data[field] = data[field].value
    for cost_line in COST_LINE_NAMES:
        data[f"cost_{cost_line}"] = getattr(record.costs, cost_line)
    data["disks"] = json_text([disk.model_dump(exclude_none=True) for disk in record.disks])
    data["ip_addresses"] = json_text(list(record.ip_addresses))
    data["tags"] = json_text(record.tags)
    data["name_key"] = record.name.lower()
    data["os_family"] = record.os_family.value
    data["disk_count"] = len(record.disks)
    data["storage_gb"] = record.storage_gb
    return SystemRow.of(tuple(data[column] for column in SYSTEM_COLUMNS), line)


def record_from_row(row: SystemRow) -> SystemRecord:
    """The record a row was made from (for callers and tests that want models; not for bulk paths)."""
    data = dict(zip(SYSTEM_COLUMNS, row.values, strict=True))
    for column in DERIVED_COLUMNS:
        del data[column]
    data["costs"] = {cost_line: data.pop(f"cost_{cost_line}") for cost_line in COST_LINE_NAMES}
    for column in JSON_COLUMNS:
        data[column] = json.loads(data[column])
    return SystemRecord.model_validate(data)
