"""Build the shipped price catalog (migrations_plan/pricing/data/catalog.json.gz) from the public price files.

Usage: python tools/build_catalog.py DATA_DIR [--out PATH]
DATA_DIR holds the azure_pricing/*.csv and *.json files named in SOURCES (see docs/pricing.md for what each
one contributes and the cleaning applied). The output is byte-for-byte reproducible from the same inputs.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from pydantic import ValidationError  # noqa: E402

from migrations_plan.pricing.catalog import PriceCatalog  # noqa: E402
from migrations_plan.pricing.model import CatalogFormatError, VmSize  # noqa: E402
from migrations_plan.pricing.reserved import ReservedRates  # noqa: E402
from migrations_plan.pricing.retail_api import RetailPrice  # noqa: E402
from migrations_plan.pricing.service_prices import app_service_plans, disk_tiers, sql_rates  # noqa: E402
from migrations_plan.pricing.store import SHIPPED_CATALOG, write_catalog  # noqa: E402
from migrations_plan.pricing.vm_prices import (  # noqa: E402
    RegionVmPrices,
    active_vcpus,
    reconcile_payg,
    suspect_families,
)

WINDOWS_FILE = "retail_prices_vm_windows_payg_all_regions.csv"
LINUX_FILE = "linux_payg_usd_hour_all_regions.csv"
SIZES_FILE = "azure_vm_sizes.csv"
RESERVED_FILES = {
    "eastus": "azure_rvtools_cost_estimator_prices_eastus.json",
    "westeurope": "azure_rvtools_cost_estimator_prices_westeurope.json",
}
DISKS_FILE = "retail_prices_managed_disks_centralus_eastus2_westus2.csv"
SQL_FILE = "retail_prices_sql_database_centralus_eastus2_westus2.csv"
APP_SERVICE_FILE = "retail_prices_app_service_centralus_eastus2_westus2.csv"

# file -> (snapshot date, citation). The dates are those of the upstream snapshots, not of our copies.
SOURCES: dict[str, tuple[date, str]] = {
    WINDOWS_FILE: (
        date(2026, 8, 1),
        "Windows PAYG: DarrenJohns/djtools-azure-vm-sku-locator @ f31f81713de7, "
        "data/{region}-pricing-USD.json (Azure Retail Prices API, written 2026-08-01), MIT",
    ),
    LINUX_FILE: (
        date(2026, 6, 18),
        "Linux PAYG: Azure/karpenter-provider-azure @ 2b431da153a6, "
        "pkg/providers/pricing/zz_generated.pricing.go (Azure Retail Prices API, generated 2026-06-18), "
        "Apache-2.0",
    ),
    SIZES_FILE: (
        date(2026, 3, 5),
        "VM size specifications: kubernetes/autoscaler @ 55c37cd5eb55, "
        "kubernetes-sigs/azuredisk-csi-driver @ d983d613b6dd, Azure/karpenter-provider-azure @ 352646f59929 "
        "(Apache-2.0); Azure/cyclecloud-scalelib @ bedf02f47fbe (MIT)",
    ),
    RESERVED_FILES["eastus"]: (
        date(2026, 8, 3),
        "1- and 3-year reserved prices of 17 Dsv5/Esv5 sizes in eastus and westeurope: "
        "KimTholstorf/azure-rvtools-cost-estimator @ b4a013862517, docs/prices/prices_{region}.json "
        "(fetched 2026-08-03), MIT",
    ),
    DISKS_FILE: (
        date(2026, 8, 15),
        "Managed-disk prices (centralus, eastus2, westus2): "
        "Arturo-Quiroga-MSFT/azure-architecture-diagram-builder @ 31f894ae29cc, "
        "src/data/pricing/regions/*/storage.json (Azure Retail Prices API, 2026-08-15), MIT",
    ),
    SQL_FILE: (
        date(2026, 8, 15),
        "Azure SQL Database vCore prices (centralus, eastus2, westus2): "
        "Arturo-Quiroga-MSFT/azure-architecture-diagram-builder @ 31f894ae29cc, "
        "src/data/pricing/regions/*/sql_database.json (Azure Retail Prices API, 2026-08-13/15), MIT",
    ),
    APP_SERVICE_FILE: (
        date(2026, 8, 15),
        "App Service prices (centralus, eastus2, westus2): "
        "Arturo-Quiroga-MSFT/azure-architecture-diagram-builder @ 31f894ae29cc, "
        "src/data/pricing/regions/*/azure_app_service.json (Azure Retail Prices API, 2026-08-15), MIT",
    ),
}
SPEC_SOURCES = (
    "Managed-disk tier sizes, IOPS and MB/s: Microsoft Learn 'Azure managed disk types' "
    "(MicrosoftDocs/azure-docs includes/disk-storage-*-sizes.md, 2023-03-16), "
    "in migrations_plan/pricing/specs.py",
    "App Service plan cores and memory: Microsoft Learn 'Azure App Service plans' (Premium v3, 2025-07-02) "
    "and Microsoft's App Service pricing page (Basic, Standard), in migrations_plan/pricing/specs.py",
)

class BuildError(Exception):
    """An input file does not look like the one this script was written for."""


def _rows(path: Path, required: set[str]) -> Iterator[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        missing = required - set(reader.fieldnames or ())
        if missing:
            raise BuildError(f"{path}:1: missing column(s) {sorted(missing)}")
        yield from reader


def read_sizes(path: Path) -> dict[str, VmSize]:
    def optional_int(text: str) -> int | None:
        return int(text) if text else None

    sizes = {}
    for row in _rows(path, {"name", "family", "vcpus", "memory_gib", "cpu_arch"}):
        name = row["name"]
        sizes[name] = VmSize(
            name=name,
            family=row["family"],
            vcpus=active_vcpus(name, int(row["vcpus"])),
            memory_gib=float(row["memory_gib"]),
            cpu_arch=row["cpu_arch"],
            max_data_disks=optional_int(row["max_data_disks"]),
            uncached_disk_iops=optional_int(row["uncached_disk_iops"]),
            uncached_disk_mbps=optional_int(row["uncached_disk_mbps"]),
            premium_io={"True": True, "False": False}.get(row["premium_io"]),
        )
    return sizes


def read_hourly(path: Path, price_column: str) -> dict[str, dict[str, float]]:
    """region -> size -> USD/hour."""
    by_region: dict[str, dict[str, float]] = {}
    for row in _rows(path, {"armRegionName", "armSkuName", price_column}):
        by_region.setdefault(row["armRegionName"], {})[row["armSkuName"]] = float(row[price_column])
    return by_region


def read_reserved(path: Path) -> dict[str, ReservedRates]:
    prices = json.loads(path.read_text(encoding="utf-8"))["currencies"]["USD"]["vm_prices"]
    return {
        size: ReservedRates(v["linux_1yr"], v["linux_3yr"], v["windows_1yr"], v["windows_3yr"])
        for size, v in prices.items()
    }


_API_COLUMNS = {"armRegionName", "productName", "skuName", "meterName", "serviceName", "type", "unitOfMeasure",
                "retailPrice", "currencyCode"}


def read_api_rows(path: Path) -> list[RetailPrice]:
    """A snapshot of raw Retail Prices API rows saved as CSV, as the API's items (empty cells: absent)."""
    items = []
    for number, row in enumerate(_rows(path, _API_COLUMNS), start=2):
        try:
            items.append(RetailPrice.model_validate({key: value for key, value in row.items() if value != ""}))
        except ValidationError as e:
            raise BuildError(f"{path}:{number}: {e.errors()[0]['loc']}: {e.errors()[0]['msg']}") from e
    return items


def build(data_dir: Path) -> tuple[PriceCatalog, dict[str, Any]]:
    """The catalog and a few counts worth reading when the inputs change."""
    sizes = read_sizes(data_dir / SIZES_FILE)
    windows = read_hourly(data_dir / WINDOWS_FILE, "retailPrice")
    linux = read_hourly(data_dir / LINUX_FILE, "linux_payg_usd_per_hour")
    regions = sorted(set(windows) & set(linux))
    family_of = {name: size.family for name, size in sizes.items()}
    suspect = suspect_families(((linux[r], windows[r]) for r in regions), family_of)
    vm_prices: dict[str, RegionVmPrices] = {
        region: reconcile_payg(
            linux=linux[region], windows=windows[region], sizes=sizes, family_of=family_of, suspect=suspect
        )
        for region in regions
    }
    reserved = {
        region: read_reserved(data_dir / file)
        for region, file in RESERVED_FILES.items()
        if region in vm_prices
    }
    catalog = PriceCatalog(
        as_of=max(when for when, _ in SOURCES.values()),
        sources=tuple(f"{file}: {text}" for file, (_, text) in SOURCES.items()) + SPEC_SOURCES,
        sizes=sizes,
        vm_prices=vm_prices,
        reserved=reserved,
        disks=disk_tiers(read_api_rows(data_dir / DISKS_FILE)),
        sql_db=sql_rates(read_api_rows(data_dir / SQL_FILE)),
        app_service=app_service_plans(read_api_rows(data_dir / APP_SERVICE_FILE)),
    )
    stats = {
        "regions": len(regions),
        "sizes": len(sizes),
        "linux_prices": sum(len(p.linux) for p in vm_prices.values()),
        "windows_prices": sum(len(p.windows) for p in vm_prices.values()),
        "linux_dropped": sum(len(p.linux_suspect) for p in vm_prices.values()),
        "suspect_families": sorted(suspect),
        "reserved_pairs": sum(len(r) for r in reserved.values()),
    }
    return catalog, stats


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("data_dir", type=Path, help="folder holding the azure_pricing files")
    parser.add_argument("--out", type=Path, default=SHIPPED_CATALOG, help="where to write the catalog")
    args = parser.parse_args(argv)
    try:
        catalog, stats = build(args.data_dir)
    except (BuildError, CatalogFormatError, OSError, KeyError, ValueError) as e:
        sys.stderr.write(f"build_catalog: {e}\n")
        return 2
    write_catalog(catalog, args.out)
    size = args.out.stat().st_size
    sys.stdout.write(f"wrote {args.out} ({size:,} bytes), as of {catalog.as_of}\n")
    for key, value in stats.items():
        sys.stdout.write(f"  {key}: {value}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
