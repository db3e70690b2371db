"""Importers for dependency files: Azure Migrate's agentless dependency export and a plain source,target CSV.

Rows name systems as the file does (server name, else IP address); the store resolves them to systems.
Identical connections repeat in exports (one row per six-hour time slot), so rows are aggregated.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from inventory.importers.common import (
    Columns,
    ParsedInventory,
    Problems,
    ProgressFn,
    build_dependency,
    display_name,
    number,
    read_csv,
    require_columns,
    text,
)
from inventory.records import DependencyRecord

AZURE_MIGRATE_FORMAT = "azure-migrate-dependencies"
SIMPLE_FORMAT = "dependency-csv"
PROGRESS_EVERY = 1000

_AZURE_ALIASES: dict[str, tuple[str, ...]] = {
    "time_slot": ("Time slot", "Timeslot"),
    "source_name": ("Source server name",),
    "source_ip": ("Source IP",),
    "source_application": ("Source application",),
    "source_process": ("Source process",),
    "target_name": ("Destination server name",),
    "target_ip": ("Destination IP",),
    "target_application": ("Destination application",),
    "target_process": ("Destination process",),
    "port": ("Destination port",),
}
_AZURE_REQUIRED = {
    "source_name": "Source server name",
    "target_name": "Destination server name",
    "target_ip": "Destination IP",
    "port": "Destination port",
}
_SIMPLE_ALIASES: dict[str, tuple[str, ...]] = {
    "source": ("source",),
    "target": ("target",),
    "port": ("port",),
    "protocol": ("protocol",),
}
_SIMPLE_REQUIRED = {"source": "source", "target": "target"}

# One row (line number, cells) -> the dependency fields, or None after adding the row's problems.
RowFn = Callable[[int, Sequence[str]], dict[str, Any] | None]


def parse_azure_migrate(path: Path, *, progress: ProgressFn | None = None) -> ParsedInventory:
    """Parse an Azure Migrate dependency export (real 10-column or docs-shaped 9-column header)."""
    problems = Problems(display_name(path))
    header, rows = read_csv(path)
    columns = Columns.match(header, _AZURE_ALIASES)
    require_columns(columns, _AZURE_REQUIRED, problems)
    problems.raise_if_any()

    def one(row: int, cells: Sequence[str]) -> dict[str, Any] | None:
        source = _end(columns, cells, row, problems, "source_name", "source_ip", "Source IP")
        target = _end(columns, cells, row, problems, "target_name", "target_ip", "Destination IP")
        port = number(columns.get(cells, "port"), problems, row, columns.column("port"),
                      integer=True, minimum=0, maximum=65535)
        if source is None or target is None:
            return None
        return {"source": source, "target": target, "port": port,
                "process": text(columns.get(cells, "source_process"))}

    return _aggregate(AZURE_MIGRATE_FORMAT, header, columns, rows, one, problems, progress)


def parse_simple_csv(path: Path, *, progress: ProgressFn | None = None) -> ParsedInventory:
    """Parse a plain dependency CSV: `source,target[,port][,protocol]`, names or IP addresses."""
    problems = Problems(display_name(path))
    header, rows = read_csv(path)
    columns = Columns.match(header, _SIMPLE_ALIASES)
    require_columns(columns, _SIMPLE_REQUIRED, problems)
    problems.raise_if_any()

    def one(row: int, cells: Sequence[str]) -> dict[str, Any] | None:
        ends = {}
        for field_name in ("source", "target"):
            ends[field_name] = text(columns.get(cells, field_name))
            if ends[field_name] is None:
                problems.add(row, columns.column(field_name), "missing required value")
        port = number(columns.get(cells, "port"), problems, row, columns.column("port"),
                      integer=True, minimum=0, maximum=65535)
        protocol = text(columns.get(cells, "protocol"))
        if ends["source"] is None or ends["target"] is None:
            return None
        return {**ends, "port": port, "protocol": protocol.lower() if protocol else None}

    return _aggregate(SIMPLE_FORMAT, header, columns, rows, one, problems, progress)


def drop_self_dependencies(
    dependencies: Iterable[tuple[int, DependencyRecord]],
) -> tuple[list[tuple[int, DependencyRecord]], str | None]:
    """Dependencies whose source is not their target (names compared case-insensitively), plus a warning
    naming the dropped ones, or None when nothing was dropped."""
    kept: list[tuple[int, DependencyRecord]] = []
    dropped: list[tuple[int, DependencyRecord]] = []
    for row, dependency in dependencies:
        same = dependency.source.lower() == dependency.target.lower()
        (dropped if same else kept).append((row, dependency))
    if not dropped:
        return kept, None
    examples = ", ".join(f"{dep.source!r} (row {row})" for row, dep in dropped[:5])
    more = f" and {len(dropped) - 5} more" if len(dropped) > 5 else ""
    return kept, f"dropped {len(dropped)} self-dependencies (source equals target): {examples}{more}"


def _end(
    columns: Columns, cells: Sequence[str], row: int, problems: Problems, name_field: str, ip_field: str,
    ip_header: str,
) -> str | None:
    """One end of a connection: the server name when given, else the IP address."""
    value = text(columns.get(cells, name_field)) or text(columns.get(cells, ip_field))
    if value is None:
        name_header = columns.column(name_field)
        either = f"{name_header!r} or {ip_header!r}" if ip_field in columns else repr(name_header)
        problems.add(row, name_header, f"missing value: {either} must be given")
    return value


def _aggregate(
    fmt: str,
    header: Sequence[str],
    columns: Columns,
    rows: Iterator[tuple[int, list[str]]],
    one: RowFn,
    problems: Problems,
    progress: ProgressFn | None,
) -> ParsedInventory:
    """Run `one` over every row, merge identical connections (counting observations), drop self-loops."""
    all_rows = list(rows)
    total = len(all_rows)
    counts: dict[tuple[Any, ...], list[Any]] = {}  # key -> [first row, data, observations]
    for done, (row, cells) in enumerate(all_rows, start=1):
        before = len(problems.items)
        data = one(row, cells)
        if data is not None and len(problems.items) == before:
            key = tuple(data.values())
            if key in counts:
                counts[key][2] += 1
            else:
                counts[key] = [row, data, 1]
        if progress is not None and done % PROGRESS_EVERY == 0:
            progress(done, total)
    records: list[tuple[int, DependencyRecord]] = []
    for first_row, data, observations in counts.values():
        record = build_dependency({**data, "observations": observations}, problems, first_row, columns.column)
        if record is not None:
            records.append((first_row, record))
    problems.raise_if_any()
    if progress is not None:
        progress(total, total)

    warnings = []
    used = set(columns.positions.values())
    unknown = [cell for position, cell in enumerate(header) if cell and position not in used]
    if unknown:
        warnings.append(f"ignored {len(unknown)} unknown column(s): {', '.join(unknown)}")
    if not all_rows:
        warnings.append("no rows: the file has a header but no dependencies")
    kept, dropped = drop_self_dependencies(records)
    if dropped:
        warnings.append(dropped)
    return ParsedInventory(
        format=fmt,
        dependencies=tuple(record for _row, record in kept),
        warnings=tuple(warnings),
        dependency_rows=tuple(row for row, _record in kept),
    )
