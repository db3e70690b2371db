"""Acceptance: the 90-server Azure Migrate import CSV (Microsoft's MicroHack, tests/fixtures/PROVENANCE.md) imported,
assessed by the flow's tasks with the default settings, read back, and checked against Azure Migrate's method.

The file has name, cores, memory, OS, server type, hypervisor, storage in use and one disk size per server, and
nothing else: no utilisation, no power state, no environment. So, as Azure Migrate does for machines without
performance data, every server is sized as on premises (allocated cores and memory); every server takes the
default environment, production, hence Premium SSD disks (Azure Migrate's default storage type) and no burstable
B-series (not in Azure Migrate's VM series). The method and its Microsoft Learn sources are in
tests/integration/azure_migrate_method.py; "cheapest" is checked by brute force there, not with the engine.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlmodel import Session, select

from inventory.db import dispose_engines, get_engine
from inventory.importers import azure_migrate
from inventory.records import SystemRecord
from inventory.tables import Assessment as AssessmentRow
from inventory.tables import AssessmentRun, TargetMapping
from migrations_plan.pricing import PriceCatalog, load_catalog
from tests.integration.azure_migrate_method import HOURS, REGION, cheapest_disk, cheapest_fitting, hourly
from tests.integration.estates import import_and_assess

pytestmark = pytest.mark.integration

SAMPLE = Path(__file__).parents[1] / "fixtures" / "azmigrate_import_90servers__microsoft_MicroHack.csv"
AS_OF = dt.date(2026, 9, 1)


@dataclass(frozen=True)
class Server:
    record: SystemRecord
    assessment: AssessmentRow
    target: TargetMapping | None


@dataclass(frozen=True)
class Assessed:
    servers: dict[str, Server]
    run: AssessmentRun
    catalog: PriceCatalog


@pytest.fixture(scope="module")
def assessed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Assessed]:
    url = f"sqlite:///{tmp_path_factory.mktemp('azmigrate90') / 'lumen.db'}"
    parsed = azure_migrate.parse(SAMPLE)
    _, rows = import_and_assess(url, parsed, SAMPLE, source="microhack", as_of=AS_OF)
    records = {record.name: record for record in parsed.systems}
    servers = {}
    for system, assessment, target in rows:
        assert assessment is not None, f"{system.name} was not assessed"
        servers[system.name] = Server(records[system.name], assessment, target)
    with Session(get_engine(url)) as session:
        run = session.exec(select(AssessmentRun)).one()
    try:
        yield Assessed(servers, run, load_catalog())
    finally:
        dispose_engines()


def test_every_server_is_sized_as_on_premises_on_premium_disks_at_the_cheapest_size(assessed: Assessed) -> None:
    assert len(assessed.servers) == 90
    checked = 0
    for name, server in assessed.servers.items():
        a, target, record = server.assessment, server.target, server.record
        assert (record.cpu_util_pct, record.memory_util_pct, record.power_state.value) == (None, None, "unknown")
        assert a.strategy == "rehost" and a.sizing_basis == "as-on-premises", name
        assert target is not None and target.sku is not None, name
        assert target.details["sizing_note"].startswith("no CPU and memory utilisation: sized as on premises")
        assert record.cores is not None and record.memory_mb is not None
        memory_gib = math.ceil(record.memory_mb * 100 / 1024) / 100
        assert (a.needed_vcpus, a.needed_memory_gib) == (record.cores, memory_gib), name
        os = target.details["os"]
        size, _ = cheapest_fitting(assessed.catalog, os=os, vcpus=record.cores, memory_gib=memory_gib)
        assert target.sku == size.name, name
        assert not target.sku.startswith("Standard_B"), name
        assert [disk["tier"] for disk in target.disks] == [cheapest_disk(assessed.catalog, disk.size_gb).name
                                                           for disk in record.disks], name
        disks = sum(assessed.catalog.disk_tier(REGION, disk["tier"]).monthly_usd for disk in target.disks)
        assert target.monthly_cost == pytest.approx(round(hourly(assessed.catalog, size.name, os) * HOURS + disks, 2),
                                                    abs=0.005), name
        assert target.details["sizing_reason"], name
        checked += 1
    assert checked == 90
    assert Counter(server.assessment.readiness for server in assessed.servers.values()) == {
        "ready": 58, "ready_with_conditions": 32}


def test_the_run_records_its_settings_under_azure_migrate_names(assessed: Assessed) -> None:
    settings = assessed.run.settings
    assert settings["Sizing criteria"] == "performance-based"  # the criterion; these servers have no data for it
    assert settings["Percentile utilization"] == "P95" and settings["Comfort factor"] == "1.3"
    assert settings["VM series"] == "Azure Migrate's default (51 series), burstable B-series excluded"
    assert settings["Default environment"] == "production"
    assert (assessed.run.percentile, assessed.run.comfort_factor, assessed.run.pricing) == (95, 1.3, "payg")


# ----- hand-checked against Azure Migrate's documented method ---------------------------------------------------
# As on premises: "Azure Migrate looks at the number of cores and memory size of the on-premises VM and recommends
# an Azure VM with the same configuration. If there are multiple eligible Azure VM sizes, the one with the lowest
# cost is recommended" (https://learn.microsoft.com/azure/migrate/concepts-assessment-calculation); default series:
# all Azure Migrate knows (https://learn.microsoft.com/azure/migrate/how-to-modify-assessment); default storage
# type Premium. Prices: the shipped catalog, eastus2, pay-as-you-go, 730 h a month.


def test_one_core_linux_server_needs_more_memory_than_the_1_vcpu_sizes_have(assessed: Assessed) -> None:
    server = assessed.servers["lnx7098"]
    target = server.target
    assert target is not None
    # From the file: Red Hat Enterprise Linux 7, 1 core, 3,949 MB; one 1,092 GB disk.
    # 3949 / 1024 = 3.8564 GiB -> 3.86 GiB, 1 vCPU.
    assert (server.record.cores, server.record.memory_mb) == (1, 3949.0)
    assert (server.assessment.needed_vcpus, server.assessment.needed_memory_gib) == (1, 3.86)
    # 1-vCPU sizes are candidates (F1s 2 GiB 0.0497/h, DS1_v2 3.5 GiB 0.057/h) but too small; the cheapest with
    # >= 3.86 GiB and Premium disks is F2s_v2 (2 vCPU, 4 GiB) 0.0846/h. Memory decided it.
    assert target.sku == "Standard_F2s_v2"
    assert target.details["sizing_reason"].startswith("memory 3.86 GiB -> 4 GiB decided it")
    assert "Standard_F1s: 2 GiB < 3.86 GiB" in target.details["rejected_sizes"]
    # Disk: 1,092 GB -> P40 (2,048 GiB) 235.52. Monthly: 0.0846 x 730 = 61.758 + 235.52 = 297.278 -> 297.28.
    assert target.disks == [{"tier": "P40", "size_gib": 2048}]
    assert target.monthly_cost == round(0.0846 * HOURS + 235.52, 2) == 297.28


def test_windows_server_2016_two_cores_six_gib(assessed: Assessed) -> None:
    server = assessed.servers["WS2535"]
    target = server.target
    assert target is not None
    # From the file: Windows Server 2016 Standard, 2 cores, 6,144 MB = 6 GiB; one 78 GB disk.
    assert (server.assessment.needed_vcpus, server.assessment.needed_memory_gib) == (2, 6.0)
    # Windows PAYG: F2s_v2 (2, 4 GiB) 0.163/h lacks memory; D2as_v5 (2, 8 GiB) 0.178/h is the cheapest that fits
    # (D2s_v5 is 0.188/h). 0.178 x 730 = 129.94 + P10 (128 GiB) 17.92 = 147.86.
    assert target.sku == "Standard_D2as_v5"
    assert "Standard_F2s_v2: 4 GiB < 6 GiB" in target.details["rejected_sizes"]
    assert target.disks == [{"tier": "P10", "size_gib": 128}]
    assert target.monthly_cost == round(0.178 * HOURS + 17.92, 2) == 147.86
    # With Hybrid Benefit (the Linux rate 0.086/h): 62.78 + 17.92 = 80.70.
    assert target.monthly_cost_by_option["payg_ahb"] == round(0.086 * HOURS + 17.92, 2) == 80.7
    assert server.assessment.readiness == "ready"  # Windows Server 2016 supported until 2027-01-12


def test_physical_linux_server_with_157_gib(assessed: Assessed) -> None:
    server = assessed.servers["lnx7016"]
    target = server.target
    assert target is not None
    # From the file: RHEL 7, Physical, 8 cores, 160,953 MB; one 1,926 GB disk. 160953 / 1024 = 157.1807 GiB ->
    # 157.19 GiB, 8 vCPU. Memory decides: the cheapest Linux size with >= 157.19 GiB and >= 8 vCPU in Azure
    # Migrate's series is E20s_v5 (20 vCPU, 160 GiB) at 1.26/h.
    assert (server.assessment.needed_vcpus, server.assessment.needed_memory_gib) == (8, 157.19)
    size, _ = cheapest_fitting(assessed.catalog, os="linux", vcpus=8, memory_gib=157.19)
    assert size.name == target.sku == "Standard_E20s_v5" and (size.vcpus, size.memory_gib) == (20, 160.0)
    assert target.details["sizing_reason"].startswith("memory 157.19 GiB -> 160 GiB decided it")
    # Monthly: 1.26 x 730 = 919.80 + P40 235.52 = 1,155.32.
    assert target.monthly_cost == round(1.26 * HOURS + 235.52, 2) == 1155.32
