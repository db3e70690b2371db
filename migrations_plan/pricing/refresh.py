"""`catalog refresh`: fetch current Azure prices (VMs, managed disks, SQL Database, App Service) from the Azure
Retail Prices API and write a new catalog file.

The only module of the package that does IO over the network. All or nothing: any HTTP error, or an answer
that does not look right, raises `CatalogRefreshError` and leaves the existing file untouched.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path

import httpx

from migrations_plan.pricing.catalog import PriceCatalog
from migrations_plan.pricing.model import (
    AppServicePlan,
    CatalogFormatError,
    CatalogRefreshError,
    DiskTier,
    SqlDbRate,
    SqlTier,
)
from migrations_plan.pricing.retail_api import RetailPrice, VmFeed, collect_vm_prices, parse_retail_page
from migrations_plan.pricing.service_prices import (
    APP_SERVICE_SERVICE,
    DISK_PRODUCTS,
    SQL_PRODUCTS,
    app_service_plans,
    disk_tiers,
    sql_rates,
)
from migrations_plan.pricing.store import load_catalog, write_catalog
from migrations_plan.pricing.vm_prices import reconcile_payg

RETAIL_PRICES_URL = "https://prices.azure.com/api/retail/prices"
MAX_PAGES_PER_REGION = 1000
_REGION = re.compile(r"^[a-z0-9]+$")
_TRANSIENT = {429, 500, 502, 503, 504}


@dataclass(frozen=True, slots=True)
class ServiceFeed:
    """The managed-disk, SQL Database and App Service prices of one region picked from the API's answers."""

    disks: tuple[DiskTier, ...]
    sql_db: dict[SqlTier, SqlDbRate]
    app_service: tuple[AppServicePlan, ...]


@dataclass(frozen=True, slots=True)
class RefreshResult:
    """What a refresh wrote: where, the new and the previous date, how many prices it fetched, and which
    services the API had no prices for in a region (their old prices, if any, were kept)."""

    path: Path
    as_of: date
    previous_as_of: date
    regions: tuple[str, ...]
    payg_prices: int
    reserved_sizes: int
    pages: int
    disk_tiers: int = 0
    sql_tiers: int = 0
    app_service_plans: int = 0
    not_found: tuple[str, ...] = ()

    def __str__(self) -> str:
        text = (
            f"price catalog {self.path} refreshed for {', '.join(self.regions)}: "
            f"{self.payg_prices} VM prices, {self.reserved_sizes} sizes with reservations, "
            f"{self.disk_tiers} managed-disk tiers, {self.sql_tiers} SQL Database tiers, "
            f"{self.app_service_plans} App Service plans, {self.pages} API pages; "
            f"dated {self.as_of} (was {self.previous_as_of})"
        )
        if self.not_found:
            text += f"; no prices in the API's answer for {', '.join(self.not_found)}: the catalog's were kept"
        return text


def refresh_catalog(
    *,
    regions: Sequence[str],
    out: Path,
    client: httpx.Client | None = None,
    timeout: float = 30.0,
    retries: int = 3,
    sleep: Callable[[float], None] = time.sleep,
    today: date | None = None,
) -> RefreshResult:
    """Replace the prices of `regions` (VMs, managed disks, SQL Database, App Service) with the API's current
    ones and write the catalog to `out`.

    The catalog refreshed is the one at `out` when it exists, else the default one (`load_catalog()`); its
    sizes and the other regions are carried over, and so is a service the API has no prices for in a
    refreshed region (the result names it). A region without VM prices fails the refresh. Transient answers
    (429, 5xx) are retried `retries` times, waiting as the API's Retry-After says (at most 30 s).
    """
    wanted = check_regions(regions)
    current = _current_catalog(out)
    kept = f"the catalog dated {current.as_of} is kept"
    owned = client is None
    http = client or httpx.Client(timeout=timeout)
    try:
        feeds: dict[str, VmFeed] = {}
        services: dict[str, ServiceFeed] = {}
        pages = 0

        def fetch(region: str, query: str) -> list[RetailPrice]:
            nonlocal pages
            items = []
            for page_items in _pages(http, region, query, retries=retries, sleep=sleep):
                pages += 1
                items.extend(page_items)
            return items

        for region in wanted:
            feeds[region] = collect_vm_prices(fetch(region, vm_filter(region)), region=region, sizes=current.sizes)
            if not feeds[region].linux and not feeds[region].windows:
                raise CatalogRefreshError(
                    f"the Azure Retail Prices API returned no VM prices for region {region!r} "
                    f"(is the name right?); {kept}"
                )
            services[region] = ServiceFeed(
                disks=disk_tiers(fetch(region, disk_filter(region))).get(region, ()),
                sql_db=sql_rates(fetch(region, sql_filter(region))).get(region, {}),
                app_service=app_service_plans(fetch(region, app_service_filter(region))).get(region, ()),
            )
    except httpx.HTTPError as e:
        raise CatalogRefreshError(f"cannot reach the Azure Retail Prices API ({_describe(e)}); {kept}") from e
    except (CatalogFormatError, ValueError) as e:
        raise CatalogRefreshError(f"unexpected answer from the Azure Retail Prices API ({e}); {kept}") from e
    finally:
        if owned:
            http.close()

    fetched_on = today or datetime.now(UTC).date()
    refreshed, not_found = _merge(current, feeds, services, fetched_on)
    as_of = refreshed.as_of
    try:
        write_catalog(refreshed, out)
    except OSError as e:
        raise CatalogRefreshError(f"cannot write {out} ({e.strerror}); {kept}") from e
    return RefreshResult(
        path=out,
        as_of=as_of,
        previous_as_of=current.as_of,
        regions=wanted,
        payg_prices=sum(len(feed.linux) + len(feed.windows) for feed in feeds.values()),
        reserved_sizes=sum(len(feed.reserved) for feed in feeds.values()),
        pages=pages,
        disk_tiers=sum(len(feed.disks) for feed in services.values()),
        sql_tiers=sum(len(feed.sql_db) for feed in services.values()),
        app_service_plans=sum(len(feed.app_service) for feed in services.values()),
        not_found=tuple(not_found),
    )


def vm_filter(region: str) -> str:
    """The OData $filter for the standard VM prices (PAYG and reservations) of one region."""
    return (
        f"serviceName eq 'Virtual Machines' and armRegionName eq '{region}' "
        "and (priceType eq 'Consumption' or priceType eq 'Reservation')"
    )


def _any_product(products: Sequence[str]) -> str:
    return "(" + " or ".join(f"productName eq '{product}'" for product in products) + ")"


def disk_filter(region: str) -> str:
    """The $filter for the managed-disk prices (Premium SSD, Standard SSD, Standard HDD) of one region."""
    return (f"serviceName eq 'Storage' and armRegionName eq '{region}' and priceType eq 'Consumption' "
            f"and {_any_product(DISK_PRODUCTS)}")


def sql_filter(region: str) -> str:
    """The $filter for the Azure SQL Database vCore (Gen5) compute and storage prices of one region."""
    return (f"serviceName eq 'SQL Database' and armRegionName eq '{region}' and priceType eq 'Consumption' "
            f"and {_any_product(SQL_PRODUCTS)}")


def app_service_filter(region: str) -> str:
    """The $filter for the App Service plan prices of one region."""
    return (f"serviceName eq '{APP_SERVICE_SERVICE}' and armRegionName eq '{region}' "
            "and priceType eq 'Consumption'")


def check_regions(regions: Sequence[str]) -> tuple[str, ...]:
    wanted = tuple(dict.fromkeys(region.strip().lower() for region in regions))
    if not wanted:
        raise ValueError("name at least one region to refresh")
    bad = [region for region in wanted if not _REGION.match(region)]
    if bad:
        raise ValueError(
            f"not Azure region names: {', '.join(map(repr, bad))} (expected e.g. 'eastus', 'westeurope')"
        )
    return wanted


def _current_catalog(out: Path) -> PriceCatalog:
    if out.exists():
        try:
            return load_catalog(out)
        except CatalogFormatError:
            pass  # an unreadable file at `out` is replaced from the default catalog
    return load_catalog()


def _pages(
    http: httpx.Client, region: str, query: str, *, retries: int, sleep: Callable[[float], None]
) -> Iterator[list[RetailPrice]]:
    url: str | None = RETAIL_PRICES_URL
    params: dict[str, str] | None = {"currencyCode": "'USD'", "$filter": query}
    seen: set[str] = set()
    while url is not None:
        if len(seen) >= MAX_PAGES_PER_REGION or url in seen:
            raise CatalogFormatError(f"paging for {region} does not end (page {len(seen) + 1}: {url})")
        seen.add(url)
        response = _get(http, url, params, retries=retries, sleep=sleep)
        try:
            payload = response.json()
        except ValueError as e:
            raise CatalogFormatError(f"page {len(seen)} for {region} is not JSON") from e
        items, url = parse_retail_page(payload)
        params = None  # NextPageLink carries the query
        yield items


def _get(
    http: httpx.Client,
    url: str,
    params: dict[str, str] | None,
    *,
    retries: int,
    sleep: Callable[[float], None],
) -> httpx.Response:
    for attempt in range(retries + 1):
        response = http.get(url, params=params)
        if response.status_code not in _TRANSIENT or attempt == retries:
            response.raise_for_status()
            return response
        sleep(_retry_after(response, attempt))
    raise AssertionError("unreachable")  # pragma: no cover


def _retry_after(response: httpx.Response, attempt: int) -> float:
    try:
        return min(30.0, max(0.0, float(response.headers.get("Retry-After", ""))))
    except ValueError:
        return min(30.0, 2.0**attempt)


def _describe(error: httpx.HTTPError) -> str:
    if isinstance(error, httpx.HTTPStatusError):
        return f"HTTP {error.response.status_code} from {error.request.url.host}"
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__


def _merge(current: PriceCatalog, feeds: dict[str, VmFeed], services: dict[str, ServiceFeed],
           fetched_on: date) -> tuple[PriceCatalog, list[str]]:
    """The current catalog with the refreshed regions' prices replaced. A service the API had no prices for
    in a region keeps the catalog's (if any); it is named in the list returned."""
    vm_prices = dict(current.vm_prices)
    reserved = {region: dict(by_size) for region, by_size in current.reserved.items()}
    disks, sql_db, app_service = dict(current.disks), dict(current.sql_db), dict(current.app_service)
    sizes: Collection[str] = current.sizes
    not_found: list[str] = []
    for region, feed in feeds.items():
        vm_prices[region] = reconcile_payg(linux=feed.linux, windows=feed.windows, sizes=sizes)
        reserved[region] = dict(feed.reserved)
        service = services[region]
        if service.disks:
            disks[region] = service.disks
        if service.sql_db:
            sql_db[region] = service.sql_db
        if service.app_service:
            app_service[region] = service.app_service
        not_found += [f"{label} in {region}" for label, found in (
            ("managed disks", service.disks), ("SQL Database", service.sql_db), ("App Service", service.app_service))
            if not found]
    note = (
        f"Azure Retail Prices API ({RETAIL_PRICES_URL}), VM Consumption and Reservation prices, managed-disk, "
        f"SQL Database and App Service Consumption prices for {', '.join(sorted(feeds))}, fetched {fetched_on}"
    )
    refreshed = replace(
        current,
        as_of=max(fetched_on, current.as_of),
        sources=(*current.sources, note),
        vm_prices=vm_prices,
        reserved=reserved,
        disks=disks,
        sql_db=sql_db,
        app_service=app_service,
    )
    return refreshed, not_found
