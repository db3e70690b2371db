"""The fast path of the canonical CSV reader: one row straight to its `system` columns, without a SystemRecord.

`FastRows` takes only rows whose every cell is plainly valid (what SystemRecord would accept unchanged) and
answers None for anything else; the reader then takes the slow path (cell parsers, then pydantic), so every
message is exactly the slow path's. tests/unit/test_import_canonical_rows.py checks that both paths agree.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Mapping, Sequence
from operator import itemgetter
from typing import Any, Final

from inventory.importers.azure_migrate import split_ips
from inventory.importers.common import Problems, text
from inventory.importers.rows import COLUMN_INDEX, DISK_FIELDS, SYSTEM_COLUMNS, json_text
from inventory.records import Criticality, Environment, PowerState, SystemKind, normalise_environment, os_family_of

TAG_PREFIX = "tag:"
# Order of the parts of one `disks` entry: size_gb[:read_iops:write_iops:read_mbps:write_mbps[:used_gb]].
DISK_PARTS: tuple[str, ...] = ("size_gb", "read_iops", "write_iops", "read_mbps", "write_mbps", "used_gb")
ESCAPED_START = frozenset("=+-@")
# SystemRecord's limit on external_id and name.
MAX_KEY_LENGTH = 255

_SLOW: Final = object()  # a converter's answer for "not plainly valid: take the slow path"
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
_LARGEST_EXACT_INT = 2.0**53

Converter = Callable[[str], Any]


def tags_of(
    raw: str | None, cells: Sequence[str], row: int, tag_columns: Mapping[str, int], problems: Problems
) -> dict[str, str]:
    """Tags from the `tags` cell (`k=v;k=v`) and from every non-empty `tag:<key>` column."""
    tags: dict[str, str] = {}
    for piece in (raw or "").split(";"):
        if not piece.strip():
            continue
        key, equals, value = piece.partition("=")
        key = key.strip()
        if not equals or not key:
            problems.add(row, "tags", f"expected key=value, got {piece.strip()!r}")
        elif key in tags and tags[key] != value.strip():
            problems.add(row, "tags", f"tag {key!r} given twice with different values")
        else:
            tags[key] = value.strip()
    for key, position in tag_columns.items():
        cell = text(cells[position] if position < len(cells) else None)
        if cell is None:
            continue
        if key in tags and tags[key] != cell:
            problems.add(row, TAG_PREFIX + key, f"tag {key!r} also in the tags column with another value")
        tags[key] = cell
    return tags


def _number(*, integer: bool = False, low: float = 0, high: float = math.inf) -> Converter:
    """A number in [low, high] (finite), an int when `integer`."""

    def convert(raw: str) -> Any:
        try:
            value = float(raw)
        except ValueError:
            return _SLOW
        if not low <= value <= high or value == math.inf:
            return _SLOW
        if integer:
            return int(value) if value.is_integer() and value < _LARGEST_EXACT_INT else _SLOW
        return value

    return convert


def _choice(values: Sequence[str]) -> Converter:
    """One of an enum's values, case-insensitively."""
    known = {value: value for value in values}

    def convert(raw: str) -> Any:
        return known.get(raw.strip().lower(), _SLOW)

    return convert


def _environment(raw: str) -> str:
    value = raw.strip()
    return value if value in _ENVIRONMENTS else normalise_environment(value).value


def _key_text(raw: str) -> Any:
    value = raw.strip()
    return value if len(value) <= MAX_KEY_LENGTH else _SLOW


def _date(raw: str) -> Any:
    value = raw.strip()
    if _ISO_DATE.fullmatch(value) is None:
        return _SLOW
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return _SLOW


def _ips(raw: str) -> str:
    if ";" in raw or "," in raw:
        return json_text(list(split_ips(raw)))
    return json_text([raw.strip()])


def _disks(raw: str) -> Any:
    """(disks JSON, disk count, storage GB) of a `disks` cell, or _SLOW.

    Entries with all six parts (what our writer and most tools write) are turned into JSON directly; any other
    cell goes through `_disks_in_general`.
    """
    pieces: list[str] = []
    storage = 0.0
    for entry in raw.split(";"):
        parts = entry.split(":")
        if len(parts) != len(DISK_PARTS):
            return _disks_in_general(raw)
        try:
            numbers = tuple(map(float, parts))
        except ValueError:
            return _disks_in_general(raw)
        if not (min(numbers) >= 0 and sum(numbers) < math.inf):  # a NaN or an infinity makes the sum NaN or inf
            return _SLOW
        pieces.append(_FULL_DISK_JSON % _in_disk_field_order(numbers))
        storage += numbers[0]
    return "[" + ", ".join(pieces) + "]", len(pieces), storage


def _disks_in_general(raw: str) -> Any:
    """`_disks` for cells with blank entries or parts left out."""
    disks: list[dict[str, float]] = []
    for entry in raw.split(";"):
        if not entry.strip():
            continue
        parts = entry.split(":")
        if len(parts) > len(DISK_PARTS):
            return _SLOW
        disk: dict[str, float] = {}
        for part, cell in zip(DISK_PARTS, parts, strict=False):
            if cell.strip():
                try:
                    value = float(cell)
                except ValueError:
                    return _SLOW
                if not 0 <= value < math.inf:
                    return _SLOW
                disk[part] = value
        if "size_gb" not in disk:
            return _SLOW
        disks.append({key: disk[key] for key in DISK_FIELDS if key in disk})
    return json_text(disks), len(disks), float(sum(disk["size_gb"] for disk in disks))


# One complete disk as JSON, keys in Disk's order (as json.dumps writes Disk.model_dump(): floats by repr).
_FULL_DISK_JSON = "{" + ", ".join(f'"{key}": %r' for key in DISK_FIELDS) + "}"
_in_disk_field_order = itemgetter(*(DISK_PARTS.index(key) for key in DISK_FIELDS))
_ENVIRONMENTS = frozenset(environment.value for environment in Environment)
_CONVERTERS: dict[str, Converter] = {
    **dict.fromkeys(("external_id", "name"), _key_text),
    "kind": _choice([kind.value for kind in SystemKind]),
    "power_state": _choice([state.value for state in PowerState]),
    "criticality": _choice([level.value for level in Criticality]),
    "environment": _environment,
    "cores": _number(integer=True),
    "util_percentile": _number(integer=True, low=1, high=100),
    **dict.fromkeys(("cpu_util_pct", "memory_util_pct"), _number(high=100)),
    **dict.fromkeys(("memory_mb", "storage_used_gb", "network_in_mbps", "network_out_mbps", "db_size_gb",
                     "cost_hardware", "cost_licences", "cost_facilities", "cost_labour", "cost_network"),
                    _number()),
    "os_end_of_support": _date,
    "ip_addresses": _ips,
    "disks": _disks,
    "tags": str.strip,  # parsed with the tag columns once the row is read
}
_INDEX = COLUMN_INDEX
_DEFAULTS: dict[str, Any] = {"kind": SystemKind.SERVER.value, "power_state": PowerState.UNKNOWN.value,
                             "environment": Environment.UNKNOWN.value, "disks": "[]", "disk_count": 0,
                             "storage_gb": 0.0, "ip_addresses": "[]"}


class FastRows:
    """Builds the `system` values of plainly valid rows of one canonical CSV (one instance per file)."""

    def __init__(self, names: Sequence[str], tag_columns: Mapping[str, int]) -> None:
        # names: the field at each column position ("" for tag and unknown columns).
        self._names = names
        self._tag_columns = tag_columns
        self._shared: dict[str, str] = {}
        self._os_families: dict[str | None, str] = {}
        self._scratch = Problems("")
        self._defaults = [_DEFAULTS.get(column) for column in SYSTEM_COLUMNS]
        # Plain text columns are read in one tight loop; the others each through their converter.
        self._texts: list[tuple[int, int]] = []
        self._plan: list[tuple[int, int, Converter]] = []
        for position, field_name in enumerate(names):
            if field_name in _CONVERTERS:
                self._plan.append((position, _INDEX[field_name], _CONVERTERS[field_name]))
            elif field_name:
                self._texts.append((position, _INDEX[field_name]))
        self._width = len(names)

    def __call__(self, cells: Sequence[str], row: int, escaped: list[tuple[int, str]]) -> tuple[Any, ...] | None:
        """The row's values in SYSTEM_COLUMNS order, or None: then the slow path reads the row (and reports it)."""
        if len(cells) < self._width:
            cells = [*cells, *[""] * (self._width - len(cells))]
        values = self._defaults.copy()
        shared = self._shared
        for position, index in self._texts:
            value = cells[position].strip()
            if value:
                values[index] = shared.setdefault(value, value)
        for position, index, convert in self._plan:
            raw = cells[position]
            if not raw or raw.isspace():
                continue
            value = convert(raw)
            if value is _SLOW:
                return None
            values[index] = value
        name = values[_NAME]
        if name is None:
            return None
        tags = tags_of(values[_TAGS], cells, row, self._tag_columns, self._scratch)
        if self._scratch.items:
            self._scratch.items.clear()
            return None
        encoded = json_text(tags)
        values[_TAGS] = self._shared.setdefault(encoded, encoded)
        if values[_EXTERNAL_ID] is None:
            values[_EXTERNAL_ID] = name
        key = name.lower()
        values[_NAME_KEY] = name if key == name else key
        disks = values[_DISKS]
        if type(disks) is tuple:
            values[_DISKS], values[_DISK_COUNT], values[_STORAGE_GB] = disks
        os_name = values[_OS_NAME]
        family = self._os_families.get(os_name)
        if family is None:
            family = self._os_families[os_name] = os_family_of(os_name).value
        values[_OS_FAMILY] = family
        if "\x00'" in "\x00" + "\x00".join(cells):  # a cell starts with ' (rare): note formula escapes
            self._note_escapes(cells, row, escaped)
        return tuple(values)

    def _note_escapes(self, cells: Sequence[str], row: int, escaped: list[tuple[int, str]]) -> None:
        """Text cells that start with `'` before a formula character, as the slow path notes them."""
        for field_name, raw in zip(self._names, cells, strict=False):
            if field_name and raw and not raw.isspace() and raw[0] == "'" and raw[1:2] in ESCAPED_START:
                escaped.append((row, field_name))


_NAME, _EXTERNAL_ID, _NAME_KEY, _TAGS = (_INDEX[c] for c in ("name", "external_id", "name_key", "tags"))
_DISKS, _DISK_COUNT, _STORAGE_GB = (_INDEX[c] for c in ("disks", "disk_count", "storage_gb"))
_OS_NAME, _OS_FAMILY = _INDEX["os_name"], _INDEX["os_family"]
