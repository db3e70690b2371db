"""`catalog show` and `catalog refresh` from the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.e2e.conftest import assert_clean, run_cli

pytestmark = pytest.mark.e2e


def test_catalog_show_names_the_shipped_catalog_and_its_date(tmp_path: Path) -> None:
    result = run_cli("--json", "catalog", "show", cwd=tmp_path)
    assert result.code == 0, result.output
    shown = json.loads(result.stdout)
    assert shown["as_of"] == "2026-08-15" and shown["path"].endswith("catalog.json.gz")
    assert shown["regions"] == 44 and shown["vm_sizes"] == 1226
    assert shown["service_regions"] == dict.fromkeys(("managed_disks", "sql_database", "app_service"),
                                                     ["centralus", "eastus2", "westus2"])
    text = run_cli("catalog", "show", cwd=tmp_path)
    assert "SQL Database priced in: centralus, eastus2, westus2" in text.stdout
    assert "catalog refresh --region REGION" in text.stdout


def test_refresh_without_network_fails_clearly_and_keeps_the_catalog(tmp_path: Path, prefect_server: str) -> None:
    # A proxy on a closed port makes the API unreachable whatever the machine's network.
    result = run_cli("catalog", "refresh", "--region", "eastus", cwd=tmp_path, api_url=prefect_server,
                     env={"HTTPS_PROXY": "http://127.0.0.1:9", "https_proxy": "http://127.0.0.1:9"})
    assert result.code == 1, result.output
    assert_clean(result)
    assert "cannot reach the Azure Retail Prices API" in result.stderr
    assert "the catalog dated 2026-08-15 is kept" in result.stderr
    assert not (tmp_path / "lumen-migrate-catalog.json.gz").exists()


def test_refresh_rejects_a_bad_region_name_as_bad_input(tmp_path: Path) -> None:
    result = run_cli("catalog", "refresh", "--region", "East US!", cwd=tmp_path)
    assert result.code == 2, result.output
    assert "not Azure region names" in result.stderr
