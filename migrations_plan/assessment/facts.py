"""The facts rules test and reasons quote, derived once per system from its `AssessInput`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from inventory.records import OsFamily, os_family_of
from migrations_plan.assessment.lifecycle import lookup_database, lookup_os, support_status
from migrations_plan.assessment.model import AssessInput

Facts = dict[str, Any]

# Every fact a rule reason may quote as {name}; `tags` is tested by the `tag` condition only.
FACT_NAMES: frozenset[str] = frozenset({
    "id", "name", "kind", "os_name", "os_family", "os_version", "os_arch", "os_end_of_support", "os_support",
    "db_engine", "db_version", "db_size_gb", "db_end_of_support", "db_support", "environment", "criticality",
    "power_state", "cpu_util_pct", "memory_util_pct", "util_percentile", "has_utilisation", "cores",
    "memory_gib", "storage_gb", "disk_count", "workload_type", "server_type", "application", "dependency_count",
})

_DB_ENGINE_WORDS = (
    (("sql server", "mssql", "sqlserver"), "sql server"),
    (("oracle",), "oracle"),
    (("postgres",), "postgresql"),
    (("mysql",), "mysql"),
    (("mariadb",), "mariadb"),
    (("db2",), "db2"),
    (("sybase", "adaptive server"), "sybase"),
    (("mongo",), "mongodb"),
)
_32_BIT_ARCH = frozenset({"x86", "i386", "i486", "i586", "i686", "32-bit", "32bit", "ia32"})


def normalise_db_engine(text: str | None) -> str | None:
    """One spelling per engine ("Microsoft SQL Server 2016" and "MSSQL" -> "sql server")."""
    if not text or not text.strip():
        return None
    lowered = text.strip().lower()
    for words, engine in _DB_ENGINE_WORDS:
        if any(word in lowered for word in words):
            return engine
    return lowered


def normalise_word(text: str | None) -> str | None:
    """Lower-cased, trimmed; None for blank. Rule values and facts are compared in this form."""
    if text is None:
        return None
    stripped = text.strip().lower()
    return stripped or None


def is_32_bit(os_arch: str | None, os_name: str | None) -> bool:
    """32-bit OS, from the architecture column ("x86", "i686") or the name ("... (32-bit)")."""
    if os_arch and os_arch.strip().lower() in _32_BIT_ARCH:
        return True
    return bool(os_name) and "32-bit" in (os_name or "").lower()


def os_family(system: AssessInput) -> OsFamily:
    """The input's family, or the one its OS name implies when the input left it unknown."""
    if system.os_family is not OsFamily.UNKNOWN:
        return system.os_family
    return os_family_of(system.os_name)


def storage_gb(system: AssessInput) -> float:
    if system.storage_gb is not None:
        return float(system.storage_gb)
    return float(sum(disk.size_gb for disk in system.disks))


class FactBuilder:
    """Builds facts for many systems on one date, remembering the OS and database lookups they share."""

    def __init__(self, as_of: dt.date) -> None:
        self.as_of = as_of
        self._os: dict[tuple[Any, ...], tuple[str, dt.date | None, str, str | None]] = {}
        self._db: dict[tuple[str | None, str | None], tuple[str | None, dt.date | None, str]] = {}
        self._tag_sets: dict[tuple[tuple[str, str], ...], Mapping[str, str]] = {}

    def _os_facts(self, system: AssessInput) -> tuple[str, dt.date | None, str, str | None]:
        key = (system.os_name, system.os_version, system.os_end_of_support, system.os_family, system.os_arch)
        found = self._os.get(key)
        if found is None:
            os_end = system.os_end_of_support
            if os_end is None:
                entry = lookup_os(system.os_name, system.os_version)
                os_end = entry.end_of_support if entry else None
            found = (os_family(system).value, os_end, support_status(os_end, self.as_of).value,
                     normalise_word(system.os_arch))
            self._os[key] = found
        return found

    def _db_facts(self, system: AssessInput) -> tuple[str | None, dt.date | None, str]:
        key = (system.db_engine, system.db_version)
        found = self._db.get(key)
        if found is None:
            entry = lookup_database(system.db_engine, system.db_version)
            db_end = entry.end_of_support if entry else None
            found = (normalise_db_engine(system.db_engine), db_end, support_status(db_end, self.as_of).value)
            self._db[key] = found
        return found

    def build(self, system: AssessInput) -> Facts:
        """Facts of one system (support status as of the builder's date). Text facts are lower-cased."""
        family, os_end, os_status, os_arch = self._os_facts(system)
        db_engine, db_end, db_status = self._db_facts(system)
        return {
            "id": system.id,
            "name": system.name,
            "kind": system.kind,  # str enums compare and hash as their text
            "os_name": system.os_name,
            "os_family": family,
            "os_version": system.os_version,
            "os_arch": os_arch,
            "os_end_of_support": os_end,
            "os_support": os_status,
            "db_engine": db_engine,
            "db_version": system.db_version,
            "db_size_gb": system.db_size_gb,
            "db_end_of_support": db_end,
            "db_support": db_status,
            "environment": system.environment,
            "criticality": system.criticality,
            "power_state": system.power_state,
            "cpu_util_pct": system.cpu_util_pct,
            "memory_util_pct": system.memory_util_pct,
            "util_percentile": system.util_percentile,
            "has_utilisation": system.cpu_util_pct is not None and system.memory_util_pct is not None,
            "cores": system.cores,
            "memory_gib": system.memory_mb / 1024 if system.memory_mb is not None else None,
            "storage_gb": storage_gb(system),
            "disk_count": len(system.disks),
            "workload_type": normalise_word(system.workload_type),
            "server_type": normalise_word(system.server_type),
            "application": normalise_word(system.application),
            "dependency_count": system.dependency_count,
            "tags": self._tags_of(system.tags),
        }

    def _tags_of(self, tags: Mapping[str, str]) -> Mapping[str, str]:
        """Tags with keys and values lower-cased, worked out once per distinct tag set (estates share few)."""
        if not tags:
            return {}
        key = tuple(tags.items())
        found = self._tag_sets.get(key)
        if found is None:
            found = self._tag_sets[key] = {k.strip().lower(): v.strip().lower() for k, v in key}
        return found


def build_facts(system: AssessInput, *, as_of: dt.date) -> Facts:
    """Facts of one system on date `as_of` (support status depends on it). Text facts are lower-cased."""
    return FactBuilder(as_of).build(system)


def format_fact(value: Any) -> str:
    """How a fact reads in a reason: unknown for None, 12.5 not 12.500000001, dates as ISO."""
    if value is None:
        return "unknown"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return f"{value:.2f}".rstrip("0").rstrip(".")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)
