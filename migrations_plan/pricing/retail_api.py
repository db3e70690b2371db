"""Azure Retail Prices API pages: parse them, and pick the VM prices a catalog keeps (pure, no network).

Page shape (https://prices.azure.com/api/retail/prices): {"Items": [...], "NextPageLink": str | null,
"Count": n, "BillingCurrency": ..., ...}. Reservation items quote the whole term in `retailPrice`
(unit "1 Hour").
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from migrations_plan.pricing.model import CatalogFormatError, PricingOption
from migrations_plan.pricing.reserved import ReservedRates

_Key = TypeVar("_Key")
_TERMS = {"1 Year": PricingOption.RI1Y, "3 Years": PricingOption.RI3Y}


class RetailPrice(BaseModel):
    """One price item of the Retail Prices API (field names are the API's, in snake_case)."""

    model_config = ConfigDict(frozen=True, populate_by_name=True, extra="ignore")

    currency_code: str = Field(alias="currencyCode")
    retail_price: float = Field(alias="retailPrice")
    unit_price: float | None = Field(default=None, alias="unitPrice")
    arm_region_name: str = Field(alias="armRegionName")
    location: str = ""
    effective_start_date: datetime | None = Field(default=None, alias="effectiveStartDate")
    meter_id: str = Field(default="", alias="meterId")
    meter_name: str = Field(alias="meterName")
    product_id: str = Field(default="", alias="productId")
    sku_id: str = Field(default="", alias="skuId")
    product_name: str = Field(alias="productName")
    sku_name: str = Field(alias="skuName")
    service_name: str = Field(alias="serviceName")
    service_id: str = Field(default="", alias="serviceId")
    service_family: str = Field(default="", alias="serviceFamily")
    unit_of_measure: str = Field(alias="unitOfMeasure")
    price_type: str = Field(alias="type")
    is_primary_meter_region: bool | None = Field(default=None, alias="isPrimaryMeterRegion")
    arm_sku_name: str = Field(default="", alias="armSkuName")
    reservation_term: str | None = Field(default=None, alias="reservationTerm")
    tier_minimum_units: float = Field(default=0.0, alias="tierMinimumUnits")


def parse_retail_page(payload: Mapping[str, Any]) -> tuple[list[RetailPrice], str | None]:
    """The items of one API page and the link to the next page (None on the last one)."""
    if not isinstance(payload, Mapping) or not isinstance(payload.get("Items"), list):
        raise CatalogFormatError("Retail Prices API page without an 'Items' list")
    items = []
    for index, raw in enumerate(payload["Items"]):
        try:
            items.append(RetailPrice.model_validate(raw))
        except ValidationError as e:
            problems = "; ".join(f"{'.'.join(map(str, err['loc']))}: {err['msg']}" for err in e.errors())
            raise CatalogFormatError(f"Retail Prices API item {index}: {problems}") from e
    next_link = payload.get("NextPageLink")
    if next_link is not None and not isinstance(next_link, str):
        raise CatalogFormatError(f"Retail Prices API NextPageLink is not a string: {next_link!r}")
    return items, next_link or None


@dataclass(frozen=True, slots=True)
class VmFeed:
    """VM prices of one region picked from API items: PAYG by OS, and real Linux reserved rates."""

    linux: dict[str, float] = field(default_factory=dict)
    windows: dict[str, float] = field(default_factory=dict)
    reserved: dict[str, ReservedRates] = field(default_factory=dict)


def is_vm_meter(item: RetailPrice, region: str) -> bool:
    """A standard VM price of `region` (not Spot, Low Priority, Cloud Services or another currency)."""
    excluded = ("Spot", "Low Priority")
    return (
        item.service_name == "Virtual Machines"
        and item.arm_region_name == region
        and item.currency_code == "USD"
        and item.unit_of_measure == "1 Hour"
        and item.arm_sku_name.startswith("Standard_")
        and not any(word in item.meter_name or word in item.sku_name for word in excluded)
        and "Cloud Services" not in item.product_name
    )


def collect_vm_prices(items: Iterable[RetailPrice], *, region: str, sizes: Collection[str]) -> VmFeed:
    """Keep one PAYG price per size and OS and the 1- and 3-year reservations of the Linux meter.

    Where several meters price the same size, the one that took effect last wins. Reservations are turned
    into hourly prices (the API quotes the whole term); a size gets reserved rates only when both terms exist.
    """
    payg: dict[tuple[str, str], tuple[datetime | None, float]] = {}
    terms: dict[tuple[str, PricingOption], tuple[datetime | None, float]] = {}
    for item in items:
        if not is_vm_meter(item, region) or item.arm_sku_name not in sizes or item.retail_price <= 0:
            continue
        windows = "Windows" in item.product_name
        if item.price_type == "Consumption":
            keep_latest(
                payg, (item.arm_sku_name, "windows" if windows else "linux"), item, item.retail_price
            )
        elif item.price_type == "Reservation" and not windows and item.reservation_term in _TERMS:
            option = _TERMS[item.reservation_term]
            keep_latest(terms, (item.arm_sku_name, option), item, item.retail_price / option.term_hours)
    feed = VmFeed()
    for (size, os_name), (_, price) in payg.items():
        (feed.windows if os_name == "windows" else feed.linux)[size] = price
    for size in sorted({size for size, _ in terms}):
        one, three = terms.get((size, PricingOption.RI1Y)), terms.get((size, PricingOption.RI3Y))
        if one and three:
            feed.reserved[size] = ReservedRates(linux_ri1y=one[1], linux_ri3y=three[1])
    return feed


def keep_latest(
    found: dict[_Key, tuple[datetime | None, float]], key: _Key, item: RetailPrice, price: float
) -> None:
    """Record `price` under `key` unless a meter that took effect later is already there."""
    when = item.effective_start_date
    previous = found.get(key)
    if previous is None or (when is not None and (previous[0] is None or when > previous[0])):
        found[key] = (when, price)
