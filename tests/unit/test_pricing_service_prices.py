"""Managed-disk, SQL Database and App Service prices picked from Retail Prices API items (the rules shared by
the catalog build and `catalog refresh`). Items are real eastus2 rows of the public snapshot, varied."""

from __future__ import annotations

from typing import Any

import pytest

from migrations_plan.pricing import OsType, SqlTier
from migrations_plan.pricing.model import CatalogFormatError
from migrations_plan.pricing.retail_api import RetailPrice
from migrations_plan.pricing.service_prices import app_service_plans, disk_tiers, latest_prices, sql_rates

P10_LRS: dict[str, Any] = {
    "armRegionName": "eastus2", "skuName": "P10 LRS", "productName": "Premium SSD Managed Disks",
    "meterName": "P10 LRS Disk", "serviceName": "Storage", "type": "Consumption", "unitOfMeasure": "1/Month",
    "retailPrice": 17.92, "currencyCode": "USD", "effectiveStartDate": "2018-05-01T00:00:00Z",
}
GP = "SQL Database Single/Elastic Pool General Purpose"
GP_VCORE: dict[str, Any] = {
    "armRegionName": "eastus2", "skuName": "vCore", "productName": f"{GP} - Compute Gen5", "meterName": "vCore",
    "serviceName": "SQL Database", "type": "Consumption", "unitOfMeasure": "1 Hour", "retailPrice": 0.152217,
    "currencyCode": "USD",
}
GP_STORAGE = GP_VCORE | {"skuName": "General Purpose", "productName": f"{GP} - Storage",
                         "meterName": "General Purpose Data Stored", "unitOfMeasure": "1 GB/Month",
                         "retailPrice": 0.115}
P1V3_LINUX: dict[str, Any] = {
    "armRegionName": "eastus2", "skuName": "P1 v3", "productName": "Azure App Service Premium v3 Plan - Linux",
    "meterName": "P1 v3 App", "serviceName": "Azure App Service", "type": "Consumption", "unitOfMeasure": "1 Hour",
    "retailPrice": 0.155, "currencyCode": "USD",
}


def items(*rows: dict[str, Any]) -> list[RetailPrice]:
    return [RetailPrice.model_validate(row) for row in rows]


def test_the_meter_that_took_effect_last_wins_whatever_the_order() -> None:
    old = P10_LRS | {"retailPrice": 19.71, "effectiveStartDate": "2016-01-01T00:00:00Z"}
    for order in ((P10_LRS, old), (old, P10_LRS)):
        assert disk_tiers(items(*order))["eastus2"][0].monthly_usd == 17.92


@pytest.mark.parametrize("other", [
    {"currencyCode": "EUR", "retailPrice": 1.0},  # another currency
    {"type": "Reservation", "retailPrice": 1.0},  # not pay-as-you-go
    {"tierMinimumUnits": 100.0, "retailPrice": 1.0},  # a volume tier, not the first price
], ids=["currency", "reservation", "volume-tier"])
def test_only_first_tier_usd_consumption_prices_count(other: dict[str, Any]) -> None:
    found = latest_prices(items(P10_LRS, P10_LRS | other | {"effectiveStartDate": "2030-01-01T00:00:00Z"}))
    assert found == {("eastus2", "Premium SSD Managed Disks", "P10 LRS", "P10 LRS Disk"): 17.92}


def test_disk_rows_other_than_a_disk_a_month_are_left_out_or_refused() -> None:
    mount = P10_LRS | {"meterName": "P10 Disk Mount", "retailPrice": 0.5}
    snapshot = P10_LRS | {"productName": "Standard Snapshots", "meterName": "P10 LRS Disk", "retailPrice": 99.0}
    tiers = disk_tiers(items(P10_LRS, mount, snapshot))["eastus2"]
    assert [(tier.name, tier.monthly_usd, tier.zrs_monthly_usd) for tier in tiers] == [("P10", 17.92, None)]
    with pytest.raises(CatalogFormatError, match=r"P10 LRS Disk in eastus2 is priced per '1 Hour'"):
        disk_tiers(items(P10_LRS | {"unitOfMeasure": "1 Hour"}))


def test_sql_database_needs_both_prices_and_consistent_vcore_skus() -> None:
    four = GP_VCORE | {"skuName": "4 vCore", "retailPrice": 0.608868}
    zone = four | {"skuName": "4 vCore Zone Redundancy", "meterName": "Zone Redundancy vCore", "retailPrice": 0.9}
    rate = sql_rates(items(GP_VCORE, four, zone, GP_STORAGE))["eastus2"][SqlTier.GENERAL_PURPOSE]
    assert (rate.vcore_hour_ahb, rate.storage_gb_month, rate.vcore_options) == (0.152217, 0.115, (4,))
    assert sql_rates(items(GP_VCORE, four)) == {}, "no storage price: the tier cannot be priced"
    with pytest.raises(CatalogFormatError, match=r"4 vCore costs 0\.7, not 4 x 0\.152217"):
        sql_rates(items(GP_VCORE, four | {"retailPrice": 0.7}, GP_STORAGE))


def test_app_service_keeps_the_instance_meter_of_known_plan_sizes() -> None:
    addon = P1V3_LINUX | {"meterName": "P1 v3 App - Zone Redundancy", "retailPrice": 9.0}
    unknown = P1V3_LINUX | {"skuName": "I1 v2", "meterName": "I1 v2 App", "retailPrice": 0.4}
    basic_linux = P1V3_LINUX | {"skuName": "B1", "productName": "Azure App Service Basic Plan - Linux",
                                "meterName": "B1", "retailPrice": 0.018}
    windows = P1V3_LINUX | {"productName": "Azure App Service Premium v3 Plan", "retailPrice": 0.315}
    plans = app_service_plans(items(P1V3_LINUX, addon, unknown, basic_linux, windows))["eastus2"]
    assert [(plan.name, plan.os, plan.hourly) for plan in plans] == [
        ("B1", OsType.LINUX, 0.018), ("P1v3", OsType.LINUX, 0.155), ("P1v3", OsType.WINDOWS, 0.315)]
