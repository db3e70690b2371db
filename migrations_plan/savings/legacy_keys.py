"""How OS families and database engines are named in the licence tables, whatever the inventory wrote."""

from __future__ import annotations

import re
from functools import lru_cache

_NON_ALNUM = re.compile(r"[^a-z0-9]+")

# Spellings seen in inventories (Azure Migrate, RVTools notes, CMDB exports), squeezed to letters and digits.
_DB_ALIASES = {
    "mssql": "sqlserver",
    "sqlserver": "sqlserver",
    "microsoftsqlserver": "sqlserver",
    "mssqlserver": "sqlserver",
    "oracle": "oracle",
    "oracledb": "oracle",
    "oracledatabase": "oracle",
    "postgres": "postgresql",
    "postgresql": "postgresql",
    "pgsql": "postgresql",
    "mysql": "mysql",
    "mariadb": "mariadb",
    "db2": "db2",
    "ibmdb2": "db2",
    "mongodb": "mongodb",
    "mongo": "mongodb",
}

# Database engines whose licences Azure Hybrid Benefit carries to Azure.
HYBRID_BENEFIT_DB_ENGINES: frozenset[str] = frozenset({"sqlserver"})
HYBRID_BENEFIT_OS_FAMILIES: frozenset[str] = frozenset({"windows"})


# Longest first, so "mssqlserver2019" matches "mssqlserver" before "mssql".
_DB_PREFIXES = sorted(_DB_ALIASES, key=len, reverse=True)


@lru_cache(maxsize=4096)
def db_engine_key(engine: str) -> str:
    """The licence-table key of a DB engine name: "Microsoft SQL Server 2019" -> "sqlserver", "Oracle 19c" ->
    "oracle"; a name we do not know is kept, squeezed to letters and digits, and priced as `other`."""
    squeezed = _NON_ALNUM.sub("", engine.lower())
    for prefix in _DB_PREFIXES:
        if squeezed.startswith(prefix):
            return _DB_ALIASES[prefix]
    return squeezed


@lru_cache(maxsize=256)
def os_family_key(os_family: str) -> str:
    """The licence-table key of an OS family (lower case, trimmed; "" becomes "unknown")."""
    return os_family.strip().lower() or "unknown"
