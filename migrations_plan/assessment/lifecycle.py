"""End-of-support dates of common server operating systems and database engines, from their vendors.

Used when the inventory carries no `os_end_of_support`. Only dates we are sure of are listed; anything else is
"unknown", never guessed. Each date is the last day of the support phase named in `phase`; the day after it,
the product is out of support (paid extended programmes such as Microsoft ESU or Red Hat ELS are not counted).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from functools import lru_cache


class SupportStatus(StrEnum):
    """Whether the vendor still supports a product on the assessment date."""

    SUPPORTED = "supported"
    OUT_OF_SUPPORT = "out_of_support"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class LifecycleEntry:
    """One product version's end of support, with the vendor page it comes from."""

    product: str
    end_of_support: date
    phase: str
    source: str


_MS = "Microsoft Lifecycle Policy (learn.microsoft.com/lifecycle/products)"
_RH = "Red Hat Enterprise Linux Life Cycle (access.redhat.com/support/policy/updates/errata)"
_CENTOS = "CentOS Project end-of-life announcements (centos.org)"
_SUSE = "SUSE Product Support Lifecycle (suse.com/lifecycle)"
_UBUNTU = "Canonical Ubuntu release cycle (ubuntu.com/about/release-cycle)"
_ORACLE = "Oracle Lifetime Support Policy: Oracle Database"

_WINDOWS: dict[str, LifecycleEntry] = {
    "2000": LifecycleEntry("Windows 2000 Server", date(2010, 7, 13), "extended support", _MS),
    "2003": LifecycleEntry("Windows Server 2003", date(2015, 7, 14), "extended support", _MS),
    "2008": LifecycleEntry("Windows Server 2008 / 2008 R2", date(2020, 1, 14), "extended support", _MS),
    "2012": LifecycleEntry("Windows Server 2012 / 2012 R2", date(2023, 10, 10), "extended support", _MS),
    "2016": LifecycleEntry("Windows Server 2016", date(2027, 1, 12), "extended support", _MS),
    "2019": LifecycleEntry("Windows Server 2019", date(2029, 1, 9), "extended support", _MS),
    "2022": LifecycleEntry("Windows Server 2022", date(2031, 10, 14), "extended support", _MS),
}
# Desktop Windows turns up in server estates too (jump hosts, test rigs, kiosks).
_WINDOWS_CLIENT: dict[str, LifecycleEntry] = {
    "xp": LifecycleEntry("Windows XP", date(2014, 4, 8), "extended support", _MS),
    "vista": LifecycleEntry("Windows Vista", date(2017, 4, 11), "extended support", _MS),
    "7": LifecycleEntry("Windows 7", date(2020, 1, 14), "extended support", _MS),
    "8.1": LifecycleEntry("Windows 8.1", date(2023, 1, 10), "extended support", _MS),
    "10": LifecycleEntry("Windows 10", date(2025, 10, 14), "end of support", _MS),
}
_RHEL: dict[str, LifecycleEntry] = {
    "5": LifecycleEntry("Red Hat Enterprise Linux 5", date(2017, 3, 31), "maintenance support", _RH),
    "6": LifecycleEntry("Red Hat Enterprise Linux 6", date(2020, 11, 30), "maintenance support", _RH),
    "7": LifecycleEntry("Red Hat Enterprise Linux 7", date(2024, 6, 30), "maintenance support", _RH),
    "8": LifecycleEntry("Red Hat Enterprise Linux 8", date(2029, 5, 31), "maintenance support", _RH),
    "9": LifecycleEntry("Red Hat Enterprise Linux 9", date(2032, 5, 31), "maintenance support", _RH),
}
_CENTOS_LINUX: dict[str, LifecycleEntry] = {
    "6": LifecycleEntry("CentOS Linux 6", date(2020, 11, 30), "end of life", _CENTOS),
    "7": LifecycleEntry("CentOS Linux 7", date(2024, 6, 30), "end of life", _CENTOS),
    "8": LifecycleEntry("CentOS Linux 8", date(2021, 12, 31), "end of life", _CENTOS),
}
_SLES: dict[str, LifecycleEntry] = {
    "11": LifecycleEntry("SUSE Linux Enterprise Server 11", date(2019, 3, 31), "general support", _SUSE),
    "12": LifecycleEntry("SUSE Linux Enterprise Server 12", date(2024, 10, 31), "general support", _SUSE),
    "15": LifecycleEntry("SUSE Linux Enterprise Server 15", date(2031, 7, 31), "general support", _SUSE),
}
_UBUNTU_LTS: dict[str, LifecycleEntry] = {
    "14.04": LifecycleEntry("Ubuntu 14.04 LTS", date(2019, 4, 30), "standard support", _UBUNTU),
    "16.04": LifecycleEntry("Ubuntu 16.04 LTS", date(2021, 4, 30), "standard support", _UBUNTU),
    "18.04": LifecycleEntry("Ubuntu 18.04 LTS", date(2023, 5, 31), "standard support", _UBUNTU),
    "20.04": LifecycleEntry("Ubuntu 20.04 LTS", date(2025, 5, 31), "standard support", _UBUNTU),
}
_SQL_SERVER: dict[str, LifecycleEntry] = {
    "2005": LifecycleEntry("SQL Server 2005", date(2016, 4, 12), "extended support", _MS),
    "2008": LifecycleEntry("SQL Server 2008 / 2008 R2", date(2019, 7, 9), "extended support", _MS),
    "2012": LifecycleEntry("SQL Server 2012", date(2022, 7, 12), "extended support", _MS),
    "2014": LifecycleEntry("SQL Server 2014", date(2024, 7, 9), "extended support", _MS),
    "2016": LifecycleEntry("SQL Server 2016", date(2026, 7, 14), "extended support", _MS),
    "2017": LifecycleEntry("SQL Server 2017", date(2027, 10, 12), "extended support", _MS),
    "2019": LifecycleEntry("SQL Server 2019", date(2030, 1, 8), "extended support", _MS),
    "2022": LifecycleEntry("SQL Server 2022", date(2033, 1, 11), "extended support", _MS),
}
# SQL Server reports build numbers ("13.0.5026"): major version -> product year.
_SQL_SERVER_MAJOR = {"9": "2005", "10": "2008", "11": "2012", "12": "2014", "13": "2016", "14": "2017",
                     "15": "2019", "16": "2022"}
_ORACLE_DB: dict[str, LifecycleEntry] = {
    "11": LifecycleEntry("Oracle Database 11g Release 2", date(2020, 12, 31), "extended support", _ORACLE),
    "12.1": LifecycleEntry("Oracle Database 12c Release 1", date(2022, 7, 31), "extended support", _ORACLE),
    "19": LifecycleEntry("Oracle Database 19c", date(2029, 12, 31), "premier support", _ORACLE),
}

_WINDOWS_RE = re.compile(r"windows(?: server)?\s*(2000|2003|2008|2012|2016|2019|2022)")
_WINDOWS_CLIENT_RE = re.compile(r"windows\s+(xp|vista|8\.1|7|10)\b")
# VMware guest types name several versions at once ("CentOS 4/5/6/7 (64-bit)"): the newest one is kept.
_RHEL_RE = re.compile(r"(?:red hat enterprise linux|rhel)(?:\s+server)?(?:\s+release)?\s*(\d+(?:/\d+)*)")
_CENTOS_RE = re.compile(r"centos(?:\s+linux)?(?:\s+release)?\s*(\d+(?:/\d+)*)")
_SLES_RE = re.compile(r"(?:suse linux enterprise(?:\s+server)?|sles)\s*(\d+(?:/\d+)*)")
_UBUNTU_RE = re.compile(r"ubuntu(?:\s+linux)?\s*(\d\d\.\d\d)")
_SQL_YEAR_RE = re.compile(r"(2005|2008|2012|2014|2016|2017|2019|2022)")
_SQL_BUILD_RE = re.compile(r"^(\d+)\.\d+")
# "11g", "11.2.0.4" -> 11; "12c", "12.1.0.2" -> 12.1 (12.2 has other dates and is not listed); "19c" -> 19.
_ORACLE_RE = re.compile(r"^(\d+)(?:c\b|g\b|\.(\d+))?")


@lru_cache(maxsize=4096)
def lookup_os(os_name: str | None, os_version: str | None = None) -> LifecycleEntry | None:
    """The lifecycle entry of an OS named as inventories name it ("Microsoft Windows Server 2012 R2 (64-bit)",
    "Red Hat Enterprise Linux 7 (64-bit)"), or None when the table does not know it."""
    text = " ".join(part for part in (os_name, os_version) if part).lower()
    if not text:
        return None
    for pattern, table in ((_WINDOWS_RE, _WINDOWS), (_WINDOWS_CLIENT_RE, _WINDOWS_CLIENT), (_RHEL_RE, _RHEL),
                           (_CENTOS_RE, _CENTOS_LINUX), (_SLES_RE, _SLES), (_UBUNTU_RE, _UBUNTU_LTS)):
        match = pattern.search(text)
        if match:
            version = match.group(1)
            if "/" in version:
                version = str(max(int(part) for part in version.split("/")))
            return table.get(version)
    return None


@lru_cache(maxsize=1024)
def lookup_database(engine: str | None, version: str | None) -> LifecycleEntry | None:
    """The lifecycle entry of a SQL Server or Oracle Database version ("2016", "13.0.5026", "19c", "11.2"); the
    version may also be in the engine text ("Microsoft SQL Server 2014")."""
    if not engine:
        return None
    engine_text, version_text = engine.lower(), (version or "").strip().lower()
    if "sql server" in engine_text or "mssql" in engine_text:
        year = _SQL_YEAR_RE.search(f"{engine_text} {version_text}")
        if year:
            return _SQL_SERVER.get(year.group(1))
        build = _SQL_BUILD_RE.match(version_text)
        return _SQL_SERVER.get(_SQL_SERVER_MAJOR.get(build.group(1), "")) if build else None
    if "oracle" in engine_text:
        match = _ORACLE_RE.match(version_text)
        if not match:
            return None
        major, minor = match.group(1), match.group(2)
        if major == "12":
            return _ORACLE_DB["12.1"] if minor in (None, "1") else None
        return _ORACLE_DB.get(major)
    return None


def support_status(end_of_support: date | None, as_of: date) -> SupportStatus:
    """Out of support the day after the end date; unknown when there is no date."""
    if end_of_support is None:
        return SupportStatus.UNKNOWN
    return SupportStatus.OUT_OF_SUPPORT if as_of > end_of_support else SupportStatus.SUPPORTED
