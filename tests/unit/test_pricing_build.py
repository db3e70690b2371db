"""tools/build_catalog.py on a miniature data folder made of real rows of the public price files."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from migrations_plan.pricing import OsType, PriceNotFoundError, SqlTier, load_catalog
from tools import build_catalog

SIZE_COLUMNS = (
    "name,family,vcpus,memory_gib,max_data_disks,uncached_disk_iops,uncached_disk_mbps,max_nics,premium_io,"
    "cpu_arch,hyperv_generations,source_region"
)
SIZES = f"""{SIZE_COLUMNS}
Standard_D2as_v5,standardDASv5Family,2,8,4,3750,78,,,x64,,
Standard_D4s_v5,standardDSv5Family,4,16,8,6400,138,,,x64,,
Standard_D8as_v5,standardDASv5Family,8,32,16,12800,190,,,x64,,
Standard_E8-2s_v3,standardESv3Family,8,64,16,12800,183,4,True,x64,"V1,V2",eastus
"""
WINDOWS = """armRegionName,armSkuName,serviceName,type,unitOfMeasure,retailPrice,currencyCode
eastus,Standard_D2as_v5,Virtual Machines,Consumption,1 Hour,0.178,USD
eastus,Standard_D4s_v5,Virtual Machines,Consumption,1 Hour,0.376,USD
eastus,Standard_E8-2s_v3,Virtual Machines,Consumption,1 Hour,0.872,USD
eastus2,Standard_D2as_v5,Virtual Machines,Consumption,1 Hour,0.178,USD
eastus2,Standard_D4s_v5,Virtual Machines,Consumption,1 Hour,0.376,USD
eastus2,Standard_D8as_v5,Virtual Machines,Consumption,1 Hour,0.712,USD
eastus2,Standard_D4s_v5_Promo,Virtual Machines,Consumption,1 Hour,0.3,USD
"""
LINUX = """armRegionName,armSkuName,linux_payg_usd_per_hour
eastus,Standard_D2as_v5,0.178
eastus,Standard_D4s_v5,0.192
eastus,Standard_D8as_v5,0.344
eastus,Standard_E8-2s_v3,0.504
eastus2,Standard_D2as_v5,0.086
eastus2,Standard_D4s_v5,0.192
eastus2,Standard_D8as_v5,0.712
swedensouth,Standard_D4s_v5,0.265
"""
API_COLUMNS = "armRegionName,skuName,productName,meterName,serviceName,type,unitOfMeasure,retailPrice,currencyCode"
DISKS = f"""{API_COLUMNS}
eastus2,P10 LRS,Premium SSD Managed Disks,P10 LRS Disk,Storage,Consumption,1/Month,17.92,USD
eastus2,P10 ZRS,Premium SSD Managed Disks,P10 ZRS Disk,Storage,Consumption,1/Month,26.88,USD
eastus2,S4 LRS,Standard HDD Managed Disks,S4 LRS Disk,Storage,Consumption,1/Month,1.536,USD
eastus2,P10 LRS,Premium SSD Managed Disks,P10 Disk Mount,Storage,Consumption,1/Month,0.5,USD
"""
GP, BC = (f"SQL Database Single/Elastic Pool {tier}" for tier in ("General Purpose", "Business Critical"))
SQL_TAIL = "SQL Database,Consumption,1 Hour"
SQL = f"""{API_COLUMNS}
eastus2,vCore,{GP} - Compute Gen5,vCore,{SQL_TAIL},0.152217,USD
eastus2,4 vCore,{GP} - Compute Gen5,vCore,{SQL_TAIL},0.608868,USD
eastus2,4 vCore Zone Redundancy,{GP} - Compute Gen5,Zone Redundancy vCore,{SQL_TAIL},0.9,USD
eastus2,General Purpose,{GP} - Storage,General Purpose Data Stored,SQL Database,Consumption,1 GB/Month,0.115,USD
eastus2,vCore,{BC} - Compute Gen5,vCore,{SQL_TAIL},0.304435,USD
eastus2,4 vCore,{BC} - Compute Gen5,vCore,{SQL_TAIL},1.21774,USD
eastus2,Business Critical,{BC} - Storage,Business Critical Data Stored,SQL Database,Consumption,1 GB/Month,0.25,USD
"""
APP_SERVICE = f"""{API_COLUMNS}
eastus2,P1 v3,Azure App Service Premium v3 Plan,P1 v3 App,Azure App Service,Consumption,1 Hour,0.315,USD
eastus2,P1 v3,Azure App Service Premium v3 Plan - Linux,P1 v3 App,Azure App Service,Consumption,1 Hour,0.155,USD
eastus2,S1,Azure App Service Standard Plan - Linux,S1 App,Azure App Service,Consumption,1 Hour,0.095,USD
"""
RESERVED = {
    "currencies": {
        "USD": {
            "vm_prices": {
                "Standard_D4s_v5": {
                    "linux_payg": 0.192,
                    "windows_payg": 0.376,
                    "linux_1yr": 0.1184931506849315,
                    "linux_3yr": 0.07583713850837139,
                    "windows_1yr": 0.3024931506849315,
                    "windows_3yr": 0.25983713850837137,
                }
            }
        }
    }
}


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("azure_pricing")
    files = {
        build_catalog.SIZES_FILE: SIZES,
        build_catalog.WINDOWS_FILE: WINDOWS,
        build_catalog.LINUX_FILE: LINUX,
        build_catalog.DISKS_FILE: DISKS,
        build_catalog.SQL_FILE: SQL,
        build_catalog.APP_SERVICE_FILE: APP_SERVICE,
        build_catalog.RESERVED_FILES["eastus"]: json.dumps(RESERVED),
    }
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def test_build_cleans_and_combines_the_sources(data_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "catalog.json.gz"
    assert build_catalog.main([str(data_dir), "--out", str(out)]) == 0
    catalog = load_catalog(out)

    assert catalog.as_of == date(2026, 8, 15)
    assert catalog.regions() == ("eastus", "eastus2")  # swedensouth has no Windows prices
    assert any("karpenter-provider-azure @ 2b431da153a6" in source for source in catalog.sources)

    assert catalog.vm_rate("Standard_D4s_v5", "eastus2").linux_payg == 0.192
    assert catalog.vm_rate("Standard_D2as_v5", "eastus").linux_payg is None  # 0.178 == Windows
    assert catalog.vm_rate("Standard_D2as_v5", "eastus2").linux_payg == 0.086
    # D8as_v5 has no Windows price in eastus: DASv5 is a polluted family, so its Linux 0.344 is not trusted
    with pytest.raises(PriceNotFoundError):
        catalog.vm_rate("Standard_D8as_v5", "eastus")
    assert catalog.vm_size("Standard_E8-2s_v3").vcpus == 2
    assert not catalog.vm_rate("Standard_D4s_v5", "eastus").ri_estimated
    assert catalog.vm_rate("Standard_D4s_v5", "eastus2").ri_estimated

    assert [(t.name, t.monthly_usd, t.zrs_monthly_usd) for t in catalog.disk_tiers("eastus2")] == [
        ("P10", 17.92, 26.88),
        ("S4", 1.536, None),
    ]
    rate = catalog.sql_db_rate("eastus2", tier=SqlTier.GENERAL_PURPOSE)
    assert (rate.vcore_hour_ahb, rate.storage_gb_month, rate.vcore_options) == (0.152217, 0.115, (4,))
    plans = {(plan.name, plan.os): plan.hourly for plan in catalog.app_service_plans("eastus2")}
    assert plans == {
        ("P1v3", OsType.WINDOWS): 0.315,
        ("P1v3", OsType.LINUX): 0.155,
        ("S1", OsType.LINUX): 0.095,
    }


def test_build_is_reproducible(data_dir: Path, tmp_path: Path) -> None:
    first, second = tmp_path / "a.json.gz", tmp_path / "b.json.gz"
    build_catalog.main([str(data_dir), "--out", str(first)])
    build_catalog.main([str(data_dir), "--out", str(second)])
    assert first.read_bytes() == second.read_bytes()


def test_inconsistent_sql_rows_stop_the_build(data_dir: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    broken.mkdir()
    for path in data_dir.iterdir():
        (broken / path.name).write_bytes(path.read_bytes())
    (broken / build_catalog.SQL_FILE).write_text(SQL.replace("0.608868", "0.7"), encoding="utf-8")
    assert build_catalog.main([str(broken), "--out", str(tmp_path / "never.json.gz")]) == 2
    assert not (tmp_path / "never.json.gz").exists()


def test_missing_columns_are_reported(tmp_path: Path) -> None:
    (tmp_path / build_catalog.SIZES_FILE).write_text("name,vcpus\nStandard_X,2\n", encoding="utf-8")
    with pytest.raises(build_catalog.BuildError, match="missing column"):
        build_catalog.read_sizes(tmp_path / build_catalog.SIZES_FILE)
