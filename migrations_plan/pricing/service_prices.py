"""Managed-disk, Azure SQL Database and App Service prices picked from Retail Prices API items (pure, no IO).

One set of rules for both places these prices come from: `tools/build_catalog.py` reads the shipped snapshots
(raw API rows saved as CSV) and `catalog refresh` reads live API pages; both hand `RetailPrice` items here.
Where the API lists the same meter more than once (history, or the single-database and elastic-pool meters of
SQL Database, which carry the same price), the item that took effect last wins.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from migrations_plan.pricing.model import AppServicePlan, CatalogFormatError, DiskTier, OsType, SqlDbRate, SqlTier
from migrations_plan.pricing.retail_api import RetailPrice, keep_latest
from migrations_plan.pricing.specs import APP_SERVICE_PLAN_SPECS, DISK_TIER_SPECS

DISK_PRODUCTS: tuple[str, ...] = ("Premium SSD Managed Disks", "Standard SSD Managed Disks",
                                  "Standard HDD Managed Disks")
SQL_TIER_LABELS: dict[SqlTier, str] = {
    SqlTier.GENERAL_PURPOSE: "General Purpose",
    SqlTier.BUSINESS_CRITICAL: "Business Critical",
}
SQL_PRODUCTS: tuple[str, ...] = tuple(
    f"SQL Database Single/Elastic Pool {label} - {part}" for label in SQL_TIER_LABELS.values()
    for part in ("Compute Gen5", "Storage"))
APP_SERVICE_SERVICE = "Azure App Service"

_DISK_TIERS = {spec.name for spec in DISK_TIER_SPECS}

Prices = dict[tuple[str, str, str, str], float]  # (region, product, sku, meter) -> USD


def latest_prices(items: Iterable[RetailPrice], *, unit: str | None = None) -> Prices:
    """USD consumption prices (first tier only) keyed by region, product, sku and meter; the latest wins.

    `unit` keeps only items priced in that unit of measure."""
    found: dict[tuple[str, str, str, str], tuple[datetime | None, float]] = {}
    for item in items:
        if (item.price_type != "Consumption" or item.currency_code != "USD" or item.tier_minimum_units != 0
                or (unit is not None and item.unit_of_measure != unit)):
            continue
        keep_latest(found, (item.arm_region_name, item.product_name, item.sku_name, item.meter_name), item,
                    item.retail_price)
    return {key: price for key, (_, price) in found.items()}


def disk_tiers(items: Iterable[RetailPrice]) -> dict[str, tuple[DiskTier, ...]]:
    """Per region, every tier of DISK_TIER_SPECS with an LRS monthly price (meter "{tier} LRS Disk"), its
    ZRS price when sold. Items priced other than per month are refused: they would be read as monthly."""
    items = list(items)
    for item in items:
        if (item.product_name in DISK_PRODUCTS and _disk_meter_name(item.meter_name) is not None
                and item.price_type == "Consumption" and item.unit_of_measure != "1/Month"):
            raise CatalogFormatError(f"{item.meter_name} in {item.arm_region_name} is priced per "
                                     f"{item.unit_of_measure!r}, expected '1/Month'")
    by_region: dict[str, dict[str, dict[str, float]]] = {}
    for (region, product, _sku, meter), price in latest_prices(items, unit="1/Month").items():
        parsed = _disk_meter_name(meter) if product in DISK_PRODUCTS else None
        if parsed is not None:
            tier, redundancy = parsed
            by_region.setdefault(region, {}).setdefault(tier, {})[redundancy] = price
    return {
        region: tuple(
            DiskTier(spec.name, spec.kind, spec.size_gib, spec.iops, spec.mbps, prices["LRS"], prices.get("ZRS"))
            for spec in DISK_TIER_SPECS
            if (prices := by_tier.get(spec.name)) and "LRS" in prices
        )
        for region, by_tier in sorted(by_region.items())
    }


def _disk_meter_name(meter: str) -> tuple[str, str] | None:
    """("P10", "LRS") from "P10 LRS Disk"; None for other meters (transactions, snapshots, bursting...)."""
    parts = meter.split()
    if len(parts) != 3 or parts[2] != "Disk" or parts[0] not in _DISK_TIERS or parts[1] not in ("LRS", "ZRS"):
        return None
    return parts[0], parts[1]


def sql_rates(items: Iterable[RetailPrice]) -> dict[str, dict[SqlTier, SqlDbRate]]:
    """Per region and tier (General Purpose, Business Critical; Gen5 single database): the per-vCore-hour
    compute price (the meter without the SQL licence, i.e. the Hybrid Benefit price), the data-stored price
    per GB-month, and the vCore counts sold. A region needs both prices for a tier to be kept; a "N vCore"
    sku that is not N x the per-vCore price means the feed is not what this reads, and is refused."""
    prices = latest_prices(items)
    result: dict[str, dict[SqlTier, SqlDbRate]] = {}
    for region in sorted({key[0] for key in prices}):
        for tier, label in SQL_TIER_LABELS.items():
            compute = f"SQL Database Single/Elastic Pool {label} - Compute Gen5"
            storage_product = f"SQL Database Single/Elastic Pool {label} - Storage"
            rate = prices.get((region, compute, "vCore", "vCore"))
            storage = [price for (r, product, _sku, meter), price in prices.items()
                       if r == region and product == storage_product and meter == f"{label} Data Stored"]
            if rate is None or not storage:
                continue
            if len(set(storage)) != 1:
                raise CatalogFormatError(f"{region} SQL Database {label}: several storage prices {sorted(storage)}")
            options = set()
            for (r, product, sku, meter), price in prices.items():
                count_text, _, unit = sku.partition(" ")
                if r != region or product != compute or meter != "vCore" or unit != "vCore" or \
                        not count_text.isdigit():
                    continue
                count = int(count_text)
                if abs(price - count * rate) > 1e-4:
                    raise CatalogFormatError(f"{region} SQL Database {label} {sku} costs {price}, not {count} x {rate}")
                options.add(count)
            result.setdefault(region, {})[tier] = SqlDbRate(tier, rate, storage[0], tuple(sorted(options)))
    return result


def app_service_plans(items: Iterable[RetailPrice]) -> dict[str, tuple[AppServicePlan, ...]]:
    """Per region, the hourly price of one instance of each plan size of APP_SERVICE_PLAN_SPECS, Windows and
    Linux ("- Linux" products), cheapest first within each OS."""
    plans: dict[str, list[AppServicePlan]] = {}
    for (region, product, sku, meter), price in latest_prices(
            (item for item in items if item.service_name == APP_SERVICE_SERVICE), unit="1 Hour").items():
        name = sku.replace(" ", "")
        # The instance meter is "{sku} App" (or the bare sku on some Linux plans); others are add-ons.
        if name not in APP_SERVICE_PLAN_SPECS or meter not in (sku, f"{sku} App"):
            continue
        os_type = OsType.LINUX if product.endswith("- Linux") else OsType.WINDOWS
        vcpus, memory = APP_SERVICE_PLAN_SPECS[name]
        plans.setdefault(region, []).append(AppServicePlan(name, os_type, vcpus, memory, price))
    return {region: tuple(sorted(found, key=lambda plan: (plan.os, plan.hourly, plan.name)))
            for region, found in sorted(plans.items())}
