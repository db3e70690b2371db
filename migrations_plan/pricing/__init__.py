"""Azure prices for planning: a shipped, dated catalog (`load_catalog`), refreshed from the Retail Prices API.

Pure code: no Prefect, no database, no Azure SDK. Only `refresh` talks to the network (through httpx).
"""

from migrations_plan.pricing.catalog import PriceCatalog
from migrations_plan.pricing.model import (
    DEFAULT_REGION,
    HOURS_PER_MONTH,
    AppServicePlan,
    CatalogFormatError,
    CatalogRefreshError,
    DiskKind,
    DiskTier,
    MonthlyCost,
    OsType,
    PriceNotFoundError,
    PricingOption,
    SqlDbRate,
    SqlTier,
    VmRate,
    VmSize,
)
from migrations_plan.pricing.store import load_catalog, write_catalog

__all__ = [
    "DEFAULT_REGION",
    "HOURS_PER_MONTH",
    "AppServicePlan",
    "CatalogFormatError",
    "CatalogRefreshError",
    "DiskKind",
    "DiskTier",
    "MonthlyCost",
    "OsType",
    "PriceCatalog",
    "PriceNotFoundError",
    "PricingOption",
    "SqlDbRate",
    "SqlTier",
    "VmRate",
    "VmSize",
    "load_catalog",
    "write_catalog",
]
