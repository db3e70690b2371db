"""VM series as Azure Migrate names them, and the size-name series (`series_of`) each one covers.

Azure Migrate's "VM series" setting chooses among the values of its `AzureVmFamily` enum (Microsoft Learn,
https://learn.microsoft.com/javascript/api/@azure/arm-migrationassessment/azurevmfamily); by default every series
of the target region is selected ("Customize an assessment", how-to-modify-assessment). Burstable B-series are
not in that enum at all, so they are off here unless asked for (`--burstable`, or a B series named in the list).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# Azure Migrate's family (its enum value without "_series") -> the series of size names it holds, as `series_of`
# writes them (Standard_M32ms_v2 -> "Mmsv2", Standard_E4-2s_v3 -> "Esv3").
AZURE_MIGRATE_SERIES: dict[str, tuple[str, ...]] = {
    "Basic_A0_A4": ("A",), "Standard_A0_A7": ("A",), "Standard_A8_A11": ("A",), "Av2": ("Av2", "Amv2"),
    "D": ("D",), "Dv2": ("Dv2",), "DS": ("DS",), "DSv2": ("DSv2",), "F": ("F",), "Fs": ("Fs",),
    "G": ("G",), "GS": ("GS",), "H": ("H", "Hm", "Hr", "Hmr"), "Ls": ("Ls",), "Dsv3": ("Dsv3",), "Dv3": ("Dv3",),
    "Fsv2": ("Fsv2",), "Ev3": ("Ev3",), "Esv3": ("Esv3",), "M": ("M", "Mm", "Ms", "Mms", "Mts", "Mls"),
    "DC": ("DCs",), "Lsv2": ("Lsv2",), "Ev4": ("Ev4",), "Esv4": ("Esv4",), "Edv4": ("Edv4",),
    "Edsv4": ("Edsv4",), "Dv4": ("Dv4",), "Dsv4": ("Dsv4",), "Ddv4": ("Ddv4",), "Ddsv4": ("Ddsv4",),
    "Easv4": ("Easv4",), "Dasv4": ("Dasv4",), "Mv2": ("Msv2", "Mmsv2"), "Eav4": ("Eav4",), "Dav4": ("Dav4",),
    "Msv2": ("Msv2", "Mmsv2"), "Mdsv2": ("Mdsv2", "Mdmsv2"), "Dv5": ("Dv5",), "Dsv5": ("Dsv5",),
    "Ddv5": ("Ddv5",), "Ddsv5": ("Ddsv5",), "Dasv5": ("Dasv5",), "Dadsv5": ("Dadsv5",), "Ev5": ("Ev5",),
    "Esv5": ("Esv5",), "Edv5": ("Edv5",), "Edsv5": ("Edsv5",), "Easv5": ("Easv5",), "Eadsv5": ("Eadsv5",),
    "Ebsv5": ("Ebsv5",), "Ebdsv5": ("Ebdsv5",),
}
# Every series of Azure Migrate's default assessment, as size-name series (lower-cased for matching).
DEFAULT_VM_SERIES: frozenset[str] = frozenset(
    series.lower() for covered in AZURE_MIGRATE_SERIES.values() for series in covered)
# Names that mean "every burstable series" in a series list.
BURSTABLE_NAMES = frozenset({"b", "bseries", "burstable"})

_FAMILY_BY_KEY = {re.sub(r"[^a-z0-9]", "", name.lower()): name for name in AZURE_MIGRATE_SERIES}
_SUFFIX = re.compile(r"[\s_-]*series$", re.IGNORECASE)


def is_burstable(series: str) -> bool:
    """B-series (Bs, Bms, Bsv2, Basv2...): CPU credits, not a sustained core."""
    return series[:1].lower() == "b"


def series_key(name: str) -> str:
    """A series name as typed ("Dsv5_series", "dsv5 series", "DSv2") in its matching form: lower case, no suffix."""
    return _SUFFIX.sub("", name.strip()).lower()


def expand_series(names: Iterable[str]) -> tuple[frozenset[str], bool]:
    """Size-name series (lower case) that a list of Azure Migrate families or size series names covers, and
    whether it names every burstable series ("B", "B-series")."""
    covered: set[str] = set()
    all_burstable = False
    for name in names:
        key = series_key(name)
        family = _FAMILY_BY_KEY.get(re.sub(r"[^a-z0-9]", "", key))
        if family is not None:
            covered.update(series.lower() for series in AZURE_MIGRATE_SERIES[family])
        elif re.sub(r"[^a-z0-9]", "", key) in BURSTABLE_NAMES:
            all_burstable = True
        else:
            covered.add(key)
    return frozenset(covered), all_burstable


def unknown_series(names: Iterable[str], known: Iterable[str]) -> list[str]:
    """The names that are neither an Azure Migrate family, nor "B-series", nor a series of any size in `known`
    (size-name series, any case)."""
    present = {series.lower() for series in known}
    unknown = []
    for name in names:
        covered, burstable = expand_series([name])
        if burstable or re.sub(r"[^a-z0-9]", "", series_key(name)) in _FAMILY_BY_KEY:
            continue
        if not covered & present:
            unknown.append(name)
    return unknown
