"""ARM templates of the provision step (pure): resources per service, sku mapping, names, tags, errors."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from migrations_plan.assessment.model import TargetService
from migrations_plan.assessment.paas import SQL_DB_VCORES, SQL_MI_VCORES, SqlChoice, SqlKind
from migrations_plan.execution import Workload
from migrations_plan.execution.templates import (
    TAG_RUN,
    TAG_SYSTEM,
    TAG_WAVE,
    ArmTemplate,
    LandingZone,
    PlannedResource,
    TargetSpec,
    TemplateError,
    api_version_for,
    provision_template,
    resource_group_name,
)
from migrations_plan.pricing.model import SqlTier
from migrations_plan.pricing.specs import APP_SERVICE_PLAN_SPECS
from migrations_plan.strategy_types import Strategy

DISK, VM, NIC = "Microsoft.Compute/disks", "Microsoft.Compute/virtualMachines", "Microsoft.Network/networkInterfaces"
SERVER, DATABASE, MI = "Microsoft.Sql/servers", "Microsoft.Sql/servers/databases", "Microsoft.Sql/managedInstances"
PLAN, SITE = "Microsoft.Web/serverfarms", "Microsoft.Web/sites"

NAME = "lm-w3-r7-web-01-42-provision"
WORKLOAD = Workload(42, "web-01", Strategy.REHOST, "production", "g1", "shop")
NET = "/subscriptions/0000/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet-lz/subnets"
ZONE = LandingZone(subnet_id=f"{NET}/snet-vms", sql_mi_subnet_id=f"{NET}/snet-sqlmi", sql_admin_login="sql-admins",
                   sql_admin_object_id="6f1c2f4e-27a1-4c3e-9a51-0d6b6f0c8e11",
                   tenant_id="72f988bf-86f1-41af-91ab-2d7cd011db47", tags={"cost-center": "cc-1138", "owner": "mig"})
LINUX_VM = TargetSpec("vm", "Standard_D2s_v5", "westeurope", (("P10", 128), ("E30", 1024), ("S4", 32)), "linux",
                      {"os": "linux", "series": "Dsv5", "vcpus": 2, "memory_gib": 8.0})
WINDOWS_VM = TargetSpec("vm", "Standard_E4s_v5", "westeurope", (("P15", 256),), "windows")
SQL_DB = TargetSpec("sql-db", "GP_Gen5_4", "westeurope", details={"tier": "general-purpose", "vcores": 4,
                                                                  "storage_gb": 100.0})
SQL_MI = TargetSpec("sql-mi", "BC_Gen5_8", "westeurope", details={"vcores": 8, "storage_gb": 5000.0})
APP = TargetSpec("app-service", "P1v3", "westeurope", os="linux", details={"os": "linux", "instances": 1})
TARGETS = {"vm-linux": LINUX_VM, "vm-windows": WINDOWS_VM, "sql-db": SQL_DB, "sql-mi": SQL_MI, "app-service": APP}
ALLOWED_FUNCTIONS = {"parameters", "variables", "resourcegroup", "concat", "resourceid"}
HASH = "[0-9a-f]{8}"

# Learn, "Naming rules and restrictions for Azure resources": (max length, what a whole name matches).
NAME_RULES: dict[str, tuple[int, str]] = {
    DISK: (80, r"[A-Za-z0-9]([A-Za-z0-9_.-]*[A-Za-z0-9_])?"),
    NIC: (80, r"[A-Za-z0-9]([A-Za-z0-9_.-]*[A-Za-z0-9_])?"),
    VM: (64, r"[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?"),
    SERVER: (63, r"[a-z0-9]([a-z0-9-]*[a-z0-9])?"),
    DATABASE: (128, r"[^<>*%&:\\/?\x00-\x1f]*[^<>*%&:\\/?\x00-\x1f. ]"),
    MI: (63, r"[a-z0-9]([a-z0-9-]*[a-z0-9])?"),
    PLAN: (60, r"[A-Za-z0-9-]+"),
    SITE: (60, r"[a-z0-9][a-z0-9-]*[a-z0-9]"),
}


def build(target: TargetSpec, *, zone: LandingZone = ZONE, workload: Workload = WORKLOAD,
          name: str = NAME) -> ArmTemplate:
    return provision_template(workload, target, name=name, wave_number=3, run_id=7, zone=zone)


def bodies(template: ArmTemplate, resource_type: str) -> list[dict[str, Any]]:
    return [r for r in template.template["resources"] if r["type"] == resource_type]


def resolved(template: ArmTemplate, value: str) -> str:
    """A `[variables('x')]` name or a `[resourceId('T', variables('x'))]` reference, as the plain name."""
    found = re.fullmatch(r"\[(?:resourceId\('[^']+', )?variables\('(\w+)'\)\)?\]", value)
    assert found, value
    name: str = template.template["variables"][found[1]]
    return name


def strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)


def assert_valid_names(template: ArmTemplate) -> None:
    assert len(template.deployment_name) <= 64 and re.fullmatch(r"[-\w.()]+", template.deployment_name)
    for resource in template.resources:
        limit, pattern = NAME_RULES[resource.type]
        leaf = resource.name.split("/")[-1]
        assert 1 <= len(leaf) <= limit and re.fullmatch(pattern, leaf), (resource.type, leaf)
    parents = [r.name.split("/")[0] for r in template.resources if r.type == DATABASE]
    assert all(p in {r.name for r in template.resources if r.type == SERVER} for p in parents)
    assert len({(r.type.lower(), r.name) for r in template.resources}) == len(template.resources)


# --- resources and names per service ----------------------------------------------------------------------------


@pytest.mark.parametrize(("target", "expected"), [
    (LINUX_VM, [(DISK, f"{NAME}-osdisk"), (DISK, f"{NAME}-data0"), (DISK, f"{NAME}-data1"), (NIC, f"{NAME}-nic"),
                (VM, f"{NAME}-vm")]),
    (WINDOWS_VM, [(DISK, f"{NAME}-osdisk"), (NIC, f"{NAME}-nic"), (VM, f"{NAME}-vm")]),
    (SQL_DB, [(SERVER, f"{NAME}-{HASH}-sql"), (DATABASE, f"{NAME}-{HASH}-sql/{NAME}-db")]),
    (SQL_MI, [(MI, f"{NAME}-{HASH}-sqlmi")]),
    (APP, [(PLAN, f"{NAME}-plan"), (SITE, f"{NAME}-{HASH}-app")]),
], ids=list(TARGETS))
def test_resources_and_names_per_service(target: TargetSpec, expected: list[tuple[str, str]]) -> None:
    template = build(target)

    assert [r.type for r in template.resources] == [t for t, _ in expected]
    for resource, (_, pattern) in zip(template.resources, expected, strict=True):
        assert re.fullmatch(pattern, resource.name), resource.name
    assert [(r["type"], r["apiVersion"]) for r in template.template["resources"]] == [
        (r.type, r.api_version) for r in template.resources]
    assert [resolved(template, r["name"]) for r in template.template["resources"]] == [
        r.name for r in template.resources]
    assert template.deployment_name == NAME
    assert_valid_names(template)


def test_globally_unique_names_carry_a_stable_hash_of_the_whole_step_name() -> None:
    other = build(SQL_DB, name=NAME.replace("r7", "r8"))
    server, again = build(SQL_DB).resources[0], build(SQL_DB).resources[0]

    assert server == again and server.name != other.resources[0].name
    assert server.name.split("-")[-2] != other.resources[0].name.split("-")[-2]


# --- virtual machines -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("tier", "size", "sku"), [
    ("P1", 4, "Premium_LRS"), ("P10", 128, "Premium_LRS"), ("P30", 1000, "Premium_LRS"),
    ("E3", 16, "StandardSSD_LRS"), ("E30", 1024, "StandardSSD_LRS"), ("E80", 32767, "StandardSSD_LRS"),
    ("S4", 32, "Standard_LRS"), ("S15", 256, "Standard_LRS"),
])
def test_disk_tier_maps_to_its_sku_and_size(tier: str, size: int, sku: str) -> None:
    template = build(TargetSpec("vm", "Standard_D4s_v5", "westeurope", (("P10", 128), (tier, size)), "linux"))

    os_disk, data_disk = bodies(template, DISK)
    assert data_disk["sku"] == {"name": sku}
    assert data_disk["properties"] == {"creationData": {"createOption": "Empty"}, "diskSizeGB": size}
    assert os_disk["sku"] == {"name": "Premium_LRS"} and os_disk["properties"]["diskSizeGB"] == 128


@pytest.mark.parametrize(("target", "os_type"), [(LINUX_VM, "Linux"), (WINDOWS_VM, "Windows")])
def test_the_first_disk_is_the_os_disk_and_data_disks_follow_by_lun(target: TargetSpec, os_type: str) -> None:
    template = build(target)
    (vm,) = bodies(template, VM)
    storage = vm["properties"]["storageProfile"]
    disks = [r.name for r in template.resources if r.type == DISK]

    assert bodies(template, DISK)[0]["properties"]["osType"] == os_type
    assert all("osType" not in d["properties"] for d in bodies(template, DISK)[1:])
    assert storage["osDisk"]["osType"] == os_type and storage["osDisk"]["createOption"] == "Attach"
    assert resolved(template, storage["osDisk"]["managedDisk"]["id"]) == disks[0]
    assert [(d["lun"], d["createOption"], resolved(template, d["managedDisk"]["id"])) for d in storage["dataDisks"]] \
        == [(lun, "Attach", name) for lun, name in enumerate(disks[1:])]
    assert vm["properties"]["hardwareProfile"] == {"vmSize": target.sku}
    assert [resolved(template, n["id"]) for n in vm["properties"]["networkProfile"]["networkInterfaces"]] == [
        f"{NAME}-nic"]
    assert {resolved(template, d) for d in vm["dependsOn"]} == set(disks) | {f"{NAME}-nic"}


def test_the_nic_sits_in_the_zone_subnet_given_as_a_parameter() -> None:
    template = build(LINUX_VM)
    (nic,) = bodies(template, NIC)
    (config,) = nic["properties"]["ipConfigurations"]

    assert config["properties"]["subnet"] == {"id": "[parameters('subnetId')]"}
    assert template.parameters["subnetId"] == {"value": ZONE.subnet_id}


# --- Azure SQL and App Service ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("sku", "expected"), [
    ("GP_Gen5_2", {"name": "GP_Gen5", "tier": "GeneralPurpose", "family": "Gen5", "capacity": 2}),
    ("GP_Gen5_80", {"name": "GP_Gen5", "tier": "GeneralPurpose", "family": "Gen5", "capacity": 80}),
    ("BC_Gen5_8", {"name": "BC_Gen5", "tier": "BusinessCritical", "family": "Gen5", "capacity": 8}),
    ("HS_Gen5_4", {"name": "HS_Gen5", "tier": "Hyperscale", "family": "Gen5", "capacity": 4}),
])
def test_sql_database_sku_from_our_sku_string(sku: str, expected: dict[str, Any]) -> None:
    (database,) = bodies(build(TargetSpec("sql-db", sku, "westeurope")), DATABASE)
    assert database["sku"] == expected


@pytest.mark.parametrize(("storage_gb", "max_size"), [(100.0, 100 * 1024**3), (0.5, 1024**3), (None, None)])
def test_sql_database_max_size_from_storage(storage_gb: float | None, max_size: int | None) -> None:
    details = {} if storage_gb is None else {"storage_gb": storage_gb}
    (database,) = bodies(build(TargetSpec("sql-db", "GP_Gen5_2", "westeurope", details=details)), DATABASE)
    assert database["properties"].get("maxSizeBytes") == max_size


@pytest.mark.parametrize(("sku", "storage_gb", "expected_sku", "vcores", "storage"), [
    ("GP_Gen5_8", 100.0, {"name": "GP_Gen5", "tier": "GeneralPurpose", "family": "Gen5"}, 8, 128),
    ("BC_Gen5_16", 32.0, {"name": "BC_Gen5", "tier": "BusinessCritical", "family": "Gen5"}, 16, 32),
    ("GP_Gen5_4", 1.0, {"name": "GP_Gen5", "tier": "GeneralPurpose", "family": "Gen5"}, 4, 32),
    ("GP_Gen5_4", None, {"name": "GP_Gen5", "tier": "GeneralPurpose", "family": "Gen5"}, 4, None),
])
def test_managed_instance_sku_vcores_and_storage(sku: str, storage_gb: float | None, expected_sku: dict[str, Any],
                                                 vcores: int, storage: int | None) -> None:
    details = {} if storage_gb is None else {"storage_gb": storage_gb}
    template = build(TargetSpec("sql-mi", sku, "westeurope", details=details))
    (instance,) = bodies(template, MI)

    assert instance["sku"] == expected_sku
    assert instance["properties"]["vCores"] == vcores
    assert instance["properties"].get("storageSizeInGB") == storage
    assert instance["properties"]["subnetId"] == "[parameters('sqlMiSubnetId')]"
    assert template.parameters["sqlMiSubnetId"] == {"value": ZONE.sql_mi_subnet_id}


@pytest.mark.parametrize(("target", "resource_type"), [(SQL_DB, SERVER), (SQL_MI, MI)])
def test_sql_uses_entra_only_authentication_with_the_zone_admin(target: TargetSpec, resource_type: str) -> None:
    template = build(target)
    (body,) = bodies(template, resource_type)

    assert body["properties"]["administrators"] == {
        "administratorType": "ActiveDirectory", "azureADOnlyAuthentication": True,
        "login": "[parameters('sqlAdminLogin')]", "sid": "[parameters('sqlAdminObjectId')]",
        "tenantId": "[parameters('tenantId')]"}
    assert {key: template.parameters[key]["value"] for key in ("sqlAdminLogin", "sqlAdminObjectId", "tenantId")} == {
        "sqlAdminLogin": ZONE.sql_admin_login, "sqlAdminObjectId": ZONE.sql_admin_object_id,
        "tenantId": ZONE.tenant_id}


@pytest.mark.parametrize(("sku", "name", "tier"), [
    ("B1", "B1", "Basic"), ("S2", "S2", "Standard"), ("P1v2", "P1v2", "PremiumV2"), ("P0v3", "P0v3", "PremiumV3"),
    ("P1v3", "P1v3", "PremiumV3"), ("p3V3", "P3v3", "PremiumV3"), ("P2mv3", "P2mv3", "PremiumMV3"),
])
def test_app_service_plan_sku(sku: str, name: str, tier: str) -> None:
    (plan,) = bodies(build(TargetSpec("app-service", sku, "westeurope", os="linux")), PLAN)
    assert plan["sku"] == {"name": name, "tier": tier, "capacity": 1}


@pytest.mark.parametrize(("os", "plan_kind", "site_kind", "reserved"), [
    ("linux", "linux", "app,linux", True), ("windows", "app", "app", False), ("Windows", "app", "app", False),
])
def test_app_service_linux_or_windows(os: str, plan_kind: str, site_kind: str, reserved: bool) -> None:
    template = build(TargetSpec("app-service", "P1v3", "westeurope", os=os))
    (plan,), (site,) = bodies(template, PLAN), bodies(template, SITE)

    assert (plan["kind"], plan["properties"]["reserved"]) == (plan_kind, reserved)
    assert (site["kind"], site["properties"]["reserved"]) == (site_kind, reserved)
    assert resolved(template, site["properties"]["serverFarmId"]) == f"{NAME}-plan"
    assert site["properties"]["serverFarmId"].startswith("[resourceId('Microsoft.Web/serverfarms', ")
    assert site["dependsOn"] == [site["properties"]["serverFarmId"]]
    assert site["properties"]["httpsOnly"] is True


def test_every_sku_assessment_produces_maps() -> None:
    sql = {SqlChoice(kind, service, tier, vcores, 32.0, "").sku
           for kind, service, options in ((SqlKind.DATABASE, TargetService.SQL_DB, SQL_DB_VCORES),
                                          (SqlKind.MANAGED_INSTANCE, TargetService.SQL_MI, SQL_MI_VCORES))
           for tier in SqlTier for vcores in options}
    for sku in sql:
        assert sku is not None
        build(TargetSpec("sql-db", sku, "westeurope"))
        build(TargetSpec("sql-mi", sku, "westeurope"))
    for plan in APP_SERVICE_PLAN_SPECS:
        (body,) = bodies(build(TargetSpec("app-service", plan, "westeurope", os="windows")), PLAN)
        assert body["sku"]["name"] == plan


# --- what every template shares ---------------------------------------------------------------------------------


@pytest.mark.parametrize("target", TARGETS.values(), ids=list(TARGETS))
def test_every_resource_is_tagged_and_located_from_parameters(target: TargetSpec) -> None:
    template = build(target)

    assert all(r["tags"] == "[parameters('tags')]" and r["location"] == "[parameters('location')]"
               for r in template.template["resources"])
    assert template.parameters["tags"] == {"value": {"cost-center": "cc-1138", "owner": "mig", TAG_WAVE: "3",
                                                     TAG_SYSTEM: "web-01", TAG_RUN: "7"}}
    assert template.parameters["location"] == {"value": "westeurope"}
    assert set(template.parameters) == set(template.template["parameters"])


@pytest.mark.parametrize("target", TARGETS.values(), ids=list(TARGETS))
def test_only_the_allowed_template_functions_are_used(target: TargetSpec) -> None:
    template = build(target)
    expressions = [s for s in strings(template.template) if s.startswith("[")]

    assert expressions and all(s.endswith("]") and not s.startswith("[[") for s in expressions)
    used = {f.lower() for s in expressions for f in re.findall(r"([A-Za-z_][\w.]*)\s*\(", s)}
    assert used <= ALLOWED_FUNCTIONS
    assert {"schema", "contentversion"} <= {k.lstrip("$").lower() for k in template.template}


@pytest.mark.parametrize("target", TARGETS.values(), ids=list(TARGETS))
def test_no_passwords_and_no_os_profile(target: TargetSpec) -> None:
    keys = {s.lower() for s in strings(build(target).template)}
    assert not keys & {"osprofile", "adminpassword", "administratorlogin", "administratorloginpassword"}


def test_outside_strings_travel_as_parameters_never_as_template_text() -> None:
    sneaky = Workload(9, "[concat('x')] db", Strategy.REHOST)
    zone = LandingZone(subnet_id=ZONE.subnet_id, tags={"note": "[resourceGroup().id]"})
    template = build(LINUX_VM, workload=sneaky, zone=zone)

    assert not any("concat('x')" in s or "resourceGroup().id" in s for s in strings(template.template))
    assert template.parameters["tags"]["value"][TAG_SYSTEM] == "[concat('x')] db"
    assert template.parameters["tags"]["value"]["note"] == "[resourceGroup().id]"


@pytest.mark.parametrize("target", TARGETS.values(), ids=list(TARGETS))
def test_the_same_inputs_build_the_identical_template(target: TargetSpec) -> None:
    first, second = build(target), build(target)
    assert first == second
    assert json.dumps(first.template) == json.dumps(second.template)
    assert json.dumps(first.parameters) == json.dumps(second.parameters)


ODD = ("Ünïcødé_SERVER.corp [prod] 'q' \"x\" <a&b> %20 /\\ ?* " * 5)[:200]


@pytest.mark.parametrize("target", TARGETS.values(), ids=list(TARGETS))
def test_a_200_character_system_name_with_odd_characters_gives_valid_names(target: TargetSpec) -> None:
    workload = Workload(42, ODD, Strategy.REHOST)
    template = build(target, workload=workload, name=f"lm-w3-r7-{ODD}-42-provision")

    assert_valid_names(template)
    assert template.parameters["tags"]["value"][TAG_SYSTEM] == ODD
    assert all(re.search(HASH, r.name) for r in template.resources)


def test_a_system_name_longer_than_a_tag_value_is_cut_to_256() -> None:
    template = build(SQL_DB, workload=Workload(1, "s" * 300, Strategy.REHOST))
    assert template.parameters["tags"]["value"][TAG_SYSTEM] == "s" * 256


# --- ids and deletion order -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("resource", "expected"), [
    (PlannedResource(DATABASE, "srv/db", "2023-08-01"),
     "/subscriptions/sub/resourceGroups/lm-wave-3/providers/Microsoft.Sql/servers/srv/databases/db"),
    (PlannedResource(DISK, "d0", "2024-03-02"),
     "/subscriptions/sub/resourceGroups/lm-wave-3/providers/Microsoft.Compute/disks/d0"),
    (PlannedResource("Microsoft.Web/sites/slots", "app/staging", "2024-04-01"),
     "/subscriptions/sub/resourceGroups/lm-wave-3/providers/Microsoft.Web/sites/app/slots/staging"),
])
def test_resource_ids_including_child_types(resource: PlannedResource, expected: str) -> None:
    assert resource.resource_id("sub", "lm-wave-3") == expected


@pytest.mark.parametrize(("type_", "name"), [(DATABASE, "db"), (DISK, "a/b"), ("Microsoft.Compute", "x"),
                                             (DATABASE, "srv/")])
def test_a_name_must_have_one_segment_per_type_level(type_: str, name: str) -> None:
    with pytest.raises(TemplateError, match="one segment per type level"):
        PlannedResource(type_, name, "2024-01-01")


def test_template_resource_ids_use_the_child_path() -> None:
    template = build(SQL_DB)
    server, database = template.resource_ids("sub", "lm-wave-3")

    assert database.startswith(f"{server}/databases/") and database.endswith(f"/databases/{NAME}-db")


@pytest.mark.parametrize(("target", "order"), [
    (LINUX_VM, [VM, NIC, DISK, DISK, DISK]), (SQL_DB, [DATABASE, SERVER]), (SQL_MI, [MI]), (APP, [SITE, PLAN]),
])
def test_deletion_order_puts_dependents_first(target: TargetSpec, order: list[str]) -> None:
    template = build(target)
    deletion = template.deletion_order()

    assert [r.type for r in deletion] == order
    assert deletion == template.resources[::-1]
    if target is LINUX_VM:
        assert [r.name for r in deletion[2:]] == [f"{NAME}-data1", f"{NAME}-data0", f"{NAME}-osdisk"]


def test_str_is_the_dry_run() -> None:
    assert str(build(APP)).splitlines() == [
        f"deployment {NAME} creates, in order:",
        f"  {PLAN} {NAME}-plan (api 2024-04-01)",
        f"  {SITE} {build(APP).resources[1].name} (api 2024-04-01)",
    ]


# --- errors -----------------------------------------------------------------------------------------------------


NO_SQL_ADMIN = LandingZone(subnet_id=ZONE.subnet_id, sql_mi_subnet_id=ZONE.sql_mi_subnet_id)


@pytest.mark.parametrize(("target", "zone", "message"), [
    (LINUX_VM, LandingZone(), "cannot provision vm: the landing zone has no subnet_id"),
    (LINUX_VM, LandingZone(subnet_id="snet-vms"), "subnet_id 'snet-vms' is not a subnet resource id"),
    (TargetSpec("vm", None, "westeurope", (("P10", 128),), "linux"), ZONE, "the target has no VM size"),
    (TargetSpec("vm", "Standard D2", "westeurope", (("P10", 128),), "linux"), ZONE, "is not a VM size"),
    (TargetSpec("vm", "Standard_D2s_v5", "westeurope", (), "linux"), ZONE, "needs at least its OS disk"),
    (TargetSpec("vm", "Standard_D2s_v5", "westeurope", (("X10", 128),), "linux"), ZONE, "disk tier 'X10'"),
    (TargetSpec("vm", "Standard_D2s_v5", "westeurope", (("P10", 0),), "linux"), ZONE, "a 0 GiB disk"),
    (TargetSpec("vm", "Standard_D2s_v5", "westeurope", (("P10", 128),)), ZONE, "the target's OS is None"),
    (TargetSpec("vm", "Standard_D2s_v5", "", (("P10", 128),), "linux"), ZONE, "the target has no region"),
    (SQL_DB, NO_SQL_ADMIN, "no sql_admin_login, sql_admin_object_id, tenant_id (Entra-only"),
    (SQL_MI, LandingZone(sql_mi_subnet_id=ZONE.sql_mi_subnet_id, sql_admin_login="a", sql_admin_object_id="b",
                         tenant_id=ZONE.tenant_id), "sql_admin_object_id 'b' is not an object id"),
    (TargetSpec("sql-db", "S0", "westeurope"), ZONE, "sku 'S0' is not a vCore sku"),
    (TargetSpec("sql-db", None, "westeurope"), ZONE, "sku None is not a vCore sku"),
    (TargetSpec("sql-mi", "HS_Gen5_4", "westeurope"), ZONE, "expected <GP or BC>_<family>_<vCores>"),
    (SQL_MI, LandingZone(subnet_id=ZONE.subnet_id), "no sql_mi_subnet_id"),
    (TargetSpec("app-service", "Y1", "westeurope", os="linux"), ZONE, "'Y1' is not an App Service plan"),
    (TargetSpec("app-service", "B1v3", "westeurope", os="linux"), ZONE, "'B1v3' is not an App Service plan"),
    (TargetSpec("app-service", "P1v3", "westeurope"), ZONE, "expected 'linux' or 'windows'"),
    (TargetSpec("aks", "Standard_D4s_v5", "westeurope"), ZONE, "'aks' is not provisioned by lumen-migrate: an AKS"),
    (TargetSpec("none", None, "westeurope"), ZONE, "'none' is not provisioned by lumen-migrate: the system has no"),
    (TargetSpec("cosmos", None, "westeurope"), ZONE, "'cosmos' is not provisioned by lumen-migrate: unknown"),
    (LINUX_VM, LandingZone(subnet_id=ZONE.subnet_id, tags={"lumen-migrate:wave": "9"}), "is reserved"),
    (LINUX_VM, LandingZone(subnet_id=ZONE.subnet_id, tags={"a/b": "x"}), "'a/b': a tag name"),
    (LINUX_VM, LandingZone(subnet_id=ZONE.subnet_id, tags={f"t{i}": "x" for i in range(48)}), "exceed Azure's 50"),
])
def test_what_cannot_be_provisioned_is_one_line_naming_the_system(target: TargetSpec, zone: LandingZone,
                                                                  message: str) -> None:
    with pytest.raises(TemplateError) as raised:
        build(target, zone=zone, workload=Workload(42, "web-01\nprod", Strategy.REHOST))

    text = str(raised.value)
    assert text.startswith("web-01 prod (system 42): ") and "\n" not in text
    assert message in text


@pytest.mark.parametrize(("resource_type", "version"), [
    (DISK, "2024-03-02"), (VM, "2024-07-01"), (NIC, "2024-05-01"), (SERVER, "2023-08-01"),
    ("microsoft.sql/servers/DATABASES", "2023-08-01"), (MI, "2023-08-01"), (PLAN, "2024-04-01"),
    (SITE, "2024-04-01"),
])
def test_api_version_for_the_types_we_create(resource_type: str, version: str) -> None:
    assert api_version_for(resource_type) == version


def test_api_version_for_an_unknown_type_is_a_template_error() -> None:
    with pytest.raises(TemplateError, match="'Microsoft.Storage/storageAccounts' is not a resource type"):
        api_version_for("Microsoft.Storage/storageAccounts")


@pytest.mark.parametrize(("wave", "pattern", "expected"), [
    (3, "lm-wave-{wave}", "lm-wave-3"), (12, "rg-migration-w{wave:02d}-weu", "rg-migration-w12-weu"),
    (1, "rg_(wave).{wave}", "rg_(wave).1"),
])
def test_resource_group_name(wave: int, pattern: str, expected: str) -> None:
    assert resource_group_name(wave, pattern=pattern) == expected
    assert resource_group_name(3) == "lm-wave-3"
    assert resource_group_name(0) == "lm-wave-0", "the pilot wave"


@pytest.mark.parametrize(("wave", "pattern", "message"), [
    (1, "lm-{region}-{wave}", "only {wave}"),
    (1, "lm wave {wave}", "is not valid"), (1, "lm-wave-{wave}.", "is not valid"), (1, "x" * 90 + "{wave}", "1-90"),
])
def test_a_bad_resource_group_pattern_is_a_template_error(wave: int, pattern: str, message: str) -> None:
    with pytest.raises(TemplateError, match=re.escape(message)):
        resource_group_name(wave, pattern=pattern)


# --- properties -------------------------------------------------------------------------------------------------


@given(step=st.text(max_size=300), system=st.text(max_size=300))
@settings(max_examples=150, deadline=None)
def test_any_names_give_valid_deterministic_names(step: str, system: str) -> None:
    workload = Workload(1, system, Strategy.REHOST)
    for target in TARGETS.values():
        template = build(target, workload=workload, name=step)
        assert template == build(target, workload=workload, name=step)
        assert_valid_names(template)
        assert template.parameters["tags"]["value"][TAG_SYSTEM] == system[:256]


@given(first=st.text(max_size=120), second=st.text(max_size=120))
@settings(max_examples=150, deadline=None)
def test_two_step_names_never_share_a_resource_name(first: str, second: str) -> None:
    assume(first != second)
    for target in TARGETS.values():
        names = {(r.type, r.name) for r in build(target, name=first).resources}
        assert not names & {(r.type, r.name) for r in build(target, name=second).resources}


def test_network_only_provisioning_leaves_the_vm_and_its_disks_to_the_replication_tool() -> None:
    """Azure Migrate's server migration creates the VM and its disks at cutover: only the NIC is deployed."""
    import dataclasses

    template = build(LINUX_VM, zone=dataclasses.replace(ZONE, vm_provision="network"))
    assert [r.type for r in template.resources] == [NIC]
    assert build(LINUX_VM).resources[-1].type == VM, "the default deploys the VM"
    with pytest.raises(TemplateError, match="vm_provision 'nic'"):
        build(LINUX_VM, zone=dataclasses.replace(ZONE, vm_provision="nic"))
