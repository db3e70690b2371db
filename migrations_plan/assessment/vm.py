"""Azure VM sizes and managed-disk tiers for a requirement: the cheapest that covers it, in preferred series.

Candidate lists come from the catalog once per (OS, pool) and are answered through `FitIndex` memos, so a
large estate costs a few thousand scans, not one per system.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from migrations_plan.assessment.fit import FitIndex, NoFitError
from migrations_plan.assessment.model import AssessmentError
from migrations_plan.assessment.ports import CatalogPort
from migrations_plan.assessment.settings import OPTION_KEYS, AssessSettings
from migrations_plan.assessment.sizing import DiskNeed, Requirement
from migrations_plan.pricing.model import DiskKind, DiskTier, VmSize

_SIZE_NAME = re.compile(r"^(?:Standard_|Basic_)?([A-Z]+)\d+(?:-\d+)?([a-z]*)(?:_(v\d+))?", re.IGNORECASE)
VM_DIMENSIONS = ("vCPU", "memory GiB", "data disks", "disk IOPS", "disk MB/s", "premium storage")
DISK_DIMENSIONS = ("disk GiB", "IOPS", "MB/s")


def series_of(size_name: str) -> str:
    """The series of a size name, as Azure writes it: Standard_D4s_v5 -> "Dsv5", Standard_E8-2s_v3 -> "Esv3"."""
    match = _SIZE_NAME.match(size_name)
    if not match:
        return size_name
    letters, suffix, version = match.groups()
    return f"{letters.upper()}{suffix.lower()}{(version or '').lower()}"


def premium_capable(size: VmSize) -> bool:
    """Premium SSD support: the resource data when known, else the `s` in the size's suffix (D4s_v5)."""
    if size.premium_io is not None:
        return size.premium_io
    match = _SIZE_NAME.match(size.name)
    return match is not None and "s" in match.group(2).lower()


def _capacities(size: VmSize) -> tuple[float, ...]:
    return (
        float(size.vcpus),
        size.memory_gib,
        float(size.max_data_disks or 0),
        float(size.uncached_disk_iops or 0),
        float(size.uncached_disk_mbps or 0),
        1.0 if premium_capable(size) else 0.0,
    )


class VmNotFoundError(AssessmentError):
    """No VM size in the region covers the requirement."""


@dataclass(frozen=True, slots=True)
class VmChoice:
    size: VmSize
    monthly: float
    pool: str


class VmChooser:
    """Cheapest fitting size for a requirement in one region, pricing option and Hybrid Benefit setting."""

    def __init__(self, catalog: CatalogPort, settings: AssessSettings) -> None:
        self._catalog = catalog
        self._settings = settings
        self._preferred = {name.lower() for name in settings.family_preference}
        self._burstable = {name.lower() for name in settings.burstable_series}
        self._pools: dict[tuple[str, str], FitIndex[VmSize]] = {}
        self._complete: dict[str, frozenset[str]] = {}

    def _pool(self, os: str, pool: str) -> FitIndex[VmSize]:
        key = (os, pool)
        index = self._pools.get(key)
        if index is None:
            candidates = self._catalog.candidate_sizes(
                self._settings.region, os=os, option=self._settings.pricing, ahb=self._settings.ahb
            )
            complete = self._fully_priced(os)
            index = FitIndex(
                ((size, price, _capacities(size)) for size, price in candidates
                 if size.name in complete and self._in_pool(size, pool)),
                dimensions=VM_DIMENSIONS,
            )
            self._pools[key] = index
        return index

    def _fully_priced(self, os: str) -> frozenset[str]:
        """Sizes priced under every option key, so that all scenarios of the savings model price the same size
        (a Windows size whose Linux rate is unknown has no Hybrid Benefit price, for instance)."""
        found = self._complete.get(os)
        if found is None:
            names: set[str] | None = None
            for _, option, ahb in OPTION_KEYS:
                priced = {size.name for size, _ in self._catalog.candidate_sizes(
                    self._settings.region, os=os, option=option, ahb=ahb)}
                names = priced if names is None else names & priced
            found = frozenset(names or ())
            self._complete[os] = found
        return found

    def _in_pool(self, size: VmSize, pool: str) -> bool:
        series = series_of(size.name).lower()
        burstable = series.startswith("b")
        if pool == "preferred":
            return series in self._preferred
        if pool == "preferred+burstable":
            return series in self._preferred or series in self._burstable
        # Fallback: any x64 size except burstable ones and confidential-computing series (DC/EC).
        return not burstable and not series.startswith(("dc", "ec"))

    def choose(self, need: Requirement, *, os: str, premium: bool, burstable_ok: bool,
               min_vcpus: int = 1, min_memory_gib: float = 0.0) -> VmChoice:
        """The size to use; VmNotFoundError says which need no size meets."""
        wanted = (
            float(max(need.vcpus, min_vcpus)),
            max(need.memory_gib, min_memory_gib),
            float(need.data_disks),
            need.iops,
            need.mbps,
            1.0 if premium else 0.0,
        )
        first = "preferred+burstable" if burstable_ok else "preferred"
        problem: NoFitError | None = None
        for pool in (first, "fallback"):
            try:
                size, price = self._pool(os, pool).first_fit(wanted)
            except NoFitError as e:
                problem = e
                continue
            return VmChoice(size, price, pool)
        fallback = self._pool(os, "fallback")
        if problem is not None and problem.dimension is not None:
            raise VmNotFoundError(f"no VM size in {self._settings.region} is big enough: {problem}")
        if len(fallback) == 0:
            raise VmNotFoundError(f"no {os} VM size is priced in {self._settings.region}")
        raise VmNotFoundError(f"no single VM size in {self._settings.region} covers {need.vcpus} vCPU, "
                              f"{need.memory_gib:g} GiB, {need.data_disks} data disks, {need.iops:g} IOPS and "
                              f"{need.mbps:g} MB/s together")


class DiskTierNotFoundError(AssessmentError):
    """No managed-disk tier covers a disk (too big, or faster than any tier)."""


class DiskChooser:
    """Cheapest managed-disk tier per disk: premium SSD only for production, else standard or premium SSD."""

    def __init__(self, catalog: CatalogPort, region: str) -> None:
        self._catalog = catalog
        self._region = region
        self._pools: dict[bool, FitIndex[DiskTier]] = {}

    def _pool(self, production: bool) -> FitIndex[DiskTier]:
        index = self._pools.get(production)
        if index is None:
            kinds = {DiskKind.PREMIUM_SSD} if production else {DiskKind.PREMIUM_SSD, DiskKind.STANDARD_SSD}
            tiers = self._catalog.disk_tiers(self._region)  # raises PriceNotFoundError for unpriced regions
            index = FitIndex(
                ((tier, tier.monthly_usd, (tier.size_gib, tier.iops, tier.mbps)) for tier in tiers
                 if tier.kind in kinds),
                dimensions=DISK_DIMENSIONS,
            )
            self._pools[production] = index
        return index

    def choose(self, disk: DiskNeed, *, production: bool) -> DiskTier:
        try:
            tier, _ = self._pool(production).first_fit(disk)
        except NoFitError as e:
            raise DiskTierNotFoundError(f"no managed-disk tier fits a {disk.size_gib:g} GiB disk needing "
                                        f"{disk.iops:g} IOPS / {disk.mbps:g} MB/s: {e}") from e
        return tier

