"""Importers for dependency files: Azure Migrate's agentless dependency export and a plain source,target CSV.

Rows name systems as the file does (server name, else IP address); the store resolves them to systems.
Identical connections repeat in exports (one row per six-hour time slot), so rows are aggregated.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from inventory.importers.common import (
    Columns,
    CsvInput,
    ParsedInventory,
    Problems,
    ProgressFn,
    display_name,
    number,
    open_csv,
    require_columns,
    text,
)
from inventory.importers.rows import DependencyRow

AZURE_MIGRATE_FORMAT = "azure-migrate-dependencies"
SIMPLE_FORMAT = "dependency-csv"
PROGRESS_EVERY = 1000
_MAX_PORT = 65535

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

# One connection as (source, target, port, protocol, process); identical ones are merged.
Connection = tuple[str, str, int | None, str | None, str | None]
# One row (line number, cells) -> its connection, or None after adding the row's problems.
RowFn = Callable[[int, Sequence[str]], Connection | None]


def parse_azure_migrate(path: Path, *, progress: ProgressFn | None = None) -> ParsedInventory:
    """Parse an Azure Migrate dependency export (real 10-column or docs-shaped 9-column header)."""
    problems = Problems(display_name(path))
    table = open_csv(path)
    columns = Columns.match(table.header, _AZURE_ALIASES)
    require_columns(columns, _AZURE_REQUIRED, problems)
    problems.raise_if_any()

    def one(row: int, cells: Sequence[str]) -> Connection | None:
        source = _end(columns, cells, row, problems, "source_name", "source_ip", "Source IP")
        target = _end(columns, cells, row, problems, "target_name", "target_ip", "Destination IP")
        port = _port(columns, cells, row, problems)
        if source is None or target is None:
            return None
        return source, target, port, None, text(columns.get(cells, "source_process"))

    return _aggregate(AZURE_MIGRATE_FORMAT, table, columns, one, problems, progress)


def parse_simple_csv(path: Path, *, progress: ProgressFn | None = None) -> ParsedInventory:
    """Parse a plain dependency CSV: `source,target[,port][,protocol]`, names or IP addresses."""
    problems = Problems(display_name(path))
    table = open_csv(path)
    columns = Columns.match(table.header, _SIMPLE_ALIASES)
    require_columns(columns, _SIMPLE_REQUIRED, problems)
    problems.raise_if_any()

    def one(row: int, cells: Sequence[str]) -> Connection | None:
        source = text(columns.get(cells, "source"))
        if source is None:
            problems.add(row, columns.column("source"), "missing required value")
        target = text(columns.get(cells, "target"))
        if target is None:
            problems.add(row, columns.column("target"), "missing required value")
        port = _port(columns, cells, row, problems)
        protocol = text(columns.get(cells, "protocol"))
        if source is None or target is None:
            return None
        return source, target, port, protocol.lower() if protocol else None, None

    return _aggregate(SIMPLE_FORMAT, table, columns, one, problems, progress)


def drop_self_dependencies(dependencies: Iterable[DependencyRow]) -> tuple[list[DependencyRow], str | None]:
    """Dependencies whose source is not their target (names compared case-insensitively), plus a warning
    naming the dropped ones, or None when nothing was dropped."""
    kept: list[DependencyRow] = []
    dropped: list[DependencyRow] = []
    for dependency in dependencies:
        same = dependency.source.lower() == dependency.target.lower()
        (dropped if same else kept).append(dependency)
    if not dropped:
        return kept, None
    examples = ", ".join(f"{dep.source!r} (row {dep.line})" for dep in dropped[:5])
    more = f" and {len(dropped) - 5} more" if len(dropped) > 5 else ""
    return kept, f"dropped {len(dropped)} self-dependencies (source equals target): {examples}{more}"


def _port(columns: Columns, cells: Sequence[str], row: int, problems: Problems) -> int | None:
    """The destination port: plain digits directly, anything else through `number` (and its messages)."""
    raw = columns.get(cells, "port")
    if raw and raw.isascii() and raw.isdigit() and int(raw) <= _MAX_PORT:
        return int(raw)
    port = number(raw, problems, row, columns.column("port"), integer=True, minimum=0, maximum=_MAX_PORT)
    return None if port is None else int(port)


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
    table: CsvInput,
    columns: Columns,
    one: RowFn,
    problems: Problems,
    progress: ProgressFn | None,
) -> ParsedInventory:
    """Run `one` over every row, merge identical connections (counting observations), drop self-loops.

    `one` has checked every value DependencyRecord constrains (non-empty ends, port range), so connections go
    to table form without a pydantic model each.
    """
    first_seen: dict[Connection, list[int]] = {}  # connection -> [first row, observations]
    done = 0
    for done, (row, cells) in enumerate(table.rows, start=1):
        before = len(problems.items)
        connection = one(row, cells)
        if connection is not None and len(problems.items) == before:
            seen = first_seen.get(connection)
            if seen is None:
                first_seen[connection] = [row, 1]
            else:
                seen[1] += 1
        if progress is not None and done % PROGRESS_EVERY == 0:
            progress(done, max(table.expected_rows, done))
    problems.raise_if_any()
    if progress is not None:
        progress(done, done)

    warnings = list(table.notes)
    used = set(columns.positions.values())
    unknown = [cell for position, cell in enumerate(table.header) if cell and position not in used]
    if unknown:
        warnings.append(f"ignored {len(unknown)} unknown column(s): {', '.join(unknown)}")
    if not done:
        warnings.append("no rows: the file has a header but no dependencies")
    kept, dropped = drop_self_dependencies(
        DependencyRow(first_row, *connection, observations=observations)
        for connection, (first_row, observations) in first_seen.items()
    )
    if dropped:
        warnings.append(dropped)
    return ParsedInventory(format=fmt, dependency_table=tuple(kept), warnings=tuple(warnings))
