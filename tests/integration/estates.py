"""Estates for the flow tests: small literal ones (a production Linux server unless told otherwise), and a
real inventory file imported and assessed as the flow does it."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from pathlib import Path

import pytest
from sqlmodel import Session, col, select

from flows import assessment_store
from flows.assess_flow import assess_estate, store_assessment
from flows.parameters import AssessParameters
from inventory.db import get_engine, session_scope
from inventory.importers.common import ParsedInventory
from inventory.records import Disk, SystemRecord
from inventory.store import ImportSummary, apply_import
from inventory.tables import Assessment, System, TargetMapping

Assessed = tuple[System, Assessment | None, TargetMapping | None]


def import_and_assess(url: str, parsed: ParsedInventory, sample: Path, *, source: str,
                      as_of: dt.date) -> tuple[ImportSummary, Sequence[Assessed]]:
    """Import `parsed` (read from `sample`) into `url`, assess and store it through the calls the flow makes,
    with OS support dated `as_of`; the import's summary and every system with its assessment and target rows."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LUMEN_MIGRATE_DB_URL", url)
        patch.setattr(assessment_store, "today", lambda: as_of)
        with session_scope(url) as session:
            summary = apply_import(parsed, session=session, source=source, file_name=sample.name,
                                   file_sha256=hashlib.sha256(sample.read_bytes()).hexdigest())
        result, settings = assess_estate.fn(AssessParameters())
        store_assessment.fn(result, settings)
    with Session(get_engine(url)) as session:
        rows = session.exec(
            select(System, Assessment, TargetMapping)
            .join(Assessment, col(Assessment.system_id) == col(System.id), isouter=True)
            .join(TargetMapping, col(TargetMapping.system_id) == col(System.id), isouter=True)
        ).all()
    return summary, rows


def server(name: str, **fields: object) -> SystemRecord:
    base: dict[str, object] = {"external_id": name, "name": name, "cores": 2, "memory_mb": 4096,
                               "os_name": "Red Hat Enterprise Linux 8 (64-bit)", "disks": [Disk(size_gb=64)],
                               "power_state": "on", "environment": "production", "cpu_util_pct": 40.0}
    base.update(fields)
    return SystemRecord.model_validate(base)
