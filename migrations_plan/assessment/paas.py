"""Platform targets: Azure SQL Database / Managed Instance / SQL Server on a VM, and App Service plans.

SQL limits are Microsoft Learn's vCore resource-limit pages (single database Gen5: up to 4 TB data and 5.1 GB
memory per vCore; Managed Instance General Purpose: up to 16 TB, 4..80 vCores) and its feature comparison of
SQL Database and Managed Instance (instance-scoped features: SQL Agent, CLR, cross-database queries, linked
servers, Service Broker, Database Mail, distributed transactions; none of them: FILESTREAM/FileTable,
SSRS/SSAS on the same server).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from enum import StrEnum

from migrations_plan.assessment.facts import Facts
from migrations_plan.assessment.fit import FitIndex, NoFitError
from migrations_plan.assessment.model import AssessmentError, TargetService
from migrations_plan.assessment.sizing import Requirement
from migrations_plan.pricing.model import AppServicePlan, OsType, SqlTier

SQL_DB_MAX_GB = 4096.0
SQL_MI_MAX_GB = 16384.0
SQL_MAX_VCORES = 80
SQL_GB_MEMORY_PER_VCORE = 5.1
SQL_DB_MIN_VCORES = 2
SQL_MI_VCORES = (4, 8, 16, 24, 32, 40, 64, 80)
# Used to size when the catalog has no SQL Database rate for the region (the offer is the same everywhere).
SQL_DB_VCORES = (2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 24, 32, 40, 80)
# Smallest database priced when the inventory knows no database or disk size.
SQL_MIN_STORAGE_GB = 32.0
SQL_FEATURES_TAG = "sql_features"

_NEEDS_INSTANCE = frozenset({
    "agent", "sql-agent", "clr", "cross-database", "cross-db", "linked-server", "linked-servers",
    "service-broker", "database-mail", "dbmail", "msdtc", "distributed-transactions",
})
_NEEDS_SERVER = frozenset({
    "filestream", "filetable", "ssrs", "reporting-services", "ssas", "analysis-services",
})


class SqlKind(StrEnum):
    DATABASE = "database"
    MANAGED_INSTANCE = "managed-instance"
    VM = "vm"


@dataclass(frozen=True, slots=True)
class SqlChoice:
    """Where a SQL Server database goes and why; vCores and tier are None for SQL Server on a VM."""

    kind: SqlKind
    service: TargetService
    tier: SqlTier | None
    vcores: int | None
    storage_gb: float
    why: str

    @property
    def sku(self) -> str | None:
        if self.tier is None or self.vcores is None:
            return None
        prefix = "GP" if self.tier is SqlTier.GENERAL_PURPOSE else "BC"
        return f"{prefix}_Gen5_{self.vcores}"


def sql_features(facts: Facts) -> frozenset[str]:
    """Features named in the `sql_features` tag ("agent, CLR; linked servers" -> agent, clr, linked-servers)."""
    text = facts["tags"].get(SQL_FEATURES_TAG, "")
    return frozenset(re.sub(r"[\s_]+", "-", part.strip()) for part in re.split(r"[,;]", text) if part.strip())


def _next_option(options: tuple[int, ...], wanted: int) -> int | None:
    return next((option for option in sorted(options) if option >= wanted), None)


def choose_sql(need: Requirement, facts: Facts, *, production: bool, vcore_options: tuple[int, ...],
               force_instance: bool = False) -> SqlChoice:
    """Azure SQL Database when the database fits it, Managed Instance for instance features or size, else a VM."""
    size = facts["db_size_gb"] or facts["storage_gb"] or SQL_MIN_STORAGE_GB
    storage = float(math.ceil(max(size, 1.0)))
    vcores_needed = max(need.vcpus, math.ceil(need.memory_gib / SQL_GB_MEMORY_PER_VCORE - 1e-9), SQL_DB_MIN_VCORES)
    features = sql_features(facts)
    critical = production and facts["criticality"] == "critical"
    tier = SqlTier.BUSINESS_CRITICAL if critical else SqlTier.GENERAL_PURPOSE
    server_only = sorted(features & _NEEDS_SERVER)
    if server_only:
        return SqlChoice(SqlKind.VM, TargetService.VM, None, None, storage,
                         f"uses {', '.join(server_only)}: neither Azure SQL Database nor Managed Instance has it, "
                         "so SQL Server on an Azure VM")
    instance_only = sorted(features & _NEEDS_INSTANCE)
    db_vcores = _next_option(vcore_options, vcores_needed)
    if not force_instance and not instance_only and storage <= SQL_DB_MAX_GB and db_vcores is not None:
        return SqlChoice(SqlKind.DATABASE, TargetService.SQL_DB, tier, db_vcores, storage,
                         f"fits Azure SQL Database {tier.label} ({db_vcores} vCores for {need.vcpus} vCPU / "
                         f"{need.memory_gib:g} GiB, {storage:g} GB <= {SQL_DB_MAX_GB:g} GB)")
    mi_vcores = _next_option(SQL_MI_VCORES, vcores_needed)
    if storage <= SQL_MI_MAX_GB and mi_vcores is not None:
        if force_instance:
            why = "the rule asks for SQL Managed Instance"
        elif instance_only:
            why = f"uses instance features ({', '.join(instance_only)}) that Azure SQL Database lacks"
        elif storage > SQL_DB_MAX_GB:
            why = f"{storage:g} GB is over Azure SQL Database's {SQL_DB_MAX_GB:g} GB"
        else:
            why = f"needs more than Azure SQL Database's {max(vcore_options)} vCores"
        return SqlChoice(SqlKind.MANAGED_INSTANCE, TargetService.SQL_MI, tier, mi_vcores, storage,
                         f"{why}: SQL Managed Instance {tier.label}, {mi_vcores} vCores")
    return SqlChoice(SqlKind.VM, TargetService.VM, None, None, storage,
                     f"{storage:g} GB / {vcores_needed} vCores is beyond SQL Managed Instance "
                     f"({SQL_MI_MAX_GB:g} GB, {SQL_MAX_VCORES} vCores): SQL Server on an Azure VM")


class AppServiceNotFoundError(AssessmentError):
    """No App Service plan covers the requirement (or none is priced in the region)."""


class AppServiceChooser:
    """Cheapest App Service plan covering vCPU and memory; production gets Premium v3 plans only."""

    def __init__(self, plans: tuple[AppServicePlan, ...]) -> None:
        self._plans = plans
        self._pools: dict[tuple[OsType, bool], FitIndex[AppServicePlan]] = {}

    def choose(self, need: Requirement, *, os: OsType, production: bool) -> AppServicePlan:
        key = (os, production)
        index = self._pools.get(key)
        if index is None:
            index = FitIndex(
                ((plan, plan.monthly, (plan.vcpus, plan.memory_gib)) for plan in self._plans
                 if plan.os is os and (not production or plan.name.upper().startswith("P"))),
                dimensions=("vCPU", "memory GiB"),
            )
            self._pools[key] = index
        if len(index) == 0:
            raise AppServiceNotFoundError(f"no {os} App Service plan is priced here")
        try:
            plan, _ = index.first_fit((float(need.vcpus), need.memory_gib))
        except NoFitError as e:
            raise AppServiceNotFoundError(f"no App Service plan is big enough: {e}") from e
        return plan
