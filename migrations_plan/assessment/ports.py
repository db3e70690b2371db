"""The one port the assessment depends on: the price catalog (`migrations_plan.pricing.PriceCatalog` fits it)."""

from __future__ import annotations

from datetime import date
from typing import Protocol

from migrations_plan.pricing.model import (
    AppServicePlan,
    DiskTier,
    MonthlyCost,
    PricingOption,
    SqlDbRate,
    SqlTier,
    VmSize,
)


class CatalogPort(Protocol):
    """Prices and sizes by region; every lookup raises `PriceNotFoundError` when the catalog lacks the price."""

    @property
    def as_of(self) -> date: ...

    def candidate_sizes(
        self, region: str, *, os: str, option: PricingOption = ..., ahb: bool = ...
    ) -> tuple[tuple[VmSize, float], ...]:
        """x64 sizes priced for this OS and option with their monthly price, cheapest first."""
        ...

    def vm_monthly(
        self, size: str, region: str, *, os: str, option: PricingOption = ..., ahb: bool = ...
    ) -> MonthlyCost: ...

    def disk_tiers(self, region: str) -> tuple[DiskTier, ...]: ...

    def sql_db_rate(self, region: str, *, tier: SqlTier | str) -> SqlDbRate: ...

    def sql_db_monthly(
        self, region: str, *, tier: SqlTier | str, vcores: int, storage_gb: float, licence_included: bool
    ) -> MonthlyCost: ...

    def app_service_plans(self, region: str) -> tuple[AppServicePlan, ...]: ...
