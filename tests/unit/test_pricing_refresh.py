"""`refresh_catalog` against an in-process stand-in of the Retail Prices API (httpx.MockTransport)."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest

from inventory.records import Environment, OsFamily, PowerState
from migrations_plan.assessment import AssessInput, AssessSettings, DiskLoad, assess
from migrations_plan.pricing import CatalogRefreshError, PriceNotFoundError, SqlTier, load_catalog
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


VM_SERVICE = "Virtual Machines"
EMPTY_PAGE = {"Items": [], "NextPageLink": None, "Count": 0}


def service_of(request: httpx.Request) -> str:
    """The serviceName a request's $filter asks for (a next-page link continues the VM query here)."""
    found = re.search(r"serviceName eq '([^']+)'", request.url.params.get("$filter", ""))
    return found.group(1) if found else VM_SERVICE


def service_pages(region: str) -> dict[str, list[httpx.Response | Exception]]:
    """Real eastus2 managed-disk, SQL Database and App Service items, moved to `region`."""
    pages = json.loads((FIXTURES / "retail_api_pages__eastus2_disks_sql_app_service.json").read_text())
    answers: dict[str, list[httpx.Response | Exception]] = {}
    for key, service in (("disks", "Storage"), ("sql", "SQL Database"), ("app_service", "Azure App Service")):
        items = [item | {"armRegionName": region} for item in pages[key]["Items"]]
        answers[service] = [httpx.Response(200, json=pages[key] | {"Items": items})]
    return answers


class FakeApi:
    """Answers the VM query (and its next-page links) with `responses` in order, another service's query with
    the next of `services[serviceName]` (an empty page when none is left); records each request."""

    def __init__(self, responses: list[httpx.Response | Exception],
                 services: dict[str, list[httpx.Response | Exception]] | None = None) -> None:
        self.responses = responses
        self.services = services or {}
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        service = service_of(request)
        if service == VM_SERVICE:
            answer = self.responses.pop(0)
        else:
            queue = self.services.get(service, [])
            answer = queue.pop(0) if queue else httpx.Response(200, json=EMPTY_PAGE)
        if isinstance(answer, Exception):
            raise answer
        return answer

    def client(self) -> httpx.Client:
        return httpx.Client(transport=httpx.MockTransport(self))

    def vm_requests(self) -> list[httpx.Request]:
        return [request for request in self.requests if service_of(request) == VM_SERVICE]


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

    assert len(api.vm_requests()) == 2
    first, second = api.vm_requests()
    assert str(first.url).startswith(RETAIL_PRICES_URL)
    assert "armRegionName eq 'westeurope'" in first.url.params["$filter"]
    assert "priceType eq 'Reservation'" in first.url.params["$filter"]
    assert str(second.url) == NEXT

    # 2 VM pages, then one (empty) page each for managed disks, SQL Database and App Service
    assert (result.as_of, result.previous_as_of, result.pages) == (date(2026, 9, 1), date(2026, 8, 15), 5)
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
    assert result.pages == 5


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


def vm_pages(region: str) -> list[dict[str, Any]]:
    """The two VM pages of `westeurope_pages`, their items moved to `region`."""
    return [page | {"Items": [item | {"armRegionName": region} for item in page["Items"]]}
            for page in westeurope_pages()]


def test_refresh_prices_disks_sql_database_and_app_service_in_the_region(catalog_file: Path) -> None:
    shipped = load_catalog(catalog_file)
    with pytest.raises(PriceNotFoundError):
        shipped.disk_tier("westeurope", "P10")  # the shipped catalog has disk prices for 3 US regions only
    api = FakeApi([httpx.Response(200, json=page) for page in westeurope_pages()], service_pages("westeurope"))
    result = refresh_catalog(regions=["westeurope"], out=catalog_file, client=api.client(), sleep=no_sleep,
                             today=date(2026, 9, 1))

    filters = {service_of(request): request.url.params["$filter"] for request in api.requests
               if "serviceName" in request.url.params.get("$filter", "")}
    assert set(filters) == {VM_SERVICE, "Storage", "SQL Database", "Azure App Service"}
    assert "productName eq 'Premium SSD Managed Disks'" in filters["Storage"]
    assert "productName eq 'SQL Database Single/Elastic Pool General Purpose - Compute Gen5'" in filters["SQL Database"]
    assert all("armRegionName eq 'westeurope'" in text for text in filters.values())
    # eastus2's real items: 14 Premium SSD (P1-P80), 14 Standard SSD (E1-E80), 11 Standard HDD (S4-S80) tiers;
    # General Purpose and Business Critical; 15 plan sizes for each of Windows and Linux.
    assert (result.disk_tiers, result.sql_tiers, result.app_service_plans, result.not_found) == (39, 2, 30, ())
    assert "39 managed-disk tiers, 2 SQL Database tiers, 30 App Service plans" in str(result)

    refreshed = load_catalog(catalog_file)
    p10 = refreshed.disk_tier("westeurope", "P10")
    assert (p10.monthly_usd, p10.zrs_monthly_usd, p10.size_gib, p10.iops) == (
        shipped.disk_tier("eastus2", "P10").monthly_usd, shipped.disk_tier("eastus2", "P10").zrs_monthly_usd,
        128, 500)
    assert refreshed.disk_tiers("westeurope") == shipped.disk_tiers("eastus2")
    gp = refreshed.sql_db_rate("westeurope", tier=SqlTier.GENERAL_PURPOSE)
    assert gp == shipped.sql_db_rate("eastus2", tier=SqlTier.GENERAL_PURPOSE)
    assert gp.vcore_hour_ahb == 0.152217 and 80 in gp.vcore_options
    assert refreshed.app_service_plans("westeurope") == shipped.app_service_plans("eastus2")
    assert "managed-disk, SQL Database and App Service" in refreshed.sources[-1]
    assert refreshed.disk_tier("centralus", "P10").monthly_usd == 19.71, "other regions are kept"

    # An assessment in westeurope now maps and prices the server's disk instead of leaving it out.
    # (2 cores / 8 GiB: the refreshed westeurope VM prices are the two pages' D2s v3 only)
    server = AssessInput(id=1, name="app-01", os_name="Ubuntu 22.04", os_family=OsFamily.LINUX, cores=2,
                         memory_mb=8192, disks=(DiskLoad(100.0),), environment=Environment.PRODUCTION,
                         power_state=PowerState.ON)
    settings = AssessSettings(as_of=date(2026, 9, 1), region="westeurope")
    before, after = (assess([server], catalog=catalog, settings=settings).assessments[0]
                     for catalog in (shipped, refreshed))
    assert any("managed-disk prices are not in the catalog for westeurope" in r for r in before.readiness_reasons)
    assert after.target is not None and after.target.sku == "Standard_D2s_v3"
    assert [disk.tier for disk in after.target.disks] == ["P10"]
    assert not any("managed-disk" in reason for reason in after.readiness_reasons)
    assert after.monthly_cost == pytest.approx(0.115 * 730 + p10.monthly_usd)


def test_a_service_the_api_has_no_prices_for_keeps_the_catalogs(catalog_file: Path) -> None:
    """eastus2 refreshed while the API answers no disk, SQL or App Service items: their old prices stay, and
    the result says so."""
    before = load_catalog(catalog_file)
    api = FakeApi([httpx.Response(200, json=page) for page in vm_pages("eastus2")])
    result = refresh_catalog(regions=["eastus2"], out=catalog_file, client=api.client(), sleep=no_sleep)
    assert result.not_found == ("managed disks in eastus2", "SQL Database in eastus2", "App Service in eastus2")
    assert "no prices in the API's answer for managed disks in eastus2" in str(result)
    after = load_catalog(catalog_file)
    assert after.disk_tiers("eastus2") == before.disk_tiers("eastus2")
    assert after.app_service_plans("eastus2") == before.app_service_plans("eastus2")
    assert after.vm_rate("Standard_D2s_v3", "eastus2").windows_payg == 0.212, "the VM prices were refreshed"


def test_a_failing_service_query_fails_the_whole_refresh(catalog_file: Path) -> None:
    before = catalog_file.read_bytes()
    services = service_pages("westeurope") | {"SQL Database": [httpx.Response(500), httpx.Response(500)]}
    api = FakeApi([httpx.Response(200, json=page) for page in westeurope_pages()], services)
    with pytest.raises(CatalogRefreshError, match=r"HTTP 500 .*the catalog dated 2026-08-15 is kept"):
        refresh_catalog(regions=["westeurope"], out=catalog_file, client=api.client(), retries=1, sleep=no_sleep)
    assert catalog_file.read_bytes() == before
