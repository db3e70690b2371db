"""The `import` flow: parse one inventory file, then write it in one transaction.

Two tasks, not one per row: parsing and writing are bulk operations. The parsed file goes to the write task
quoted: Prefect would otherwise walk every value of every row looking for futures (at 100,000 systems, 18 s and
230 MiB for each of its walks).
The database URL is never a flow parameter (it may hold a password and parameters are stored by Prefect):
it comes from the environment. A file that cannot be imported (missing, unknown format, rejected rows) ends the
run Refused with one line; the CLI, calling the flow, gets the rejection itself with every problem in it.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from prefect import flow, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NONE
from pydantic import BaseModel, ConfigDict

from flows.handoff import whole
from flows.parameters import ImportParameters, inventory_format
from flows.progress import reporter
from flows.run_states import rejected
from flows.settings import get_settings
from inventory.collector import collector_paused
from inventory.db import session_scope
from inventory.errors import BadInputError
from inventory.importers import ParsedInventory, parse_file
from inventory.store import ImportSummary, apply_import


class ChangeCounts(BaseModel):
    """What an import did to the rows of one kind (systems or dependencies)."""

    model_config = ConfigDict(frozen=True)

    added: int = 0
    changed: int = 0
    unchanged: int = 0
    removed: int = 0

    @property
    def total(self) -> int:
        return self.added + self.changed + self.unchanged + self.removed


class ImportOutcome(BaseModel):
    """What one import changed; the CLI, its --json and the demo read this."""

    model_config = ConfigDict(frozen=True)

    import_id: int
    source: str
    format: str
    file: str
    systems: ChangeCounts
    dependencies: ChangeCounts
    warnings: tuple[str, ...] = ()

    @classmethod
    def of(cls, summary: ImportSummary) -> ImportOutcome:
        return cls.model_validate(summary.as_dict())  # one mapping of the summary, shared with the benchmark


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@task(name="parse-inventory-file", cache_policy=NONE)
@collector_paused()
def parse_inventory_file(path: str, fmt: str) -> ParsedInventory | BadInputError:
    """The parsed file, or its rejection with every problem: a rejected file is an answer, not a crash."""
    try:
        return parse_file(Path(path), fmt=fmt, progress=reporter("parse"))
    except BadInputError as e:
        return e


@task(name="write-inventory", cache_policy=NONE)
@collector_paused()
def write_inventory(parsed: ParsedInventory, *, path: str, source: str) -> ImportSummary | BadInputError:
    """The import's changes, or its rejection (names that clash with the estate's): nothing is written then."""
    try:
        with session_scope(get_settings().db_url) as session:
            return apply_import(parsed, session=session, source=source, file_name=Path(path).name,
                                file_sha256=file_sha256(Path(path)), progress=reporter("write"))
    except BadInputError as e:
        return e


def summary_markdown(summary: ImportSummary) -> str:
    lines = [
        f"# Import of `{summary.file_name}` ({summary.format})",
        "",
        "| | added | changed | unchanged | removed |",
        "|---|---:|---:|---:|---:|",
        f"| systems | {summary.added} | {summary.changed} | {summary.unchanged} | {summary.removed} |",
        f"| dependencies | {summary.dependencies_added} | {summary.dependencies_changed} | "
        f"{summary.dependencies_unchanged} | {summary.dependencies_removed} |",
    ]
    if summary.warnings:
        lines += ["", "## Warnings", ""] + [f"- {warning}" for warning in summary.warnings]
    return "\n".join(lines)


@flow(name="import-inventory", log_prints=False)
def import_inventory(params: ImportParameters) -> ImportOutcome:
    """Import one inventory file (RVTools, Azure Migrate CSV, canonical CSV/JSON, dependency export)."""
    path = get_settings().resolve_path(params.path)
    try:
        fmt = inventory_format(path, params.format)
    except BadInputError as e:
        return rejected(e)  # type: ignore[return-value]  # Prefect ends the run in a returned state
    parsed = parse_inventory_file(str(path), fmt)
    if isinstance(parsed, BadInputError):
        return rejected(parsed)  # type: ignore[return-value]
    summary = write_inventory(whole(parsed), path=str(path), source=params.source or path.stem)
    if isinstance(summary, BadInputError):
        return rejected(summary)  # type: ignore[return-value]
    create_markdown_artifact(markdown=summary_markdown(summary), key="inventory-import",
                             description=f"Import of {summary.file_name}")
    return ImportOutcome.of(summary)
