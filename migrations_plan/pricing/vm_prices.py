"""Cleaning rules for VM price feeds, shared by the catalog builder and `catalog refresh`.

The rules come from what is known to be wrong in the public feeds (see docs/pricing.md): zero prices,
promotional sizes, and Linux prices that are really the "Cloud Services" meter (equal to the Windows price).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

_CONSTRAINED = re.compile(r"^Standard_[A-Za-z]+\d+-(\d+)")


@dataclass(frozen=True, slots=True)
class RegionVmPrices:
    """Trusted pay-as-you-go hourly prices of one region, by size name. `linux_suspect` names the sizes
    whose Linux price was dropped because it could be a Cloud Services meter."""

    linux: Mapping[str, float]
    windows: Mapping[str, float]
    linux_suspect: frozenset[str] = field(default_factory=frozenset)


def active_vcpus(name: str, vcpus: int) -> int:
    """vCPUs a workload can use: the active count of a constrained-core size (E8-2s_v3 -> 2), else `vcpus`.

    The resource SKU data reports the parent size's count for these sizes; counting cores the VM does not
    run would let sizing place an 8-core workload on 2 cores.
    """
    match = _CONSTRAINED.match(name)
    return int(match.group(1)) if match else vcpus


def is_priceable_size(name: str) -> bool:
    """Promotional (`*_Promo`) sizes are retired price points of other sizes; they are never offered."""
    return not name.endswith("_Promo")


def linux_polluted(linux: float, windows: float) -> bool:
    """A Linux price at or above the Windows price of the same size is not a Linux price: Windows is
    Linux plus a licence. The feed's Cloud Services meters show up this way (equal, or 0.001 above)."""
    return linux >= windows


def suspect_families(
    regions: Iterable[tuple[Mapping[str, float], Mapping[str, float]]], family_of: Mapping[str, str]
) -> frozenset[str]:
    """Families in which some (linux, windows) region pair shows a polluted Linux price."""
    families: set[str] = set()
    for linux, windows in regions:
        for size, linux_price in linux.items():
            windows_price = windows.get(size)
            if windows_price and windows_price > 0 and linux_polluted(linux_price, windows_price):
                families.add(family_of.get(size, ""))
    families.discard("")
    return frozenset(families)


def reconcile_payg(
    *,
    linux: Mapping[str, float],
    windows: Mapping[str, float],
    sizes: Iterable[str],
    family_of: Mapping[str, str] | None = None,
    suspect: frozenset[str] = frozenset(),
) -> RegionVmPrices:
    """Keep the prices of `sizes` that can be trusted.

    Drops zero or negative prices and promotional sizes; drops a Linux price that is polluted, and a Linux
    price that cannot be checked (no Windows price) when its family is in `suspect`.
    """
    families = family_of or {}
    kept_linux: dict[str, float] = {}
    kept_windows: dict[str, float] = {}
    dropped: set[str] = set()
    for size in sizes:
        if not is_priceable_size(size):
            continue
        windows_price = windows.get(size)
        if windows_price is not None and windows_price > 0:
            kept_windows[size] = windows_price
        else:
            windows_price = None
        linux_price = linux.get(size)
        if linux_price is None or linux_price <= 0:
            continue
        if windows_price is not None and linux_polluted(linux_price, windows_price):
            dropped.add(size)
        elif windows_price is None and families.get(size) in suspect:
            dropped.add(size)
        else:
            kept_linux[size] = linux_price
    return RegionVmPrices(linux=kept_linux, windows=kept_windows, linux_suspect=frozenset(dropped))
