"""Our own inventory format, as CSV (one row per system) and JSON; readers and the writers exports use.

Columns and JSON fields are SystemRecord's field names, so a file written here reads back to equal records.
The format is documented in docs/formats.md; the JSON Schema is docs/canonical-system.schema.json.
"""

from __future__ import annotations

import csv
import json
import math
import os
import sys
from collections.abc import Callable, Iterable, Sequence
from operator import attrgetter
from pathlib import Path
from typing import Any, TextIO

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from inventory.cells import FORMULA_STARTS, escape_formula
from inventory.importers.azure_migrate import split_ips
from inventory.importers.canonical_rows import DISK_PARTS, ESCAPED_START, TAG_PREFIX, FastRows, tags_of
from inventory.importers.common import (
    ParsedInventory,
    Problems,
    ProgressFn,
    build_record,
    check_unique_names,
    decode_text,
    display_name,
    header_key,
    number,
    open_csv,
    read_bytes,
    text,
)
from inventory.importers.dependencies import drop_self_dependencies
from inventory.importers.rows import DependencyRow, SystemRow, row_from_record
from inventory.records import COST_LINE_NAMES, DependencyRecord, Disk, SystemRecord

CSV_FORMAT = "canonical-csv"
JSON_FORMAT = "canonical-json"
PROGRESS_EVERY = 1000
COST_PREFIX = "cost_"
_FORMULA_CHARS = frozenset(FORMULA_STARTS)
_disk_values = attrgetter(*DISK_PARTS)
# Fields written as they are (one cell each); disks, ip_addresses, costs and tags are composite.
_SCALAR_FIELDS = frozenset(SystemRecord.model_fields) - {"disks", "ip_addresses", "costs", "tags"}


def _csv_columns() -> tuple[str, ...]:
    """SystemRecord's fields in order, with `costs` spread over one column per cost line."""
    columns: list[str] = []
    for field_name in SystemRecord.model_fields:
        if field_name == "costs":
            columns.extend(COST_PREFIX + line for line in COST_LINE_NAMES)
        else:
            columns.append(field_name)
    return tuple(columns)


CSV_COLUMNS = _csv_columns()


# ---------------------------------------------------------------------------------------------- CSV reader


def parse_csv(path: Path, *, progress: ProgressFn | None = None) -> ParsedInventory:
    """Parse a canonical CSV; raises BadInputError listing every problem of the file.

    Plainly valid rows go straight to table form (FastRows); any other row takes the slow path of cell parsers
    and pydantic, which accepts it or reports its problems.
    """
    problems = Problems(display_name(path))
    table = open_csv(path)
    fields, tag_columns, unknown = _read_header(table.header, problems)
    problems.raise_if_any()

    # The field each position holds ("" for tag and unknown columns): rows are walked by position.
    names = [""] * len(table.header)
    for field_name, position in fields.items():
        names[position] = field_name
    fast = FastRows(names, tag_columns)
    rows: list[SystemRow] = []
    escaped: list[tuple[int, str]] = []
    done = 0
    for done, (row, cells) in enumerate(table.rows, start=1):
        values = fast(cells, row, escaped)
        if values is not None:
            rows.append(SystemRow.of(values, row))
        else:
            record = _csv_record(cells, row, names, tag_columns, problems, escaped)
            if record is not None:
                rows.append(row_from_record(record, row))
        if progress is not None and done % PROGRESS_EVERY == 0:
            progress(done, max(table.expected_rows, done))
    _check_unique(rows, problems, name_column="name")
    problems.raise_if_any()
    if progress is not None:
        progress(done, done)

    warnings = list(table.notes)
    if unknown:
        warnings.append(f"ignored {len(unknown)} unknown column(s): {', '.join(unknown)}")
    if not done:
        warnings.append("no rows: the file has a header but no systems")
    if escaped:
        row, column = escaped[0]
        warnings.append(
            f"{len(escaped)} text cell(s) start with an apostrophe before =, +, - or @ (a spreadsheet "
            f"formula escape; first on row {row}, column {column}); kept as written, the apostrophe is not "
            "removed"
        )
    return ParsedInventory(format=CSV_FORMAT, system_table=tuple(rows), warnings=tuple(warnings))


def _read_header(
    header: Sequence[str], problems: Problems
) -> tuple[dict[str, int], dict[str, int], list[str]]:
    """Column positions of known fields (cost and tags columns included), `tag:` columns, unknown columns."""
    known = set(CSV_COLUMNS)
    fields: dict[str, int] = {}
    tag_columns: dict[str, int] = {}
    unknown: list[str] = []
    for position, cell in enumerate(header):
        if cell.lower().startswith(TAG_PREFIX):
            key = cell[len(TAG_PREFIX):].strip()
            if not key:
                problems.add(1, cell, "a tag column needs a name after 'tag:'")
            elif key in tag_columns:
                problems.add(1, cell, f"tag column {key!r} appears twice")
            else:
                tag_columns[key] = position
            continue
        key = header_key(cell)
        if key in known:
            if key in fields:
                problems.add(1, cell, f"column {key!r} appears twice")
            fields[key] = position
        elif cell:
            unknown.append(cell)
    if "name" not in fields:
        problems.add(1, "name", "missing required column 'name'")
    return fields, tag_columns, unknown


def _csv_record(
    cells: Sequence[str],
    row: int,
    names: Sequence[str],
    tag_columns: dict[str, int],
    problems: Problems,
    escaped: list[tuple[int, str]],
) -> SystemRecord | None:
    """One CSV row as a SystemRecord, or None after adding the row's problems."""
    before = len(problems.items)
    data: dict[str, Any] = {}
    for field_name, raw in [pair for pair in zip(names, cells, strict=False) if pair[0] and pair[1]]:
        if raw.isspace():
            continue
        if raw[0] == "'" and raw[1:2] in ESCAPED_START:
            escaped.append((row, field_name))
        parse = _PARSERS.get(field_name)
        data[field_name] = raw.strip() if parse is None else parse(raw, row, problems, field_name)
    costs = {line: data.pop(column) for line, column in _COST_COLUMNS if column in data}
    if costs:
        data["costs"] = costs
    tags = tags_of(data.pop("tags", None), cells, row, tag_columns, problems)
    if tags:
        data["tags"] = tags
    if len(problems.items) > before:
        return None
    if data.get("name") is None:
        problems.add(row, "name", "missing required value")
        return None
    data.setdefault("external_id", data["name"])
    return build_record(data, problems, row, _csv_column_of)


# A cell parser: (raw cell, row, problems, column) -> value for SystemRecord.
CellParser = Callable[[str, int, Problems, str], Any]


def _number_parser(*, integer: bool = False, maximum: float | None = None) -> CellParser:
    """A fast path for plain numbers; anything unusual goes through common.number for its message."""
    ceiling = math.inf if maximum is None else maximum

    def parse(raw: str, row: int, problems: Problems, column: str) -> Any:
        try:
            value = float(raw)
        except ValueError:
            value = math.nan
        if 0 <= value <= ceiling and value != math.inf and (not integer or value.is_integer()):
            return int(value) if integer else value
        return number(raw, problems, row, column, integer=integer, maximum=maximum)

    return parse


def _lower_text(raw: str, row: int, problems: Problems, column: str) -> str | None:
    value = text(raw)
    return value.lower() if value is not None else None


def _ips(raw: str, row: int, problems: Problems, column: str) -> tuple[str, ...]:
    return split_ips(raw)


def _csv_column_of(field_name: str) -> str:
    return "cost_*" if field_name == "costs" else field_name


def _disks(raw: str, row: int, problems: Problems, column: str = "disks") -> tuple[dict[str, float], ...]:
    """`size_gb[:read_iops:write_iops:read_mbps:write_mbps[:used_gb]]` entries separated by `;`."""
    disks: list[dict[str, float]] = []
    for index, entry in enumerate((part for part in raw.split(";") if part.strip()), start=1):
        parts = entry.split(":")
        if len(parts) > len(DISK_PARTS):
            problems.add(row, column, f"disk {index}: {len(parts)} values in {entry.strip()!r}, expected at "
                                      f"most {len(DISK_PARTS)} ({':'.join(DISK_PARTS)})")
            continue
        try:
            disk = {part: float(cell) for part, cell in zip(DISK_PARTS, parts, strict=False) if cell.strip()}
        except ValueError:
            disk = {}
        if disk.get("size_gb") is None or not all(0 <= value < math.inf for value in disk.values()):
            disk = _disk_slowly(entry, index, row, problems, column)
        disks.append(disk)
    return tuple(disks)


def _disk_slowly(entry: str, index: int, row: int, problems: Problems, column: str) -> dict[str, float]:
    """One disk entry through common.number, so every bad value is reported with its reason."""
    local = Problems(problems.file)
    disk: dict[str, float] = {}
    for part, cell in zip(DISK_PARTS, entry.split(":"), strict=False):
        value = number(cell, local, row, column)
        if value is not None:
            disk[part] = value
    for problem in local.items:
        problems.add(row, column, f"disk {index}: {problem.message}")
    if "size_gb" not in disk and not local:
        problems.add(row, column, f"disk {index}: size_gb is required, got {entry.strip()!r}")
    return disk


def _check_unique(rows: Sequence[SystemRow], problems: Problems, *, name_column: str) -> None:
    """external_id is the key within a source, and names are how dependencies refer to systems."""
    first_row: dict[str, int] = {}
    for row in rows:
        if row.external_id in first_row:
            problems.add(row.line, "external_id", f"duplicate external_id {row.external_id!r} "
                                                  f"(first on row {first_row[row.external_id]})")
        else:
            first_row[row.external_id] = row.line
    check_unique_names(rows, problems, name_column)


_PARSERS: dict[str, CellParser] = {
    **{name: _number_parser(integer=True) for name in ("cores", "util_percentile")},
    **dict.fromkeys(
        ("memory_mb", "storage_used_gb", "network_in_mbps", "network_out_mbps", "db_size_gb",
         *(COST_PREFIX + line for line in COST_LINE_NAMES)),
        _number_parser(),
    ),
    **{name: _number_parser(maximum=100) for name in ("cpu_util_pct", "memory_util_pct")},
    **dict.fromkeys(("kind", "power_state", "criticality"), _lower_text),
    "disks": _disks,
    "ip_addresses": _ips,
}
_COST_COLUMNS = tuple((line, COST_PREFIX + line) for line in COST_LINE_NAMES)


# ---------------------------------------------------------------------------------------------- CSV writer


def write_csv(systems: Iterable[SystemRecord], path: Path) -> int:
    """Write systems as canonical CSV (UTF-8, header row first); returns the number of rows written.

    Text cells that a spreadsheet would evaluate (starting with =, +, -, @) get a leading `'`.
    """
    records = list(systems)
    tag_columns = sorted({key for record in records for key, value in record.tags.items()
                          if _needs_tag_column(key, value)})
    scalars = [column for column in CSV_COLUMNS if column in _SCALAR_FIELDS]
    get_scalars = attrgetter(*scalars)
    texts = [index for index, column in enumerate(scalars) if _is_text_field(column)]
    get_costs = attrgetter(*COST_LINE_NAMES)
    # Scalars first in the row we build, then the composite columns; `order` puts them in CSV_COLUMNS order.
    built = [*scalars, "disks", "ip_addresses", *(COST_PREFIX + line for line in COST_LINE_NAMES), "tags"]
    order = [built.index(column) for column in CSV_COLUMNS]

    def write(stream: TextIO) -> None:
        writer = csv.writer(stream, lineterminator="\n")
        writer.writerow([*CSV_COLUMNS, *(TAG_PREFIX + key for key in tag_columns)])
        for record in records:
            # csv.writer writes None as "", numbers with repr() (exact) and StrEnum/date with str().
            row = list(get_scalars(record))
            for index in texts:
                value = row[index]
                if value and value[0] in _FORMULA_CHARS:
                    row[index] = "'" + value
            row.append(";".join(_disk_text(disk) for disk in record.disks))
            row.append(_safe_text(";".join(record.ip_addresses)))
            row.extend(get_costs(record.costs))
            row.append(_tags_cell(record.tags))
            cells = [row[index] for index in order]
            if tag_columns:
                cells.extend(_safe_text(record.tags.get(key)) for key in tag_columns)
            writer.writerow(cells)

    _write_atomically(path, write)
    return len(records)


def _is_text_field(field_name: str) -> bool:
    """Whether a SystemRecord field holds free text: the cells that need formula escaping."""
    return SystemRecord.model_fields[field_name].annotation in (str, str | None)


def _needs_tag_column(key: str, value: str) -> bool:
    """A tag that `k=v;k=v` cannot carry unambiguously gets its own `tag:<key>` column (empty values stay
    inline, because an empty cell in a tag column means "no tag")."""
    awkward_key = not key or ";" in key or "=" in key or key.startswith(("'", *FORMULA_STARTS))
    return bool(value) and (awkward_key or ";" in value)


def _tags_cell(tags: dict[str, str]) -> str:
    """The `tags` cell: every tag that does not need its own column, as `k=v;k=v`."""
    return _safe_text(";".join(f"{key}={value}" for key, value in tags.items()
                               if not _needs_tag_column(key, value)))


def _disk_text(disk: Disk) -> str:
    """One `disks` entry, trailing unknown parts left out."""
    parts = [_number_text(value) for value in _disk_values(disk)]
    while parts and not parts[-1]:
        parts.pop()
    return ":".join(parts)


def _number_text(value: float | int | None) -> str:
    """Shortest text that reads back to the same number (`100.0` -> `100`)."""
    if value is None:
        return ""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    return str(value)


def _safe_text(value: str | None) -> str:
    """Text as a cell a spreadsheet will not evaluate; an empty cell for no value."""
    return escape_formula(value) if value else ""


def _write_atomically(path: Path, write: Callable[[TextIO], None]) -> None:
    """Write to a temporary sibling, then rename: readers never see half a file."""
    temporary = path.with_name(f".{path.name}.tmp")
    try:
        with temporary.open("w", encoding="utf-8", newline="") as stream:
            write(stream)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


# ---------------------------------------------------------------------------------------------- JSON


class CanonicalDocument(BaseModel):
    """A canonical JSON inventory: systems and the dependencies between them (named by system name or IP)."""

    model_config = ConfigDict(frozen=True, extra="forbid", title="lumen-migrate canonical inventory")

    schema_: str | None = Field(default=None, alias="$schema", description="Optional JSON Schema reference.")
    systems: list[SystemRecord] = Field(default_factory=list)
    dependencies: list[DependencyRecord] = Field(default_factory=list)


def canonical_schema() -> dict[str, Any]:
    """JSON Schema of a canonical JSON document (external_id optional: it defaults to the name)."""
    schema = CanonicalDocument.model_json_schema(by_alias=True)
    system = schema["$defs"]["SystemRecord"]
    system["required"] = [name for name in system["required"] if name != "external_id"]
    system["properties"]["external_id"]["description"] = "Key within the source; defaults to name."
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}


def write_schema(path: Path) -> None:
    """Write `canonical_schema()` as committed in docs/canonical-system.schema.json."""
    path.write_text(json.dumps(canonical_schema(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def write_json(systems: Iterable[SystemRecord], dependencies: Iterable[DependencyRecord], path: Path) -> None:
    """Write a canonical JSON document (fields that are None are left out)."""
    document = {
        "systems": [record.model_dump(mode="json", exclude_none=True) for record in systems],
        "dependencies": [dep.model_dump(mode="json", exclude_none=True) for dep in dependencies],
    }

    def write(stream: TextIO) -> None:
        json.dump(document, stream, indent=2, ensure_ascii=False)
        stream.write("\n")

    _write_atomically(path, write)


def parse_json(path: Path, *, progress: ProgressFn | None = None) -> ParsedInventory:
    """Parse a canonical JSON document, or a bare list of systems; raises BadInputError listing every problem.

    Problems name the item as row (1-based position in its list) and the field path as column.
    """
    problems = Problems(display_name(path))
    systems_raw, dependencies_raw = _json_lists(path, problems)
    problems.raise_if_any()

    systems: list[SystemRow] = []
    for index, item in enumerate(systems_raw):
        if isinstance(item, dict) and item.get("external_id") is None and isinstance(item.get("name"), str):
            item = {**item, "external_id": item["name"]}
        record = _validate(SystemRecord, item, "systems", index + 1, problems)
        if isinstance(record, SystemRecord):
            systems.append(row_from_record(record, index + 1))
        if progress is not None and (index + 1) % PROGRESS_EVERY == 0:
            progress(index + 1, len(systems_raw))
    dependencies: list[DependencyRow] = []
    for index, item in enumerate(dependencies_raw):
        dependency = _validate(DependencyRecord, item, "dependencies", index + 1, problems)
        if isinstance(dependency, DependencyRecord):
            dependencies.append(DependencyRow.from_record(dependency, index + 1))
    _check_unique(systems, problems, name_column="name")
    problems.raise_if_any()
    if progress is not None:
        progress(len(systems_raw), len(systems_raw))

    kept, dropped = drop_self_dependencies(dependencies)
    warnings = [dropped] if dropped else []
    if not systems and not kept:
        warnings.append("no rows: the document has no systems and no dependencies")
    return ParsedInventory(
        format=JSON_FORMAT,
        system_table=tuple(systems),
        dependency_table=tuple(kept),
        warnings=tuple(warnings),
    )


def _json_lists(path: Path, problems: Problems) -> tuple[list[Any], list[Any]]:
    """The systems and dependencies lists of the document (problems for anything else)."""
    source = decode_text(read_bytes(path), problems.file)
    try:
        document = json.loads(source)
    except json.JSONDecodeError as e:
        problems.add(0, "", f"not valid JSON: {e.msg} at line {e.lineno} column {e.colno}")
        return [], []
    if isinstance(document, list):
        return document, []
    if not isinstance(document, dict):
        problems.add(0, "", f"expected an object with 'systems' and 'dependencies' or a list of systems, "
                            f"got {type(document).__name__}")
        return [], []
    extra = sorted(set(document) - {"systems", "dependencies", "$schema"})
    if extra:
        problems.add(0, "", f"unknown top-level key(s) {', '.join(map(repr, extra))}; "
                            "expected 'systems' and 'dependencies'")
    lists: list[list[Any]] = []
    for key in ("systems", "dependencies"):
        value = document.get(key, [])
        if not isinstance(value, list):
            problems.add(0, key, f"expected a list, got {type(value).__name__}")
            value = []
        lists.append(value)
    return lists[0], lists[1]


def _validate(
    model: type[SystemRecord] | type[DependencyRecord],
    item: Any,
    list_name: str,
    row: int,
    problems: Problems,
) -> BaseModel | None:
    """Validate one list item; each pydantic complaint becomes a problem at (row, field path)."""
    if not isinstance(item, dict):
        problems.add(row, "", f"in the {list_name} list: expected an object, got {type(item).__name__}")
        return None
    try:
        return model.model_validate(item)
    except ValidationError as e:
        for error in e.errors():
            detail = error["msg"]
            if error.get("input") is not None and error["type"] != "missing":
                detail += f", got {error['input']!r}"
            path = ".".join(str(part) for part in error["loc"])
            problems.add(row, path, f"in the {list_name} list: {detail}")
        return None


if __name__ == "__main__":  # pragma: no cover - regenerate the committed schema
    write_schema(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/canonical-system.schema.json"))
