"""Wave planning on real public inputs: a peer's wave intake and an Azure Migrate-shaped dependency sample."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

from migrations_plan.strategy_types import Strategy
from migrations_plan.waves import PlanEdge, PlanSystem, WavePolicy, plan_waves

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
START = dt.date(2026, 1, 5)


def _rows(name: str) -> list[dict[str, str]]:
    with (FIXTURES / name).open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def test_cloud_migration_factory_intake_gets_the_waves_its_engineers_chose() -> None:
    """AWS CMF's sample puts the dev HR app in wave 1, then one sales app per wave; we plan the same."""
    rows = _rows("cmf_mgn_server-list.csv")
    systems = [
        PlanSystem(id=i, name=row["server_name"], environment=row["server_environment"],
                   application=row["app_name"], strategy=Strategy(row["r_type"].lower()), storage_gb=100.0)
        for i, row in enumerate(rows, start=1)
    ]
    plan = plan_waves(systems, [], policy=WavePolicy(start=START, max_systems=3, pilot_max_systems=2))
    ours = [{systems[sid - 1].name for sid in wave.systems} for wave in plan.waves]
    theirs: dict[str, set[str]] = {}
    for row in rows:
        theirs.setdefault(row["wave_name"], set()).add(row["server_name"])
    assert ours == [theirs[name] for name in sorted(theirs)]
    assert plan.waves[0].pilot and plan.waves[0].groups[0].environments == ("development",)


def test_azure_migrate_dependency_sample_forms_move_groups() -> None:
    """Five observed connections: App1's callers and callees move together; two web/API pairs share apps."""
    rows = _rows("azmigrate_dependency_export_handwritten_5rows__shabbirnkhan1_azure-migrate-move-group-planner.csv")
    apps: dict[str, str] = {}
    for row in rows:
        apps[row["Source server name"]] = row["Source application"]
        apps[row["Destination server name"]] = row["Destination application"]
    ids = {name: i for i, name in enumerate(sorted(apps), start=1)}
    systems = [PlanSystem(id=i, name=name, environment="production", application=apps[name],
                          strategy=Strategy.REHOST) for name, i in ids.items()]
    edges = [PlanEdge(ids[row["Source server name"]], ids[row["Destination server name"]],
                      port=int(row["Destination port"])) for row in rows]
    policy = WavePolicy(start=START, max_systems=4)
    plan = plan_waves(systems, edges, policy=policy)
    named = {frozenset(systems[sid - 1].name for sid in group.system_ids) for group in plan.groups}
    assert named == {frozenset({"admin-server", "app1-server", "app2-server", "db1-server"}),
                     frozenset({"web1-server", "web2-server", "api1-server", "api2-server"})}

    # Cutting the admin's RDP link frees the jump host, and App1 (what it connects to) moves no later.
    rdp = {(ids["admin-server"], ids["app1-server"])}
    replanned = plan_waves(systems, edges, policy=WavePolicy(start=START, max_systems=1), cuts=rdp)
    assert frozenset({ids["admin-server"]}) in {frozenset(g.system_ids) for g in replanned.groups}
    assert replanned.wave_of(ids["app1-server"]) <= replanned.wave_of(ids["admin-server"])
