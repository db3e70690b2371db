"""What a workload needs in Azure: Azure Migrate's performance-based arithmetic, or the allocated size.

Performance-based: vCPUs = ceil(cores x CPU% x comfort), memory = GiB x memory% x comfort, disk IOPS and MB/s
= (read + write) x comfort; above the allocation it says so. Sized "as on premises" (allocated cores and memory,
measured disk IOPS and MB/s as they are: no comfort factor) instead when the criterion says so, when the system is
powered off (no performance data while it is off), when a utilisation figure is missing or 0 % memory (a running OS
always uses memory: the figures are blanks written as zeros, not a measurement), or when the figures are a lower
percentile than asked. Requirements are only ever rounded up.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple

from inventory.records import PowerState
from migrations_plan.assessment.facts import format_fact
from migrations_plan.assessment.model import AssessInput, AssessmentError, DiskLoad, SizingBasis

# Azure's default OS disk size, assumed when the inventory lists no disks and no storage.
ASSUMED_OS_DISK_GIB = 128.0
_EPSILON = 1e-9


class UnknownSizeError(AssessmentError):
    """Cores or memory are unknown: the workload cannot be sized."""


class DiskNeed(NamedTuple):
    """One disk to place: size in GiB, and the IOPS and MB/s it must sustain (0 = no data)."""

    size_gib: float
    iops: float
    mbps: float


@dataclass(frozen=True, slots=True)
class Requirement:
    """What the target must provide, and the sentence that shows the arithmetic."""

    basis: SizingBasis
    vcpus: int
    memory_gib: float
    disks: tuple[DiskNeed, ...]
    iops: float
    mbps: float
    note: str

    @property
    def data_disks(self) -> int:
        """Disks after the first (the OS disk), which count against a VM size's data-disk limit."""
        return max(0, len(self.disks) - 1)


def ceil_to(value: float, step: float) -> float:
    """Round up to a multiple of `step`, ignoring float noise (16.000000001 stays 16)."""
    return math.ceil(value / step - _EPSILON) * step


def requirement(system: AssessInput, *, percentile: int, comfort_factor: float, as_on_premises: bool = False,
                cap_at_allocation: bool = False) -> Requirement:
    """The requirement of one system; raises UnknownSizeError without cores or memory.

    `as_on_premises` is the sizing criterion "as-on-premises"; `cap_at_allocation` keeps a performance-based
    requirement within the allocated cores and memory (Azure Migrate does not: its comfort factor may exceed them).
    """
    cores, memory_mb = system.cores, system.memory_mb
    missing = [name for name, value in (("cores", cores), ("memory", memory_mb)) if not value]
    if missing or cores is None or memory_mb is None:
        raise UnknownSizeError(f"{' and '.join(missing)} unknown: cannot size")
    memory_gib = memory_mb / 1024
    cpu, mem, given = system.cpu_util_pct, system.memory_util_pct, system.util_percentile
    if (cpu is not None and mem is not None and mem > 0 and not as_on_premises
            and system.power_state is not PowerState.OFF and (given is None or given >= percentile)):
        vcpus = max(1, math.ceil(cores * cpu / 100 * comfort_factor - _EPSILON))
        memory = round(ceil_to(memory_gib * mem / 100 * comfort_factor, 0.01), 2)
        label = f"P{given}" if given is not None else "utilisation (percentile not given)"
        note = (f"{label} CPU {cpu:.3g}% of {cores} cores x {comfort_factor:g} -> {vcpus} vCPU; "
                f"memory {mem:.3g}% of {memory_gib:.6g} GiB x {comfort_factor:g} -> {memory:.6g} GiB")
        allocated = round(ceil_to(memory_gib, 0.01), 2)
        above = []
        if vcpus > cores:
            above.append(f"vCPU {round(cores * cpu / 100 * comfort_factor, 2):g} above the allocated {cores} "
                         f"(comfort factor {comfort_factor:g} on {cpu:.3g}% use")
        if memory > allocated:
            above.append(f"memory {memory:.6g} GiB above the allocated {allocated:.6g} GiB (comfort factor "
                         f"{comfort_factor:g} on {mem:.3g}% use")
        if above and cap_at_allocation:
            vcpus, memory = min(vcpus, cores), min(memory, allocated)
            note += f"; capped at the allocation: {vcpus} vCPU, {memory:.6g} GiB"
        elif above:
            note += "; " + "), ".join(above) + "; --cap-at-allocation caps it)"
        basis = SizingBasis.PERFORMANCE
    else:
        vcpus, memory = max(1, cores), round(ceil_to(memory_gib, 0.01), 2)
        note = f"{_no_performance(system, percentile, as_on_premises)}: sized as on premises, {vcpus} vCPU and " \
               f"{memory:.6g} GiB"
        basis = SizingBasis.AS_ON_PREMISES
    # The comfort factor is a performance-based setting: sized as on premises, measured disk IOPS and MB/s are
    # used as they are, like the allocated cores and memory (Microsoft's as-on-premises worked example).
    disks, disk_note = disk_needs(system.disks, system.storage_gb,
                                  comfort_factor=comfort_factor if basis is SizingBasis.PERFORMANCE else 1.0)
    if disk_note:
        note += f"; {disk_note}"
    return Requirement(basis, vcpus, memory, disks, sum(d.iops for d in disks), sum(d.mbps for d in disks), note)


def _no_performance(system: AssessInput, percentile: int, as_on_premises: bool) -> str:
    """Why the utilisation figures cannot size this system."""
    cpu, mem, given = system.cpu_util_pct, system.memory_util_pct, system.util_percentile
    if as_on_premises:
        return "sizing criterion as-on-premises"
    if system.power_state is PowerState.OFF:
        return "powered off (no performance data while it is off)"
    if cpu is None or mem is None:
        return "no CPU and memory utilisation" if cpu is None and mem is None else (
            "no CPU utilisation" if cpu is None else "no memory utilisation")
    if mem <= 0:
        zero_cpu = "0% CPU and " if cpu <= 0 else ""
        return (f"{zero_cpu}0% memory utilisation read as no performance data (a running server always uses "
                "memory: the figures are blanks written as zeros)")
    return f"utilisation is P{given}, lower than the P{percentile} asked"


def disk_needs(
    disks: tuple[DiskLoad, ...], storage_gb: float | None, *, comfort_factor: float
) -> tuple[tuple[DiskNeed, ...], str]:
    """Disks to place (measured IOPS/MB/s x `comfort_factor`, 1.0 as on premises) and a note when they had to be
    assumed."""
    if not disks:
        if storage_gb:
            return (DiskNeed(max(1.0, storage_gb), 0.0, 0.0),), f"no disk list: one {format_fact(storage_gb)} GiB disk"
        assumed = DiskNeed(ASSUMED_OS_DISK_GIB, 0.0, 0.0)
        return (assumed,), f"no disk data: one {ASSUMED_OS_DISK_GIB:g} GiB OS disk assumed"
    needs = []
    for size, read_iops, write_iops, read_mbps, write_mbps in disks:
        iops = (read_iops or 0.0) + (write_iops or 0.0)
        mbps = (read_mbps or 0.0) + (write_mbps or 0.0)
        needs.append(DiskNeed(
            size if size >= 1.0 else 1.0,
            float(math.ceil(iops * comfort_factor - _EPSILON)) if iops else 0.0,
            math.ceil(mbps * comfort_factor * 10 - _EPSILON) / 10 if mbps else 0.0,
        ))
    return tuple(needs), ""
