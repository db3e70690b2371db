"""`catalog refresh`: fetch current VM prices from the Azure Retail Prices API and write a new catalog file.

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
from typing import Any

import httpx

from migrations_plan.pricing.catalog import PriceCatalog
from migrations_plan.pricing.model import CatalogFormatError, CatalogRefreshError
from migrations_plan.pricing.retail_api import VmFeed, collect_vm_prices, parse_retail_page
from migrations_plan.pricing.store import load_catalog, write_catalog
from migrations_plan.pricing.vm_prices import reconcile_payg

RETAIL_PRICES_URL = "https://prices.azure.com/api/retail/prices"
MAX_PAGES_PER_REGION = 1000
_REGION = re.compile(r"^[a-z0-9]+$")
_TRANSIENT = {429, 500, 502, 503, 504}


@dataclass(frozen=True, slots=True)
class RefreshResult:
    """What a refresh wrote: where, the new and the previous date, and how many prices it fetched."""

    path: Path
    as_of: date
    previous_as_of: date
    regions: tuple[str, ...]
    payg_prices: int
    reserved_sizes: int
    pages: int

    def __str__(self) -> str:
        return (
            f"price catalog {self.path} refreshed for {', '.join(self.regions)}: "
            f"{self.payg_prices} VM prices, {self.reserved_sizes} sizes with reservations, "
            f"{self.pages} API pages; dated {self.as_of} (was {self.previous_as_of})"
        )


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
    """Replace the VM prices of `regions` with the API's current ones and write the catalog to `out`.

    The catalog refreshed is the one at `out` when it exists, else the default one (`load_catalog()`); its
    sizes, disks, SQL and App Service prices, and the other regions are carried over. Transient answers
    (429, 5xx) are retried `retries` times, waiting as the API's Retry-After says (at most 30 s).
    """
    wanted = check_regions(regions)
    current = _current_catalog(out)
    kept = f"the catalog dated {current.as_of} is kept"
    owned = client is None
    http = client or httpx.Client(timeout=timeout)
    try:
        feeds: dict[str, VmFeed] = {}
        pages = 0
        for region in wanted:
            items = []
            for page_items in _pages(http, region, retries=retries, sleep=sleep):
                pages += 1
                items.extend(page_items)
            feeds[region] = collect_vm_prices(items, region=region, sizes=current.sizes)
            if not feeds[region].linux and not feeds[region].windows:
                raise CatalogRefreshError(
                    f"the Azure Retail Prices API returned no VM prices for region {region!r} "
                    f"(is the name right?); {kept}"
                )
    except httpx.HTTPError as e:
        raise CatalogRefreshError(f"cannot reach the Azure Retail Prices API ({_describe(e)}); {kept}") from e
    except (CatalogFormatError, ValueError) as e:
        raise CatalogRefreshError(f"unexpected answer from the Azure Retail Prices API ({e}); {kept}") from e
    finally:
        if owned:
            http.close()

    fetched_on = today or datetime.now(UTC).date()
    refreshed = _merge(current, feeds, fetched_on)
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
    )


def vm_filter(region: str) -> str:
    """The OData $filter for the standard VM prices (PAYG and reservations) of one region."""
    return (
        f"serviceName eq 'Virtual Machines' and armRegionName eq '{region}' "
        "and (priceType eq 'Consumption' or priceType eq 'Reservation')"
    )


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
    http: httpx.Client, region: str, *, retries: int, sleep: Callable[[float], None]
) -> Iterator[list[Any]]:
    url: str | None = RETAIL_PRICES_URL
    params: dict[str, str] | None = {"currencyCode": "'USD'", "$filter": vm_filter(region)}
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


def _merge(current: PriceCatalog, feeds: dict[str, VmFeed], fetched_on: date) -> PriceCatalog:
    vm_prices = dict(current.vm_prices)
    reserved = {region: dict(by_size) for region, by_size in current.reserved.items()}
    sizes: Collection[str] = current.sizes
    for region, feed in feeds.items():
        vm_prices[region] = reconcile_payg(linux=feed.linux, windows=feed.windows, sizes=sizes)
        reserved[region] = dict(feed.reserved)
    note = (
        f"Azure Retail Prices API ({RETAIL_PRICES_URL}), VM Consumption and Reservation prices for "
        f"{', '.join(sorted(feeds))}, fetched {fetched_on}"
    )
    return replace(
        current,
        as_of=max(fetched_on, current.as_of),
        sources=(*current.sources, note),
        vm_prices=vm_prices,
        reserved=reserved,
    )
