"""Azure Migrate's documented sizing for machines without performance data, by brute force over the shipped
catalog's raw tables: what the acceptance tests check the engine's recommendations against.

Independent of the engine on purpose (its own candidate list from the raw size and price tables, series list,
series parser and premium rule), so a bug in the catalog's `candidate_sizes` or the engine's index shows here:
- compute, as on premises: "recommends an Azure VM with the same configuration [cores, memory]. If there are
  multiple eligible Azure VM sizes, the one with the lowest cost is recommended" (Microsoft Learn, "Assessment
  calculations", https://learn.microsoft.com/azure/migrate/concepts-assessment-calculation);
- VM series: every series Azure Migrate knows (its AzureVmFamily values,
  https://learn.microsoft.com/javascript/api/@azure/arm-migrationassessment/azurevmfamily): "By default, all the
  VM-series applicable to the Azure region are selected" (https://learn.microsoft.com/azure/migrate/how-to-modify-assessment);
- storage: "The default storage type is Premium" (concepts-assessment-calculation, as-is on-premises sizing).
"""

from __future__ import annotations

import re

from migrations_plan.pricing import PriceCatalog
from migrations_plan.pricing.model import DiskKind, DiskTier, VmSize

REGION = "eastus2"  # AssessParameters' default, and one of the three regions with disk prices
HOURS = 730
# Azure Migrate's AzureVmFamily values as the series of size names (docs/assessment.md, "VM series"), written out
# here rather than imported: A (Av2), D, Dv2, DS, DSv2, F, Fs, G, GS, H, Ls, Dsv3, Dv3, Fsv2, Ev3, Esv3, M, DC,
# Lsv2, Ev4 ... Ebdsv5. No B-series.
AZURE_MIGRATE_SERIES = {
    "A", "Av2", "Amv2", "D", "Dv2", "DS", "DSv2", "F", "Fs", "G", "GS", "H", "Hm", "Hr", "Hmr", "Ls", "Dsv3", "Dv3",
    "Fsv2", "Ev3", "Esv3", "M", "Mm", "Ms", "Mms", "Mts", "Mls", "DCs", "Lsv2", "Ev4", "Esv4", "Edv4", "Edsv4", "Dv4",
    "Dsv4", "Ddv4", "Ddsv4", "Easv4", "Dasv4", "Msv2", "Mmsv2", "Eav4", "Dav4", "Mdsv2", "Mdmsv2", "Dv5", "Dsv5",
    "Ddv5", "Ddsv5", "Dasv5", "Dadsv5", "Ev5", "Esv5", "Edv5", "Edsv5", "Easv5", "Eadsv5", "Ebsv5", "Ebdsv5",
}
_SERIES = re.compile(r"^Standard_([A-Z]+)\d+(?:-\d+)?([a-z]*)(?:_\d+)?(?:_(v\d+))?$")


def series(size_name: str) -> str:
    """Standard_E16as_v5 -> "Easv5", Standard_F2s_v2 -> "Fsv2", Standard_F1s -> "Fs" (as Azure writes series)."""
    match = _SERIES.match(size_name)
    return f"{match.group(1)}{match.group(2)}{match.group(3) or ''}" if match else size_name


def takes_premium_disks(size: VmSize) -> bool:
    """Premium SSD support: the resource data when the catalog has it, else the "s" of the size name's suffix."""
    if size.premium_io is not None:
        return size.premium_io
    match = _SERIES.match(size.name)
    return match is not None and "s" in match.group(2)


def payg_hourly(catalog: PriceCatalog, size: str, os: str) -> float | None:
    """The size's pay-as-you-go hourly price for the OS, read from the catalog's raw price table of the region."""
    prices = catalog.vm_prices[REGION]
    return (prices.windows if os == "windows" else prices.linux).get(size)


def cheapest_fitting(catalog: PriceCatalog, *, os: str, vcpus: int, memory_gib: float) -> tuple[VmSize, float]:
    """Scan every x64 size of the catalog's raw size table that has a PAYG price for the OS in its raw price table
    (a Windows size is a candidate on its Windows price alone), not the engine's `candidate_sizes`: Azure Migrate's
    series, premium disks, enough vCPU and memory; cheapest wins, at equal price the bigger size (vCPU, memory, then
    data disks, IOPS and MB/s: D8s_v5 before D8as_v4 at the same 0.384/h)."""
    fits = [(size, price * HOURS) for size in catalog.sizes.values()
            if size.cpu_arch.lower() == "x64" and (price := payg_hourly(catalog, size.name, os)) is not None
            and series(size.name) in AZURE_MIGRATE_SERIES and takes_premium_disks(size)
            and size.vcpus >= vcpus and size.memory_gib >= memory_gib]
    assert fits, f"no size of Azure Migrate's series fits {vcpus} vCPU / {memory_gib} GiB"
    best = min(monthly for _, monthly in fits)
    return max(((size, monthly) for size, monthly in fits if monthly == best),
               key=lambda pair: (pair[0].vcpus, pair[0].memory_gib, pair[0].max_data_disks or 0,
                                 pair[0].uncached_disk_iops or 0, pair[0].uncached_disk_mbps or 0))


def cheapest_disk(catalog: PriceCatalog, size_gib: float) -> DiskTier:
    """Production disk (the default environment) without IOPS data: the cheapest Premium SSD at least that big."""
    fits = [tier for tier in catalog.disk_tiers(REGION)
            if tier.kind is DiskKind.PREMIUM_SSD and tier.size_gib >= size_gib]
    return min(fits, key=lambda tier: tier.monthly_usd)


def hourly(catalog: PriceCatalog, size: str, os: str) -> float:
    price = payg_hourly(catalog, size, os)
    assert price is not None, f"no {os} price for {size} in {REGION}"
    return price
