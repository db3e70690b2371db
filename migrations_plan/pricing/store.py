"""The catalog file: a gzipped JSON document, read into a `PriceCatalog` and written back atomically.

Layout (version 1): sizes as rows of a column list; per region, Linux and Windows PAYG prices as arrays
aligned with the sizes (null = unknown) and the indexes of sizes whose Linux price was dropped; real reserved
prices by region and size; disk, SQL Database and App Service prices by region. Disk performance and App
Service plan sizes are not stored: they come from `specs.py`.
"""

from __future__ import annotations

import gzip
import json
import os
import tempfile
from collections.abc import Mapping
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from migrations_plan.pricing.catalog import PriceCatalog
from migrations_plan.pricing.model import (
    AppServicePlan,
    CatalogFormatError,
    DiskKind,
    DiskTier,
    OsType,
    SqlDbRate,
    SqlTier,
    VmSize,
)
from migrations_plan.pricing.reserved import ReservedRates
from migrations_plan.pricing.specs import APP_SERVICE_PLAN_SPECS, DISK_TIER_BY_NAME, DISK_TIER_SPECS
from migrations_plan.pricing.vm_prices import RegionVmPrices

FORMAT = "lumen-migrate-price-catalog"
VERSION = 1
ENV_VAR = "LUMEN_MIGRATE_CATALOG"
SHIPPED_CATALOG = Path(__file__).parent / "data" / "catalog.json.gz"
# Where `catalog refresh` writes by default, beside the default database: a refreshed catalog then wins over the
# shipped one for commands run in the same folder.
LOCAL_CATALOG_NAME = "lumen-migrate-catalog.json.gz"


def active_catalog_path() -> Path:
    """$LUMEN_MIGRATE_CATALOG, else a refreshed catalog in the working directory, else the shipped one."""
    if os.environ.get(ENV_VAR):
        return Path(os.environ[ENV_VAR])
    local = Path.cwd() / LOCAL_CATALOG_NAME
    return local if local.exists() else SHIPPED_CATALOG


def refresh_target_path() -> Path:
    """Where `catalog refresh` writes when not told: $LUMEN_MIGRATE_CATALOG, else the working directory."""
    return Path(os.environ[ENV_VAR]) if os.environ.get(ENV_VAR) else Path.cwd() / LOCAL_CATALOG_NAME

_SIZE_COLUMNS = [
    "name",
    "family",
    "vcpus",
    "memory_gib",
    "cpu_arch",
    "max_data_disks",
    "uncached_disk_iops",
    "uncached_disk_mbps",
    "premium_io",
]
_RESERVED_FIELDS = ("linux_ri1y", "linux_ri3y", "windows_ri1y", "windows_ri3y")
_KIND_ORDER = {kind: index for index, kind in enumerate(DiskKind)}


def load_catalog(path: Path | None = None) -> PriceCatalog:
    """The catalog at `path`, else `active_catalog_path()` ($LUMEN_MIGRATE_CATALOG, a refreshed local file, the
    one shipped with the package).

    Cached per file and modification time, so a refreshed file is picked up by the next call.
    """
    chosen = path or active_catalog_path()
    try:
        stamp = chosen.stat().st_mtime_ns
    except OSError as e:
        raise CatalogFormatError(f"{chosen}: cannot read the price catalog ({e.strerror})") from e
    return _load_cached(chosen.resolve(), stamp)


@lru_cache(maxsize=8)
def _load_cached(path: Path, stamp: int) -> PriceCatalog:
    try:
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            document = json.load(handle)
    except (OSError, EOFError, ValueError) as e:
        raise CatalogFormatError(f"{path}: not a gzipped JSON price catalog ({e})") from e
    return catalog_from_document(document, origin=str(path))


def write_catalog(catalog: PriceCatalog, path: Path) -> None:
    """Write `catalog` to `path` atomically: a temporary file in the same folder, then os.replace."""
    data = json.dumps(catalog_to_document(catalog), separators=(",", ":"), sort_keys=True).encode("utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)
    # mkstemp creates the file owner-only; keep the mode of the file being replaced, else the usual 0644.
    mode = path.stat().st_mode & 0o777 if path.exists() else 0o644
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as packed:
            packed.write(data)
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def catalog_to_document(catalog: PriceCatalog) -> dict[str, Any]:
    names = sorted(catalog.sizes)
    vm: dict[str, Any] = {}
    for region, prices in sorted(catalog.vm_prices.items()):
        vm[region] = {
            "linux": [prices.linux.get(name) for name in names],
            "windows": [prices.windows.get(name) for name in names],
            "linux_suspect": [index for index, name in enumerate(names) if name in prices.linux_suspect],
        }
    return {
        "format": FORMAT,
        "version": VERSION,
        "as_of": catalog.as_of.isoformat(),
        "currency": catalog.currency,
        "sources": list(catalog.sources),
        "sizes": {
            "columns": _SIZE_COLUMNS,
            "rows": [[getattr(catalog.sizes[name], column) for column in _SIZE_COLUMNS] for name in names],
        },
        "vm": vm,
        "reserved": {
            region: {
                size: [getattr(rates, name) for name in _RESERVED_FIELDS] for size, rates in by_size.items()
            }
            for region, by_size in catalog.reserved.items()
        },
        "disks": {
            region: {tier.name: [tier.monthly_usd, tier.zrs_monthly_usd] for tier in tiers}
            for region, tiers in catalog.disks.items()
        },
        "sql_db": {
            region: {
                str(tier): {
                    "vcore_hour_ahb": rate.vcore_hour_ahb,
                    "storage_gb_month": rate.storage_gb_month,
                    "vcore_options": list(rate.vcore_options),
                }
                for tier, rate in by_tier.items()
            }
            for region, by_tier in catalog.sql_db.items()
        },
        "app_service": {
            region: {
                str(os_type): {plan.name: plan.hourly for plan in plans if plan.os is os_type}
                for os_type in OsType
            }
            for region, plans in catalog.app_service.items()
        },
    }


def catalog_from_document(document: Mapping[str, Any], *, origin: str = "catalog") -> PriceCatalog:
    """Build a `PriceCatalog` from its JSON document; a document of another shape is rejected."""
    if document.get("format") != FORMAT or document.get("version") != VERSION:
        raise CatalogFormatError(
            f"{origin}: expected a {FORMAT} version {VERSION} document, "
            f"got format={document.get('format')!r} version={document.get('version')!r}"
        )
    try:
        return _build(document)
    except (KeyError, TypeError, ValueError, IndexError) as e:
        raise CatalogFormatError(f"{origin}: malformed price catalog ({type(e).__name__}: {e})") from e


def _build(document: Mapping[str, Any]) -> PriceCatalog:
    columns = document["sizes"]["columns"]
    sizes: dict[str, VmSize] = {}
    for row in document["sizes"]["rows"]:
        values = dict(zip(columns, row, strict=True))
        sizes[values["name"]] = VmSize(
            name=values["name"],
            family=values["family"],
            vcpus=int(values["vcpus"]),
            memory_gib=float(values["memory_gib"]),
            cpu_arch=values["cpu_arch"],
            max_data_disks=values.get("max_data_disks"),
            uncached_disk_iops=values.get("uncached_disk_iops"),
            uncached_disk_mbps=values.get("uncached_disk_mbps"),
            premium_io=values.get("premium_io"),
        )
    names = [row[columns.index("name")] for row in document["sizes"]["rows"]]
    vm_prices = {}
    for region, block in document["vm"].items():
        vm_prices[region] = RegionVmPrices(
            linux={
                name: price for name, price in zip(names, block["linux"], strict=True) if price is not None
            },
            windows={
                name: price for name, price in zip(names, block["windows"], strict=True) if price is not None
            },
            linux_suspect=frozenset(names[index] for index in block.get("linux_suspect", ())),
        )
    reserved = {
        region: {size: ReservedRates(*values) for size, values in by_size.items()}
        for region, by_size in document.get("reserved", {}).items()
    }
    return PriceCatalog(
        as_of=date.fromisoformat(document["as_of"]),
        sources=tuple(document["sources"]),
        currency=document.get("currency", "USD"),
        sizes=sizes,
        vm_prices=vm_prices,
        reserved=reserved,
        disks={region: _disk_tiers(prices) for region, prices in document.get("disks", {}).items()},
        sql_db={region: _sql_rates(rates) for region, rates in document.get("sql_db", {}).items()},
        app_service={region: _plans(prices) for region, prices in document.get("app_service", {}).items()},
    )


def _disk_tiers(prices: Mapping[str, list[float | None]]) -> tuple[DiskTier, ...]:
    tiers = []
    for name, (lrs, zrs) in prices.items():
        spec = DISK_TIER_BY_NAME[name]
        if lrs is None:
            continue
        tiers.append(DiskTier(spec.name, spec.kind, spec.size_gib, spec.iops, spec.mbps, lrs, zrs))
    order = {spec.name: index for index, spec in enumerate(DISK_TIER_SPECS)}
    return tuple(sorted(tiers, key=lambda tier: (_KIND_ORDER[tier.kind], order[tier.name])))


def _sql_rates(rates: Mapping[str, Mapping[str, Any]]) -> dict[SqlTier, SqlDbRate]:
    return {
        SqlTier(tier): SqlDbRate(
            tier=SqlTier(tier),
            vcore_hour_ahb=float(rate["vcore_hour_ahb"]),
            storage_gb_month=float(rate["storage_gb_month"]),
            vcore_options=tuple(int(option) for option in rate["vcore_options"]),
        )
        for tier, rate in rates.items()
    }


def _plans(prices: Mapping[str, Mapping[str, float]]) -> tuple[AppServicePlan, ...]:
    plans = []
    for os_name, by_name in prices.items():
        for name, hourly in by_name.items():
            vcpus, memory = APP_SERVICE_PLAN_SPECS[name]
            plans.append(AppServicePlan(name, OsType(os_name), vcpus, memory, hourly))
    return tuple(sorted(plans, key=lambda plan: (plan.os, plan.hourly, plan.name)))
