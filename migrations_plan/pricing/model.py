"""Vocabulary of the price catalog: pricing options, VM sizes and rates, disk tiers, PaaS rates, errors.

Every price is in USD; VM and App Service prices are per hour, disks and storage per month.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from inventory.errors import LumenError, NotFoundError

# Azure's retail calculator and the Azure Migrate business case both turn hourly prices into monthly ones
# with 730 hours (8,760 / 12).
HOURS_PER_MONTH = 730
# Where assessments size and price, and what `catalog refresh` fetches, unless told otherwise: the shipped
# catalog prices VMs in 44 regions but disks, Azure SQL and App Service only in centralus, eastus2 and westus2.
DEFAULT_REGION = "eastus2"
HOURS_PER_YEAR = 8760


class PricingOption(StrEnum):
    """How compute is bought: pay-as-you-go, or a 1- or 3-year reservation."""

    PAYG = "payg"
    RI1Y = "ri1y"
    RI3Y = "ri3y"

    @property
    def label(self) -> str:
        return _OPTION_LABELS[self]

    @property
    def term_hours(self) -> int:
        """Hours a reservation runs for (0 for pay-as-you-go): the Retail Prices API quotes the whole term."""
        return {
            PricingOption.PAYG: 0,
            PricingOption.RI1Y: HOURS_PER_YEAR,
            PricingOption.RI3Y: 3 * HOURS_PER_YEAR,
        }[self]


_OPTION_LABELS = {
    PricingOption.PAYG: "PAYG",
    PricingOption.RI1Y: "1-year reserved",
    PricingOption.RI3Y: "3-year reserved",
}


class OsType(StrEnum):
    """Operating system a VM or App Service plan is priced for."""

    WINDOWS = "windows"
    LINUX = "linux"


class DiskKind(StrEnum):
    PREMIUM_SSD = "premium-ssd"
    STANDARD_SSD = "standard-ssd"
    STANDARD_HDD = "standard-hdd"


class SqlTier(StrEnum):
    """Azure SQL Database vCore service tiers present in the catalog."""

    GENERAL_PURPOSE = "general-purpose"
    BUSINESS_CRITICAL = "business-critical"

    @property
    def label(self) -> str:
        return self.replace("-", " ").title()


class PriceNotFoundError(NotFoundError):
    """The catalog holds no price for what was asked; the message says what is missing and why."""


class CatalogRefreshError(LumenError):
    """A catalog refresh failed; the catalog file that was there before is left as it was."""


class CatalogFormatError(LumenError):
    """A catalog file or an API page does not have the expected shape."""


def parse_os(value: str) -> OsType:
    """Accept "windows"/"linux" in any case (or an `OsType`); anything else is a caller's mistake."""
    try:
        return OsType(value.lower())
    except ValueError as e:
        raise ValueError(f"unknown operating system {value!r}: expected 'windows' or 'linux'") from e


@dataclass(frozen=True, slots=True)
class VmSize:
    """Specification of one Azure VM size. `vcpus` counts the vCPUs a workload can use (constrained-core
    sizes such as E8-2s_v3 count their 2 active cores, not the parent's 8). None = not in the source data."""

    name: str
    family: str
    vcpus: int
    memory_gib: float
    cpu_arch: str
    max_data_disks: int | None = None
    uncached_disk_iops: int | None = None
    uncached_disk_mbps: int | None = None
    premium_io: bool | None = None


@dataclass(frozen=True, slots=True)
class VmRate:
    """Hourly USD prices of one size in one region; None = unknown. `ri_estimated` is True when the
    reserved figures are derived from pay-as-you-go with the catalog's observed RI/PAYG ratios."""

    size: str
    region: str
    linux_payg: float | None
    windows_payg: float | None
    linux_ri1y: float | None
    linux_ri3y: float | None
    windows_ri1y: float | None
    windows_ri3y: float | None
    ri_estimated: bool


@dataclass(frozen=True, slots=True)
class DiskTier:
    """One managed-disk tier in one region: Microsoft's published base performance and the LRS monthly
    price of one disk (ZRS when the region sells it)."""

    name: str
    kind: DiskKind
    size_gib: int
    iops: int
    mbps: int
    monthly_usd: float
    zrs_monthly_usd: float | None = None


@dataclass(frozen=True, slots=True)
class SqlDbRate:
    """Azure SQL Database (single database, vCore, Gen5) prices in one region. The compute meter is the
    Azure Hybrid Benefit price: it excludes the SQL Server licence."""

    tier: SqlTier
    vcore_hour_ahb: float
    storage_gb_month: float
    vcore_options: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class AppServicePlan:
    """One App Service plan size in one region, price per instance-hour."""

    name: str
    os: OsType
    vcpus: int
    memory_gib: float
    hourly: float

    @property
    def monthly(self) -> float:
        return self.hourly * HOURS_PER_MONTH


@dataclass(frozen=True, slots=True)
class MonthlyCost:
    """A monthly price and the sentence explaining it; `estimated` flags figures not from a price list."""

    amount: float
    estimated: bool
    basis: str


def format_rate(value: float) -> str:
    """Prices in basis sentences: at most 4 decimals, no trailing zeros (0.376, 0.1185, 13.338)."""
    text = f"{value:.4f}".rstrip("0").rstrip(".")
    return text or "0"
