"""Published performance of managed-disk tiers and sizes of App Service plans: facts the price feeds lack.

Disk tiers: Microsoft Learn "Azure managed disk types", base (not performance-plus, not burst) figures, read
from MicrosoftDocs/azure-docs includes/disk-storage-premium-ssd-sizes.md, disk-storage-standard-ssd-sizes.md
and disk-storage-standard-hdd-sizes.md (revisions dated 2023-03-16; standard SSD @ 90c7556211e9, standard HDD
@ 87ab6dfcf24d). Standard SSD/HDD figures are "up to" limits. MB/s as published.

App Service: Premium v3 cores and memory from Microsoft Learn "Azure App Service plans"
(MicrosoftDocs/azure-docs articles/app-service/overview-hosting-plans.md, revision dated 2025-07-02);
Basic and Standard (1/2/4 cores, 1.75/3.5/7 GB) from Microsoft's App Service pricing page
(azure.microsoft.com/pricing/details/app-service/), whose instance table is not in the Learn articles.
"""

from __future__ import annotations

from dataclasses import dataclass

from migrations_plan.pricing.model import DiskKind


@dataclass(frozen=True, slots=True)
class DiskTierSpec:
    name: str
    kind: DiskKind
    size_gib: int
    iops: int
    mbps: int


def _tiers(kind: DiskKind, rows: str) -> tuple[DiskTierSpec, ...]:
    specs = []
    for line in rows.strip().splitlines():
        name, size, iops, mbps = line.split()
        specs.append(DiskTierSpec(name, kind, int(size), int(iops), int(mbps)))
    return tuple(specs)


# name, size GiB, base IOPS, base MB/s
DISK_TIER_SPECS: tuple[DiskTierSpec, ...] = (
    _tiers(
        DiskKind.PREMIUM_SSD,
        """
        P1 4 120 25
        P2 8 120 25
        P3 16 120 25
        P4 32 120 25
        P6 64 240 50
        P10 128 500 100
        P15 256 1100 125
        P20 512 2300 150
        P30 1024 5000 200
        P40 2048 7500 250
        P50 4096 7500 250
        P60 8192 16000 500
        P70 16384 18000 750
        P80 32767 20000 900
        """,
    )
    + _tiers(
        DiskKind.STANDARD_SSD,
        """
        E1 4 500 60
        E2 8 500 60
        E3 16 500 60
        E4 32 500 60
        E6 64 500 60
        E10 128 500 60
        E15 256 500 60
        E20 512 500 60
        E30 1024 500 60
        E40 2048 500 60
        E50 4096 500 60
        E60 8192 2000 400
        E70 16384 4000 600
        E80 32767 6000 750
        """,
    )
    + _tiers(
        DiskKind.STANDARD_HDD,
        """
        S4 32 500 60
        S6 64 500 60
        S10 128 500 60
        S15 256 500 60
        S20 512 500 60
        S30 1024 500 60
        S40 2048 500 60
        S50 4096 500 60
        S60 8192 1300 300
        S70 16384 2000 500
        S80 32767 2000 500
        """,
    )
)

DISK_TIER_BY_NAME: dict[str, DiskTierSpec] = {spec.name: spec for spec in DISK_TIER_SPECS}


# plan name -> (vCPUs, memory GiB)
APP_SERVICE_PLAN_SPECS: dict[str, tuple[int, float]] = {
    "B1": (1, 1.75),
    "B2": (2, 3.5),
    "B3": (4, 7.0),
    "S1": (1, 1.75),
    "S2": (2, 3.5),
    "S3": (4, 7.0),
    "P0v3": (1, 4.0),
    "P1v3": (2, 8.0),
    "P2v3": (4, 16.0),
    "P3v3": (8, 32.0),
    "P1mv3": (2, 16.0),
    "P2mv3": (4, 32.0),
    "P3mv3": (8, 64.0),
    "P4mv3": (16, 128.0),
    "P5mv3": (32, 256.0),
}
