"""The canonical shape of one legacy system and one dependency, whatever file they came from.

Every importer turns its rows into these records; the store writes them; planning reads them. Field names
here are also the column names of our own canonical CSV/JSON format (see docs/formats.md).
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

NonNegFloat = Annotated[float, Field(ge=0)]
Percent = Annotated[float, Field(ge=0, le=100)]


class SystemKind(StrEnum):
    SERVER = "server"
    DATABASE = "database"
    APPLICATION = "application"
    APPLIANCE = "appliance"
    STORAGE = "storage"


class Environment(StrEnum):
    PRODUCTION = "production"
    STAGING = "staging"
    TEST = "test"
    DEVELOPMENT = "development"
    DR = "dr"
    UNKNOWN = "unknown"


class Criticality(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


class PowerState(StrEnum):
    ON = "on"
    OFF = "off"
    UNKNOWN = "unknown"


class OsFamily(StrEnum):
    WINDOWS = "windows"
    LINUX = "linux"
    UNIX = "unix"
    OTHER = "other"
    UNKNOWN = "unknown"


_ENV_ALIASES = {
    "prod": Environment.PRODUCTION,
    "prd": Environment.PRODUCTION,
    "production": Environment.PRODUCTION,
    "live": Environment.PRODUCTION,
    "stage": Environment.STAGING,
    "staging": Environment.STAGING,
    "preprod": Environment.STAGING,
    "pre-production": Environment.STAGING,
    "uat": Environment.TEST,
    "qa": Environment.TEST,
    "test": Environment.TEST,
    "tst": Environment.TEST,
    "dev": Environment.DEVELOPMENT,
    "development": Environment.DEVELOPMENT,
    "sandbox": Environment.DEVELOPMENT,
    "dr": Environment.DR,
    "disaster recovery": Environment.DR,
}


def normalise_environment(text: str | None) -> Environment:
    """Map the many spellings estates use ("PRD", "uat", "Pre-Production") onto our environments."""
    if not text:
        return Environment.UNKNOWN
    return _ENV_ALIASES.get(text.strip().lower(), Environment.UNKNOWN)


def os_family_of(os_name: str | None) -> OsFamily:
    """Guess the OS family from a free-text OS name as RVTools and Azure Migrate write it."""
    if not os_name:
        return OsFamily.UNKNOWN
    name = os_name.lower()
    if "windows" in name:
        return OsFamily.WINDOWS
    # Unix first: "Oracle Solaris" must not be taken for Oracle Linux. FreeBSD is not in this list: it runs on
    # x86-64 and Azure offers it, so it is an "other" OS, not a Unix that only runs on SPARC/POWER.
    if any(word in name for word in ("solaris", "aix", "hp-ux", "unix")):
        return OsFamily.UNIX
    linux_words = ("linux", "ubuntu", "debian", "centos", "red hat", "rhel", "suse", "sles", "oracle", "rocky",
                   "alma", "fedora", "photon", "coreos")
    if any(word in name for word in linux_words):
        return OsFamily.LINUX
    return OsFamily.OTHER


class Disk(BaseModel):
    """One disk of a system; throughput in MB/s, IOPS in operations per second."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    size_gb: NonNegFloat
    used_gb: NonNegFloat | None = None
    read_iops: NonNegFloat | None = None
    write_iops: NonNegFloat | None = None
    read_mbps: NonNegFloat | None = None
    write_mbps: NonNegFloat | None = None


class CostLines(BaseModel):
    """Annual legacy run-rate lines in USD, when the inventory knows them (None = unknown, use defaults)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    hardware: NonNegFloat | None = None
    licences: NonNegFloat | None = None
    facilities: NonNegFloat | None = None
    labour: NonNegFloat | None = None
    network: NonNegFloat | None = None


COST_LINE_NAMES: tuple[str, ...] = tuple(CostLines.model_fields)


class SystemRecord(BaseModel):
    """One legacy system as imported. `external_id` is the key within its source (VM UUID, server name...)."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    external_id: str = Field(min_length=1, max_length=255)
    name: str = Field(min_length=1, max_length=255)
    kind: SystemKind = SystemKind.SERVER
    cores: int | None = Field(default=None, ge=0)
    memory_mb: NonNegFloat | None = None
    cpu_util_pct: Percent | None = None
    memory_util_pct: Percent | None = None
    # Which percentile the utilisation figures are (95 for P95); None when the source gives a single value.
    util_percentile: int | None = Field(default=None, ge=1, le=100)
    disks: tuple[Disk, ...] = ()
    storage_used_gb: NonNegFloat | None = None
    network_in_mbps: NonNegFloat | None = None
    network_out_mbps: NonNegFloat | None = None
    os_name: str | None = None
    os_version: str | None = None
    os_arch: str | None = None
    os_end_of_support: dt.date | None = None
    boot_type: str | None = None
    server_type: str | None = None
    hypervisor: str | None = None
    host: str | None = None
    cluster: str | None = None
    power_state: PowerState = PowerState.UNKNOWN
    ip_addresses: tuple[str, ...] = ()
    environment: Environment = Environment.UNKNOWN
    criticality: Criticality | None = None
    application: str | None = None
    business_unit: str | None = None
    datacenter: str | None = None
    workload_type: str | None = None
    db_engine: str | None = None
    db_version: str | None = None
    db_size_gb: NonNegFloat | None = None
    costs: CostLines = CostLines()
    tags: dict[str, str] = Field(default_factory=dict)

    @field_validator("environment", mode="before")
    @classmethod
    def _environment(cls, value: Any) -> Any:
        if isinstance(value, str) and value not in Environment.__members__.values():
            return normalise_environment(value)
        return value

    @property
    def os_family(self) -> OsFamily:
        return os_family_of(self.os_name)

    @property
    def storage_gb(self) -> float:
        return float(sum(disk.size_gb for disk in self.disks))


class DependencyRecord(BaseModel):
    """A connection from one system to another, named as the file names them (resolved by the store)."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    source: str = Field(min_length=1)
    target: str = Field(min_length=1)
    port: int | None = Field(default=None, ge=0, le=65535)
    protocol: str | None = None
    process: str | None = None
    # How many times the connection was observed (dependency exports repeat rows per time slot).
    observations: int = Field(default=1, ge=1)
