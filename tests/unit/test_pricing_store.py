"""The catalog file: round trip, atomic write, which file `load_catalog` reads, caching, bad files."""

from __future__ import annotations

import gzip
import json
import os
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from migrations_plan.pricing import CatalogFormatError, PriceCatalog, load_catalog, write_catalog
from migrations_plan.pricing.store import (
    ENV_VAR,
    SHIPPED_CATALOG,
    catalog_from_document,
    catalog_to_document,
)


def test_shipped_file_is_small_and_loads_once() -> None:
    assert SHIPPED_CATALOG.stat().st_size < 2_000_000
    first = load_catalog()
    assert load_catalog() is first  # cached: the planner may call it freely
    assert len(first.vm_sizes()) == 1226


def test_document_round_trip_keeps_every_table() -> None:
    catalog = load_catalog()
    again = catalog_from_document(catalog_to_document(catalog))
    assert again == catalog
    assert again.vm_rate("Standard_D4s_v5", "eastus") == catalog.vm_rate("Standard_D4s_v5", "eastus")
    assert again.disk_tiers("eastus2") == catalog.disk_tiers("eastus2")
    assert again.app_service_plans("centralus") == catalog.app_service_plans("centralus")


def test_write_is_atomic_and_readable(tmp_path: Path) -> None:
    target = tmp_path / "catalog.json.gz"
    write_catalog(load_catalog(), target)
    assert [p.name for p in tmp_path.iterdir()] == ["catalog.json.gz"]  # no temporary file left
    assert load_catalog(target).as_of == date(2026, 8, 15)
    assert target.stat().st_mode & 0o777 == 0o644


def test_path_then_environment_then_shipped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    older = replace(load_catalog(), as_of=date(2025, 1, 1))
    via_env, via_arg = tmp_path / "env.json.gz", tmp_path / "arg.json.gz"
    write_catalog(older, via_env)
    write_catalog(replace(older, as_of=date(2024, 1, 1)), via_arg)
    monkeypatch.setenv(ENV_VAR, str(via_env))
    assert load_catalog().as_of == date(2025, 1, 1)
    assert load_catalog(via_arg).as_of == date(2024, 1, 1)
    monkeypatch.delenv(ENV_VAR)
    assert load_catalog().as_of == date(2026, 8, 15)


def test_a_rewritten_file_is_read_again(tmp_path: Path) -> None:
    target = tmp_path / "catalog.json.gz"
    write_catalog(load_catalog(), target)
    first = load_catalog(target)
    write_catalog(replace(first, as_of=date(2030, 1, 1)), target)
    stat = target.stat()
    os.utime(target, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))  # a distinct mtime on coarse clocks
    assert load_catalog(target).as_of == date(2030, 1, 1)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"not gzip at all", "not a gzipped JSON"),
        (gzip.compress(b"{not json"), "not a gzipped JSON"),
        (gzip.compress(json.dumps({"format": "other", "version": 1}).encode()), "expected a lumen-migrate"),
        (
            gzip.compress(json.dumps({"format": "lumen-migrate-price-catalog", "version": 1}).encode()),
            "malformed price catalog",
        ),
    ],
)
def test_bad_files_are_rejected(tmp_path: Path, content: bytes, message: str) -> None:
    target = tmp_path / "bad.json.gz"
    target.write_bytes(content)
    with pytest.raises(CatalogFormatError, match=message):
        load_catalog(target)


def test_missing_file_is_reported(tmp_path: Path) -> None:
    with pytest.raises(CatalogFormatError, match="cannot read"):
        load_catalog(tmp_path / "absent.json.gz")


def test_catalog_equality_ignores_the_memo() -> None:
    catalog: PriceCatalog = load_catalog()
    copy = catalog_from_document(catalog_to_document(catalog))
    catalog.candidate_sizes("eastus", os="linux")
    assert copy == catalog
