"""Importers for the inventory formats engineers really have, and format auto-detection.

Each format is a module with `parse(path, *, progress=None) -> ParsedInventory` that raises one
`BadInputError` listing every problem of the file.
"""

from __future__ import annotations

import importlib
import zipfile
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path

from inventory.errors import BadInputError
from inventory.importers.common import ParsedInventory, ProgressFn, header_key, open_csv, read_bytes


class Format(StrEnum):
    RVTOOLS = "rvtools"
    AZURE_MIGRATE = "azure-migrate"
    AZURE_MIGRATE_DISCOVERY = "azure-migrate-discovery"
    CANONICAL_CSV = "canonical-csv"
    CANONICAL_JSON = "canonical-json"
    AZURE_MIGRATE_DEPENDENCIES = "azure-migrate-dependencies"
    DEPENDENCY_CSV = "dependency-csv"


# module, function
_PARSERS: dict[Format, tuple[str, str]] = {
    Format.RVTOOLS: ("inventory.importers.rvtools", "parse"),
    Format.AZURE_MIGRATE: ("inventory.importers.azure_migrate", "parse"),
    Format.AZURE_MIGRATE_DISCOVERY: ("inventory.importers.azure_migrate_discovery", "parse"),
    Format.CANONICAL_CSV: ("inventory.importers.canonical", "parse_csv"),
    Format.CANONICAL_JSON: ("inventory.importers.canonical", "parse_json"),
    Format.AZURE_MIGRATE_DEPENDENCIES: ("inventory.importers.dependencies", "parse_azure_migrate"),
    Format.DEPENDENCY_CSV: ("inventory.importers.dependencies", "parse_simple_csv"),
}

FORMAT_HELP = ", ".join(f.value for f in Format)


def detect_format(path: Path) -> Format:
    """Guess the format from the file's extension and, for CSV, its header row, for a workbook its sheet names."""
    name = str(path)
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return _workbook_format(path)
    if suffix == ".json":
        return Format.CANONICAL_JSON
    if suffix in (".csv", ".txt", ""):
        header = open_csv(path).header
        keys = {header_key(cell) for cell in header}
        if "server name" in keys and keys & {"cores", "os name", "memory (in mb)"}:
            return Format.AZURE_MIGRATE
        if {"source server name", "destination port"} <= keys:
            return Format.AZURE_MIGRATE_DEPENDENCIES
        if {"source", "target"} <= keys and "external_id" not in keys:
            return Format.DEPENDENCY_CSV
        if "name" in keys and _all_canonical(keys):
            return Format.CANONICAL_CSV
        raise BadInputError.single(
            name,
            "unknown format: the header matches none of the supported CSV formats "
            f"(first columns: {', '.join(header[:5]) or 'none'}); pass --format, one of {FORMAT_HELP}",
            row=1,
        )
    if zipfile.is_zipfile(path):
        return _workbook_format(path)
    raise BadInputError.single(
        name, f"unknown format: cannot tell the format from the extension {suffix!r}; pass --format, "
        f"one of {FORMAT_HELP}"
    )


def _workbook_format(path: Path) -> Format:
    from inventory.importers.azure_migrate_discovery import REPORT_SHEET, is_discovery_report
    from inventory.importers.workbook import sheet_names

    read_bytes(path)  # an empty or unreadable file is said so first
    sheets = sheet_names(path)
    if any(sheet.lower() == "vinfo" for sheet in sheets):
        return Format.RVTOOLS
    if is_discovery_report(sheets):
        return Format.AZURE_MIGRATE_DISCOVERY
    if any(sheet.lower().endswith("_iaas_server_rehost_perf") for sheet in sheets):
        raise BadInputError.single(
            str(path), "an Azure Migrate assessment (Core Report) workbook, not an inventory: compare it with our "
            "assessment by `lumen-migrate compare azure-migrate FILE`")
    raise BadInputError.single(
        str(path), f"no vInfo sheet: not an RVTools export, and no {REPORT_SHEET} sheet: not an Azure Migrate "
        f"discovery report (sheets found: {', '.join(sheets) or 'none'})")


def _all_canonical(keys: set[str]) -> bool:
    from inventory.importers.canonical import CSV_COLUMNS

    known = {header_key(column) for column in CSV_COLUMNS}
    return all(key in known or key.startswith("tag:") for key in keys if key)


def parser_for(fmt: Format) -> Callable[..., ParsedInventory]:
    module_name, function = _PARSERS[fmt]
    module = importlib.import_module(module_name)
    parser: Callable[..., ParsedInventory] = getattr(module, function)
    return parser


def known_format(fmt: Format | str, path: Path) -> Format:
    """`fmt` as a Format; an unknown name is bad input about `path`."""
    try:
        return Format(fmt)
    except ValueError as e:
        raise BadInputError.single(str(path), f"unknown format {fmt!r}; expected one of {FORMAT_HELP}") from e


def parse_file(path: Path, *, fmt: Format | str | None = None, progress: ProgressFn | None = None) -> ParsedInventory:
    """Parse `path` in the given or detected format. Raises BadInputError with every problem found."""
    chosen = detect_format(path) if fmt is None or fmt == "auto" else known_format(fmt, path)
    return parser_for(chosen)(path, progress=progress)


__all__ = ["FORMAT_HELP", "Format", "ParsedInventory", "detect_format", "known_format", "parse_file", "parser_for"]
