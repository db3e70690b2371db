"""Azure VM sizes and managed-disk tiers for a requirement: the cheapest that covers it, in the included series.

Candidate lists come from the catalog once per (OS, pool) and are answered through `FitIndex` memos, so a
large estate costs a few thousand scans, not one per system. Each choice says why: the needs that decided it
("memory 7.2 GiB -> 8 GiB") and the nearest cheaper sizes it passed over, with the reason for each.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass
from typing import NamedTuple

from migrations_plan.assessment.fit import Fit, FitIndex, NoFitError
from migrations_plan.assessment.model import AssessmentError
from migrations_plan.assessment.ports import CatalogPort
from migrations_plan.assessment.series import is_burstable, unknown_series
from migrations_plan.assessment.settings import AssessSettings
from migrations_plan.assessment.sizing import DiskNeed, Requirement
from migrations_plan.pricing.model import DiskKind, DiskTier, VmSize

_SIZE_NAME = re.compile(r"^(?:Standard_|Basic_)?([A-Z]+)\d+(?:-\d+)?([a-z]*)(?:_\d+)?(?:_(v\d+))?", re.IGNORECASE)
VM_DIMENSIONS = ("vCPU", "memory GiB", "data disks", "disk IOPS", "disk MB/s", "premium storage")
DISK_DIMENSIONS = ("disk GiB", "IOPS", "MB/s")
# Cheaper sizes named per choice, and how far below the chosen one to look for sizes the series leave out.
REJECTED_SHOWN = 3
_REJECTED_SCAN = 60
# Why a production system gets no burstable size (its `burstable_why`).
PRODUCTION_SYSTEM = "production system"


def series_of(size_name: str) -> str:
    """The series of a size name, as Azure writes it: Standard_D4s_v5 -> "Dsv5", Standard_E8-2s_v3 -> "Esv3",
    Standard_M416s_8_v2 -> "Msv2"."""
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


class VmChoice(NamedTuple):
    """The size to use, its monthly compute price under the settings' option, and why it and not a cheaper one.
    (A tuple: one is made per system.)"""

    size: VmSize
    monthly: float
    reason: str
    rejected: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class _Candidate:
    size: VmSize
    monthly: float
    capacities: tuple[float, ...]
    series: str


class VmChooser:
    """Cheapest fitting size for a requirement in one region, pricing option and Hybrid Benefit setting, among the
    settings' VM series (Azure Migrate's default list unless narrowed; burstable B-series only when included)."""

    def __init__(self, catalog: CatalogPort, settings: AssessSettings) -> None:
        self._catalog = catalog
        self._settings = settings
        self._included, self._all_burstable = settings.included_series()
        self._pools: dict[tuple[str, bool], FitIndex[_Candidate]] = {}
        self._ranked: dict[str, tuple[list[_Candidate], list[float]]] = {}
        self._excluded: dict[tuple[str, str, str], tuple[tuple[float, str], ...]] = {}
        self._templates: dict[tuple[str, str, Fit], _Why] = {}

    def check_series(self) -> None:
        """Series named in the settings must exist in the region's priced sizes (Azure Migrate families pass)."""
        if not self._settings.vm_series:
            return
        known = {candidate.series for os in ("linux", "windows") for candidate in self._candidates(os)[0]}
        unknown = unknown_series(self._settings.vm_series, known)
        if unknown:
            raise AssessmentError(f"VM series {', '.join(repr(name) for name in unknown)}: no size of that series is "
                                  f"priced in {self._settings.region}; name Azure Migrate families (Dsv5, Esv5, Fsv2, "
                                  "Mv2...) or series of size names (Dlsv5, Bsv2...)")

    def _candidates(self, os: str) -> tuple[list[_Candidate], list[float]]:
        """Every priced x64 size for this OS under the settings' option, cheapest first, and their prices.

        Priced under the chosen option only: a Windows size whose Linux rate is unknown stays a candidate (its
        Hybrid Benefit keys are then unpriced, and the cost basis says so)."""
        found = self._ranked.get(os)
        if found is None:
            candidates = [_Candidate(size, price, _capacities(size), series_of(size.name))
                          for size, price in self._catalog.candidate_sizes(
                              self._settings.region, os=os, option=self._settings.pricing, ahb=self._settings.ahb)]
            candidates.sort(key=lambda candidate: candidate.monthly)
            found = self._ranked[os] = (candidates, [candidate.monthly for candidate in candidates])
        return found

    def _included_series(self, series: str) -> bool:
        return series.lower() in self._included or (self._all_burstable and is_burstable(series))

    def _pool(self, os: str, burstable_ok: bool) -> FitIndex[_Candidate]:
        key = (os, burstable_ok)
        index = self._pools.get(key)
        if index is None:
            index = FitIndex(
                ((candidate, candidate.monthly, candidate.capacities) for candidate in self._candidates(os)[0]
                 if self._included_series(candidate.series) and (burstable_ok or not is_burstable(candidate.series))),
                dimensions=VM_DIMENSIONS,
            )
            self._pools[key] = index
        return index

    def choose(self, need: Requirement, *, os: str, premium: bool, burstable_why: str = "",
               min_vcpus: int = 1, min_memory_gib: float = 0.0) -> VmChoice:
        """The size to use; VmNotFoundError says which need no size meets. `burstable_why` is why this system may
        not have a burstable size (empty: it may, if the settings include B-series)."""
        wanted = (
            float(max(need.vcpus, min_vcpus)),
            max(need.memory_gib, min_memory_gib),
            float(need.data_disks),
            need.iops,
            need.mbps,
            1.0 if premium else 0.0,
        )
        pool = self._pool(os, not burstable_why)
        try:
            fit = pool.fit(wanted)
        except NoFitError as e:
            if len(pool) == 0 and burstable_why and len(self._pool(os, True)) > 0:
                who = "production systems" if burstable_why == PRODUCTION_SYSTEM else f"this system: {burstable_why}"
                raise VmNotFoundError(f"no {os} VM size: the included series "
                                      f"({', '.join(self._settings.vm_series)}) are all burstable, and burstable sizes "
                                      f"are not offered to {who}; include a non-burstable series (Dsv5, Esv5...)"
                                      ) from e
            if len(pool) == 0:
                raise VmNotFoundError(f"no {os} VM size of the included series is priced in "
                                      f"{self._settings.region}") from e
            if e.dimension is not None:
                raise VmNotFoundError(f"no VM size of the included series in {self._settings.region} is big enough: "
                                      f"{e}") from e
            raise VmNotFoundError(f"no single VM size of the included series in {self._settings.region} covers "
                                  f"{need.vcpus} vCPU, {need.memory_gib:g} GiB, {need.data_disks} data disks, "
                                  f"{need.iops:g} IOPS and {need.mbps:g} MB/s together") from e
        chosen, price = pool.item(fit.position)
        key = (os, burstable_why, fit)
        template = self._templates.get(key)
        if template is None:
            template = self._templates[key] = self._template(pool, fit, chosen, self._left_out(os, burstable_why,
                                                                                                 chosen))
        return VmChoice(chosen.size, price, template.reason(wanted), template.rejected(wanted))

    def _template(self, pool: FitIndex[_Candidate], fit: Fit, chosen: _Candidate,
                  left_out: tuple[tuple[float, str], ...]) -> _Why:
        """The sentences of a choice with the needs left as blanks: once per (pool, choice), filled per system.

        Passed over: the nearest cheaper sizes, those that would fit but for one need (each lacks exactly that
        need) and those the series settings leave out, the dearest (nearest) first."""
        parts = tuple((dimension, *_deciding(dimension, chosen.capacities[dimension])) for dimension in fit.binding)
        passed: list[tuple[float, str | tuple[int, str, str]]] = list(left_out)
        for dimension, position in zip(fit.binding, fit.passed_over, strict=True):
            alternative = pool.item(position)[0]
            passed.append((alternative.monthly, _lacking(alternative, dimension)))
        passed.sort(key=lambda pair: -pair[0])
        return _Why(parts, tuple(text for _, text in passed[:REJECTED_SHOWN]))

    def _left_out(self, os: str, burstable_why: str, chosen: _Candidate) -> tuple[tuple[float, str], ...]:
        """The nearest cheaper size left out by the series settings, and the nearest burstable one left out (by the
        settings, or because this system may not have one), with their prices; once per chosen size."""
        key = (os, burstable_why, chosen.size.name)
        found = self._excluded.get(key)
        if found is None:
            candidates, prices = self._candidates(os)
            picked: dict[str, tuple[_Candidate, str]] = {}
            position = bisect_left(prices, chosen.monthly)
            for candidate in reversed(candidates[max(0, position - _REJECTED_SCAN):position]):
                if is_burstable(candidate.series):
                    if not self._included_series(candidate.series):
                        picked.setdefault("burstable", (candidate, "burstable excluded"))
                    elif burstable_why:
                        picked.setdefault("burstable", (candidate, f"burstable, {burstable_why}"))
                elif not self._included_series(candidate.series):
                    picked.setdefault("series", (candidate, f"series {candidate.series} not included"))
                if len(picked) == 2:
                    break
            found = self._excluded[key] = tuple((candidate.monthly, f"{candidate.size.name}: {why}")
                                                for candidate, why in picked.values())
        return found


def _number(value: float) -> str:
    return f"{value:,.0f}" if value >= 10_000 else f"{value:g}"


def _deciding(dimension: int, got: float) -> tuple[str, str]:
    """How a deciding need reads, before and after its value: ("memory ", " GiB -> 8 GiB")."""
    if dimension == 5:
        return "premium storage", ""
    label, unit = (("vCPU ", ""), ("memory ", " GiB"), ("data disks ", ""), ("disk IOPS ", ""),
                   ("disk MB/s ", ""))[dimension]
    return label, f"{unit} -> {_number(got)}{unit}"


_COVERS_EVERYTHING = "the cheapest size of the included series, and it covers every need"
_DECIDED = " decided it (without it a cheaper size would do)"


class _Why(NamedTuple):
    """A choice's reasons with blanks for the system's needs: each deciding need as (dimension, text before the
    value, text after it), and the sizes passed over as fixed texts or (dimension, before, after)."""

    deciding: tuple[tuple[int, str, str], ...]
    passed_over: tuple[str | tuple[int, str, str], ...]

    def reason(self, wanted: tuple[float, ...]) -> str:
        if not self.deciding:
            return _COVERS_EVERYTHING
        return " and ".join([before if dimension == 5 else f"{before}{_need(dimension, wanted)}{after}"
                             for dimension, before, after in self.deciding]) + _DECIDED

    def rejected(self, wanted: tuple[float, ...]) -> tuple[str, ...]:
        return tuple([text if isinstance(text, str) else f"{text[1]}{_need(text[0], wanted)}{text[2]}"
                      for text in self.passed_over])


def _need(dimension: int, wanted: tuple[float, ...]) -> str:
    return _number(wanted[dimension]) if dimension == 3 else f"{wanted[dimension]:g}"


def _lacking(candidate: _Candidate, dimension: int) -> str | tuple[int, str, str]:
    """A cheaper size that lacks one need: "Standard_F2s_v2: 4 GiB < " + the need + " GiB" (or a fixed text)."""
    size, got = candidate.size, candidate.capacities[dimension]
    name = size.name
    if dimension == 0:
        return 0, f"{name}: {got:g} vCPU < ", ""
    if dimension == 1:
        return 1, f"{name}: {got:g} GiB < ", " GiB"
    if dimension == 2:
        return f"{name}: data-disk limit not in the catalog" if size.max_data_disks is None else \
            (2, f"{name}: {got:g} data disks < ", "")
    if dimension == 3:
        return f"{name}: IOPS limit not in the catalog" if size.uncached_disk_iops is None else \
            (3, f"{name}: {_number(got)} IOPS < ", "")
    if dimension == 4:
        return f"{name}: MB/s limit not in the catalog" if size.uncached_disk_mbps is None else \
            (4, f"{name}: {got:g} MB/s < ", "")
    return f"{name}: no premium storage"


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

