"""`refresh_catalog` against an in-process stand-in of the Retail Prices API (httpx.MockTransport)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest

from migrations_plan.pricing import CatalogRefreshError, load_catalog
from migrations_plan.pricing.refresh import RETAIL_PRICES_URL, refresh_catalog
from migrations_plan.pricing.store import SHIPPED_CATALOG

FIXTURES = Path(__file__).parents[1] / "fixtures"
NEXT = "https://prices.azure.com/api/retail/prices?$filter=whatever&$skip=100"


def fixture(name: str) -> dict[str, Any]:
    payload: dict[str, Any] = json.loads((FIXTURES / f"ace_retail_api_response__{name}.json").read_text())
    return payload


def westeurope_pages() -> list[dict[str, Any]]:
    """Page 1: the real westeurope page (D2s v3 Windows 0.212, a P10 disk). Page 2: the real westus D2s v3
    Linux item moved to westeurope, and its 1- and 3-year reservations."""
    first = fixture("aks_ultrassd") | {"NextPageLink": NEXT}
    linux = next(i for i in fixture("asr_inferred-3")["Items"] if i["serviceName"] == "Virtual Machines")
    linux = linux | {"armRegionName": "westeurope", "location": "EU West", "retailPrice": 0.115}
    one = linux | {"type": "Reservation", "reservationTerm": "1 Year", "retailPrice": 600.0}
    three = linux | {"type": "Reservation", "reservationTerm": "3 Years", "retailPrice": 1100.0}
    second = {"Items": [linux, one, three], "NextPageLink": None, "Count": 3}
    return [first, second]


class FakeApi:
    """Serves pages in order and records each request."""

    def __init__(self, responses: list[httpx.Response | Exception]) -> None:
        self.responses = responses
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.responses.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    def client(self) -> httpx.Client:
        return httpx.Client(transport=httpx.MockTransport(self))


@pytest.fixture
def catalog_file(tmp_path: Path) -> Path:
    target = tmp_path / "catalog.json.gz"
    shutil.copyfile(SHIPPED_CATALOG, target)
    return target


def no_sleep(seconds: float) -> None:
    del seconds


def test_refresh_follows_pages_and_replaces_the_region(catalog_file: Path) -> None:
    api = FakeApi([httpx.Response(200, json=page) for page in westeurope_pages()])
    result = refresh_catalog(
        regions=["westeurope"], out=catalog_file, client=api.client(), today=date(2026, 9, 1), sleep=no_sleep
    )

    assert len(api.requests) == 2
    first, second = api.requests
    assert str(first.url).startswith(RETAIL_PRICES_URL)
    assert "armRegionName eq 'westeurope'" in first.url.params["$filter"]
    assert "priceType eq 'Reservation'" in first.url.params["$filter"]
    assert str(second.url) == NEXT

    assert (result.as_of, result.previous_as_of, result.pages) == (date(2026, 9, 1), date(2026, 8, 15), 2)
    assert (result.payg_prices, result.reserved_sizes) == (2, 1)

    refreshed = load_catalog(catalog_file)
    assert refreshed.as_of == date(2026, 9, 1)
    assert "fetched 2026-09-01" in refreshed.sources[-1]
    rate = refreshed.vm_rate("Standard_D2s_v3", "westeurope")
    assert (rate.linux_payg, rate.windows_payg, rate.ri_estimated) == (0.115, 0.212, False)
    assert rate.linux_ri1y == pytest.approx(600.0 / 8760)
    assert rate.windows_ri3y == pytest.approx(1100.0 / 26280 + (0.212 - 0.115))
    # the region's old prices are gone; other regions and the other tables are kept
    with pytest.raises(Exception, match="no price"):
        refreshed.vm_rate("Standard_D4s_v5", "westeurope")
    assert refreshed.vm_rate("Standard_D4s_v5", "eastus").windows_payg == 0.376
    assert refreshed.disk_tier("eastus2", "P10").monthly_usd == 17.92


@pytest.mark.parametrize(
    ("responses", "message"),
    [
        ([httpx.ConnectError("[Errno -3] Temporary failure in name resolution")], "cannot reach"),
        ([httpx.ReadTimeout("timed out")], "cannot reach"),
        ([httpx.Response(403, json={"error": "forbidden"})], "HTTP 403"),
        ([httpx.Response(503), httpx.Response(503)], "HTTP 503"),
        ([httpx.Response(200, content=b"<html>maintenance</html>")], "unexpected answer"),
        ([httpx.Response(200, json={"Count": 0})], "unexpected answer"),
        ([httpx.Response(200, json=fixture("postgresql_burstable"))], "no VM prices for region 'westeurope'"),
        (
            [httpx.Response(200, json=fixture("aks_ultrassd") | {"NextPageLink": NEXT})] * 2,
            "does not end",
        ),
        (
            [httpx.Response(200, json=westeurope_pages()[0]), httpx.ConnectError("connection reset")],
            "cannot reach",
        ),
    ],
)
def test_failed_refresh_leaves_the_file_untouched(
    catalog_file: Path, responses: list[httpx.Response | Exception], message: str
) -> None:
    before = catalog_file.read_bytes()
    stamp = catalog_file.stat().st_mtime_ns
    api = FakeApi(list(responses))
    with pytest.raises(CatalogRefreshError, match=message) as raised:
        refresh_catalog(
            regions=["westeurope"], out=catalog_file, client=api.client(), retries=1, sleep=no_sleep
        )
    assert "the catalog dated 2026-08-15 is kept" in str(raised.value)
    assert catalog_file.read_bytes() == before
    assert catalog_file.stat().st_mtime_ns == stamp
    assert [p.name for p in catalog_file.parent.iterdir()] == [catalog_file.name]


def test_offline_without_a_client(catalog_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The default client, with the network down: the error names the cause and the kept date."""
    real_client: Callable[..., httpx.Client] = httpx.Client

    def offline_client(**kwargs: Any) -> httpx.Client:
        def refuse(request: httpx.Request) -> httpx.Response:
            raise httpx.ConnectError("network is unreachable", request=request)

        return real_client(transport=httpx.MockTransport(refuse), **kwargs)

    monkeypatch.setattr(httpx, "Client", offline_client)
    before = catalog_file.read_bytes()
    with pytest.raises(CatalogRefreshError, match=r"cannot reach the Azure Retail Prices API \(ConnectError"):
        refresh_catalog(regions=["eastus"], out=catalog_file)
    assert catalog_file.read_bytes() == before


def test_transient_answers_are_retried_after_the_advised_wait(catalog_file: Path) -> None:
    waits: list[float] = []
    pages = westeurope_pages()
    api = FakeApi(
        [
            httpx.Response(429, headers={"Retry-After": "7"}),
            httpx.Response(200, json=pages[0]),
            httpx.Response(502),
            httpx.Response(200, json=pages[1]),
        ]
    )
    result = refresh_catalog(
        regions=["westeurope"], out=catalog_file, client=api.client(), sleep=waits.append
    )
    assert waits == [7.0, 1.0]  # Retry-After when given, else 1 s, 2 s, 4 s... per request
    assert result.pages == 2


def test_refresh_into_a_new_file_starts_from_the_default_catalog(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "fresh.json.gz"
    api = FakeApi([httpx.Response(200, json=page) for page in westeurope_pages()])
    refresh_catalog(regions=["WestEurope"], out=target, client=api.client(), today=date(2026, 9, 2))
    assert load_catalog(target).vm_rate("Standard_D4s_v5", "eastus").linux_payg == 0.192


@pytest.mark.parametrize("regions", [[], ["east us"], ["eastus' or 1 eq 1"]])
def test_bad_region_names_are_refused_before_any_request(catalog_file: Path, regions: list[str]) -> None:
    api = FakeApi([])
    with pytest.raises(ValueError):
        refresh_catalog(regions=regions, out=catalog_file, client=api.client())
    assert api.requests == []
