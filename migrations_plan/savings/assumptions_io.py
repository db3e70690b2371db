"""Reading cost assumptions from a YAML or CSV file, every problem reported as `file:row:key: message`.

YAML: a mapping of keys to a number or to `{value, unit, source}`; grouped keys (`licence_os_per_core_year`)
map sub-keys the same way, or are written flat (`licence_os_per_core_year.windows: 40`).
CSV: a header with `key` and `value`, optionally `unit` and `source`.
A file may set only some keys: the rest keep their base value (the shipped defaults unless told otherwise).
A `unit` given in a file must match ours, which catches per-month versus per-year mistakes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml
from pydantic import ValidationError

from inventory.errors import BadInputError
from inventory.importers.common import Problems, decode_text, display_name, number, read_bytes, read_csv
from migrations_plan.savings.assumptions import (
    GROUPS,
    SHARE_KEYS,
    UNITS,
    WHOLE_NUMBER_KEYS,
    CostAssumptions,
    assumption_rows,
    default_assumptions,
    nest,
    unit_of,
)
from migrations_plan.savings.legacy_keys import db_engine_key
from migrations_plan.strategy_types import Strategy

_ENTRY_FIELDS = frozenset({"value", "unit", "source"})


@dataclass(frozen=True, slots=True)
class _Entry:
    row: int
    key: str
    value: object
    unit: object = None
    source: object = None


def load_assumptions(path: Path | str, *, base: CostAssumptions | None = None) -> CostAssumptions:
    """Assumptions from a YAML (.yaml/.yml) or CSV (.csv) file, overriding `base` (default: shipped defaults).

    Raises BadInputError listing every problem of the file (unknown key, not a number, out of range, wrong unit).
    """
    return load_assumptions_file(Path(path), base=base if base is not None else default_assumptions())


def load_assumptions_file(path: Path, *, base: CostAssumptions | None) -> CostAssumptions:
    """Like `load_assumptions`; with `base=None` the file must set every assumption itself."""
    name = display_name(path)
    suffix = path.suffix.lower()
    if suffix in (".yaml", ".yml"):
        entries = _yaml_entries(path, name)
    elif suffix == ".csv":
        entries = _csv_entries(path, name)
    else:
        raise BadInputError.single(name, f"unknown assumptions format {suffix!r}; expected .yaml, .yml or .csv")
    return _apply(entries, base, name)


def _yaml_entries(path: Path, name: str) -> list[_Entry]:
    text = decode_text(read_bytes(path), name, kind="YAML")
    loader = yaml.SafeLoader(text)
    try:
        root = loader.get_single_node()
        if not isinstance(root, yaml.MappingNode):
            raise BadInputError.single(name, "expected a mapping of assumption keys to values", row=1)
        entries: list[_Entry] = []
        for key_node, value_node in root.value:
            key = str(key_node.value).strip()
            row = key_node.start_mark.line + 1
            if key in GROUPS and isinstance(value_node, yaml.MappingNode):
                for sub_key_node, sub_value_node in value_node.value:
                    entries.append(_entry(f"{key}.{str(sub_key_node.value).strip()}",
                                          sub_key_node.start_mark.line + 1,
                                          loader.construct_object(sub_value_node, deep=True)))
            else:
                entries.append(_entry(key, row, loader.construct_object(value_node, deep=True)))
        return entries
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        row = mark.line + 1 if mark is not None else 0
        raise BadInputError.single(name, f"not valid YAML: {getattr(e, 'problem', None) or e}", row=row) from e
    finally:
        loader.dispose()


def _entry(key: str, row: int, raw: object) -> _Entry:
    if isinstance(raw, Mapping) and "value" in raw and _ENTRY_FIELDS.issuperset(raw):
        return _Entry(row, key, raw["value"], raw.get("unit"), raw.get("source"))
    return _Entry(row, key, raw)


def _csv_entries(path: Path, name: str) -> list[_Entry]:
    header, rows = read_csv(path)
    columns = {cell.lower(): position for position, cell in enumerate(header)}
    missing = [column for column in ("key", "value") if column not in columns]
    if missing:
        raise BadInputError.single(name, f"missing column(s) {', '.join(missing)}; expected key,value[,unit,source]",
                                   row=1)

    def cell(cells: Sequence[str], column: str) -> str | None:
        position = columns.get(column)
        if position is None or position >= len(cells):
            return None
        return cells[position].strip() or None

    return [_Entry(row, cell(cells, "key") or "", cell(cells, "value"), cell(cells, "unit"), cell(cells, "source"))
            for row, cells in rows]


def _apply(entries: Sequence[_Entry], base: CostAssumptions | None, name: str) -> CostAssumptions:
    values: dict[str, float] = {}
    sources: dict[str, str] = {}
    if base is not None:
        for row in assumption_rows(base):
            values[row.key] = row.value
            sources[row.key] = row.source
    problems = Problems(name)
    seen: dict[str, int] = {}
    rows_of: dict[str, int] = {}
    for entry in entries:
        key = _check_key(entry, problems)
        if key is None:
            continue
        if key in seen:
            problems.add(entry.row, key, f"set twice (first on row {seen[key]})")
            continue
        seen[key] = entry.row
        rows_of[key.split(".", 1)[0]] = entry.row
        if isinstance(entry.value, Mapping):
            extra = sorted(str(field) for field in set(entry.value) - _ENTRY_FIELDS)
            problems.add(entry.row, key, f"unexpected field(s) {', '.join(extra)}; expected value, unit, source"
                         if extra else "missing value")
            continue
        if entry.value is None:
            problems.add(entry.row, key, "missing value")
            continue
        top = key.split(".", 1)[0]
        parsed = number(entry.value, problems, entry.row, key, integer=top in WHOLE_NUMBER_KEYS,
                        maximum=1 if top in SHARE_KEYS else None)
        expected_unit = unit_of(key)
        if entry.unit is not None and str(entry.unit).strip().lower() != expected_unit.lower():
            problems.add(entry.row, key, f"unit {str(entry.unit)!r} does not match {expected_unit!r}; "
                                         f"convert the value to {expected_unit}")
            continue
        if parsed is None:
            continue
        values[key] = float(parsed)
        sources[key] = str(entry.source).strip() if entry.source else f"{name}:{entry.row}"
    problems.raise_if_any()
    data = nest(values)
    data["sources"] = sources
    try:
        return CostAssumptions.model_validate(data)
    except ValidationError as e:
        for error in e.errors():
            location = ".".join(str(part) for part in error["loc"])
            problems.add(rows_of.get(location.split(".", 1)[0], 0), location, error["msg"])
        problems.raise_if_any()
        raise  # pragma: no cover - every error above became a problem


def _check_key(entry: _Entry, problems: Problems) -> str | None:
    """The canonical flat key of an entry, or None after recording why it is not one."""
    key = entry.key.strip()
    group, dot, sub = key.partition(".")
    if not key:
        problems.add(entry.row, "key", "empty key")
        return None
    if group not in UNITS:
        problems.add(entry.row, key, f"unknown assumption; expected one of {', '.join(UNITS)}")
        return None
    if group in GROUPS and not sub:
        problems.add(entry.row, key, f"{group} needs sub-keys (e.g. {group}.{_example(group)})")
        return None
    if group not in GROUPS and dot:
        problems.add(entry.row, key, f"{group} takes a single value, not sub-keys")
        return None
    if group == "migration_labour_per_system":
        sub = sub.strip().lower()
        if sub not in Strategy.__members__.values():
            problems.add(entry.row, key, f"unknown strategy {sub!r}; expected one of "
                                         f"{', '.join(s.value for s in Strategy)}")
            return None
    elif group == "licence_db_per_core_year":
        sub = db_engine_key(sub)
    elif sub:
        sub = sub.strip().lower()
    return f"{group}.{sub}" if sub else group


def _example(group: str) -> str:
    return {"licence_os_per_core_year": "windows", "licence_db_per_core_year": "sqlserver"}.get(group, "rehost")
