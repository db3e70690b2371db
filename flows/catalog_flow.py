"""The `catalog refresh` flow: fetch current Azure prices from the Azure Retail Prices API into the local catalog."""

from __future__ import annotations

from pathlib import Path

from prefect import flow, task
from pydantic import BaseModel, ConfigDict

from flows.parameters import CatalogParameters
from flows.run_states import refused
from flows.settings import get_settings
from migrations_plan.pricing.refresh import check_regions, refresh_catalog
from migrations_plan.pricing.store import refresh_target_path


class CatalogOutcome(BaseModel):
    """The catalog file refreshed and what the refresh said of it; the CLI and its --json read this."""

    model_config = ConfigDict(frozen=True)

    catalog: str
    message: str


@task(name="fetch-retail-prices", retries=0)
def fetch_and_write(regions: list[str], out: str) -> str:
    return str(refresh_catalog(regions=regions, out=Path(out)))


@flow(name="refresh-price-catalog")
def refresh_price_catalog(params: CatalogParameters) -> CatalogOutcome:
    """Refresh the prices of the regions asked for (VMs, managed disks, SQL Database, App Service); offline or on
    any API error the old catalog is kept, unchanged."""
    try:
        regions = list(check_regions(params.regions))
    except ValueError as e:
        return refused(f"regions: {e}")  # type: ignore[return-value]  # Prefect ends the run in a returned state
    target = str(get_settings().resolve_path(params.out)) if params.out else str(refresh_target_path())
    return CatalogOutcome(catalog=target, message=fetch_and_write(regions, target))
