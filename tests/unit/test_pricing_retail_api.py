"""Parsing real Azure Retail Prices API pages, and picking VM prices from their items."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from migrations_plan.pricing.model import CatalogFormatError
from migrations_plan.pricing.retail_api import RetailPrice, collect_vm_prices, parse_retail_page

FIXTURES = Path(__file__).parents[1] / "fixtures"


def page(name: str) -> dict[str, Any]:
    payload: dict[str, Any] = json.loads((FIXTURES / f"ace_retail_api_response__{name}.json").read_text())
    return payload


@pytest.mark.parametrize(
    ("name", "count", "services"),
    [
        ("aks_ultrassd", 2, {"Storage", "Virtual Machines"}),
        ("asr_inferred-3", 3, {"Storage", "Virtual Machines", "Azure Site Recovery"}),
        ("postgresql_burstable", 6, {"Azure Database for PostgreSQL"}),
    ],
)
def test_parse_real_pages(name: str, count: int, services: set[str]) -> None:
    items, next_link = parse_retail_page(page(name))
    assert len(items) == count
    assert next_link is None
    assert {item.service_name for item in items} == services
    assert all(item.currency_code == "USD" and item.retail_price > 0 for item in items)


def test_parsed_fields_are_typed() -> None:
    items, _ = parse_retail_page(page("aks_ultrassd"))
    vm = next(item for item in items if item.service_name == "Virtual Machines")
    assert (vm.arm_sku_name, vm.arm_region_name, vm.retail_price) == ("Standard_D2s_v3", "westeurope", 0.212)
    assert (vm.price_type, vm.unit_of_measure, vm.product_name) == (
        "Consumption",
        "1 Hour",
        "Virtual Machines DSv3 Series Windows",
    )
    assert vm.effective_start_date is not None and vm.effective_start_date.year == 2017
    assert vm.reservation_term is None


def test_next_page_link_is_returned() -> None:
    payload = page("postgresql_burstable") | {
        "NextPageLink": "https://prices.azure.com/api/retail/prices?$skip=100"
    }
    _, next_link = parse_retail_page(payload)
    assert next_link == "https://prices.azure.com/api/retail/prices?$skip=100"


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"Count": 0}, "'Items'"),
        ({"Items": "nope"}, "'Items'"),
        ({"Items": [{"retailPrice": 1.0}]}, "item 0"),
        ({"Items": [], "NextPageLink": 3}, "NextPageLink"),
    ],
)
def test_malformed_pages_are_rejected(payload: dict[str, Any], message: str) -> None:
    with pytest.raises(CatalogFormatError, match=message):
        parse_retail_page(payload)


def vm_item(**changes: Any) -> RetailPrice:
    """The fixture's westus D2s v3 Linux item, with changes."""
    raw = next(i for i in page("asr_inferred-3")["Items"] if i["serviceName"] == "Virtual Machines")
    return RetailPrice.model_validate(raw | changes)


def test_collect_vm_prices_from_real_items() -> None:
    items = parse_retail_page(page("aks_ultrassd"))[0] + parse_retail_page(page("asr_inferred-3"))[0]
    sizes = {"Standard_D2s_v3"}
    assert collect_vm_prices(items, region="westeurope", sizes=sizes).windows == {"Standard_D2s_v3": 0.212}
    westus = collect_vm_prices(items, region="westus", sizes=sizes)
    assert (westus.linux, westus.windows) == ({"Standard_D2s_v3": 0.117}, {})
    assert collect_vm_prices(items, region="westus", sizes=set()).linux == {}


@pytest.mark.parametrize(
    "changes",
    [
        {"meterName": "D2s v3 Spot", "retailPrice": 0.01},
        {"meterName": "D2s v3 Low Priority", "retailPrice": 0.02},
        {"productName": "Virtual Machines DSv3 Series Cloud Services", "retailPrice": 0.5},
        {"type": "DevTestConsumption", "retailPrice": 0.05},
        {"retailPrice": 0.0, "effectiveStartDate": "2030-01-01T00:00:00Z"},
        {"armRegionName": "eastus", "retailPrice": 0.09},
    ],
)
def test_other_meters_do_not_replace_the_payg_price(changes: dict[str, Any]) -> None:
    feed = collect_vm_prices([vm_item(), vm_item(**changes)], region="westus", sizes={"Standard_D2s_v3"})
    assert feed.linux == {"Standard_D2s_v3": 0.117}


def test_latest_meter_wins() -> None:
    newer = vm_item(retailPrice=0.111, effectiveStartDate="2024-01-01T00:00:00Z")
    for items in ([vm_item(), newer], [newer, vm_item()]):
        assert collect_vm_prices(items, region="westus", sizes={"Standard_D2s_v3"}).linux == {
            "Standard_D2s_v3": 0.111
        }


def test_reservations_become_hourly_linux_rates() -> None:
    one = vm_item(type="Reservation", reservationTerm="1 Year", retailPrice=1038.0)
    three = vm_item(type="Reservation", reservationTerm="3 Years", retailPrice=1993.0)
    feed = collect_vm_prices([vm_item(), one, three], region="westus", sizes={"Standard_D2s_v3"})
    rates = feed.reserved["Standard_D2s_v3"]
    assert rates.linux_ri1y == pytest.approx(1038.0 / 8760)
    assert rates.linux_ri3y == pytest.approx(1993.0 / 26280)
    assert rates.windows_ri1y is None  # derived from the PAYG licence at lookup
    only_one = collect_vm_prices([one], region="westus", sizes={"Standard_D2s_v3"})
    assert only_one.reserved == {}
