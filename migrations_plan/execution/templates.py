"""ARM templates for the `provision` step of a workload: one deployment per workload, built from its target.

Pure: no Prefect, no database, no network, no Azure SDK. The backend deploys `ArmTemplate.template` with
`ArmTemplate.parameters` in **Incremental** mode into the wave's resource group (`resource_group_name`); Complete
mode would delete the other workloads of the wave. Same inputs give an identical template and deployment name,
so a resumed run re-sends the same deployment instead of creating a second set of resources.

Only the template functions `parameters`, `variables`, `resourceGroup`, `concat` and `resourceId` are used.
Every string that comes from outside (system name, tags, subnet ids, the Entra admin) is a deployment parameter,
never template text, so none can be read as a template expression.

Resource shapes and apiVersions, from Microsoft Learn's template reference (https://learn.microsoft.com/azure/templates/
+ the path below): microsoft.compute/2024-07-01/virtualmachines, microsoft.compute/2024-03-02/disks,
microsoft.network/2024-05-01/networkinterfaces, microsoft.sql/2023-08-01/servers (administrators with
azureADOnlyAuthentication), microsoft.sql/2023-08-01/servers/databases, microsoft.sql/2023-08-01/managedinstances,
microsoft.web/2024-04-01/serverfarms, microsoft.web/2024-04-01/sites.
Name limits: https://learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules; tag limits
(50 per resource, values up to 256 characters, no < > % & \\ ? / in names):
https://learn.microsoft.com/azure/azure-resource-manager/management/tag-resources.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from inventory.errors import LumenError
from migrations_plan.assessment.model import TargetService
from migrations_plan.execution.runbook import Workload

TAG_WAVE, TAG_SYSTEM, TAG_RUN = "lumen-migrate:wave", "lumen-migrate:system", "lumen-migrate:run"

DISK = "Microsoft.Compute/disks"
VIRTUAL_MACHINE = "Microsoft.Compute/virtualMachines"
NETWORK_INTERFACE = "Microsoft.Network/networkInterfaces"
SQL_SERVER = "Microsoft.Sql/servers"
SQL_DATABASE = "Microsoft.Sql/servers/databases"
SQL_MANAGED_INSTANCE = "Microsoft.Sql/managedInstances"
APP_SERVICE_PLAN = "Microsoft.Web/serverfarms"
WEB_APP = "Microsoft.Web/sites"

API_VERSIONS: Mapping[str, str] = MappingProxyType({
    DISK: "2024-03-02",
    VIRTUAL_MACHINE: "2024-07-01",
    NETWORK_INTERFACE: "2024-05-01",
    SQL_SERVER: "2023-08-01",
    SQL_DATABASE: "2023-08-01",
    SQL_MANAGED_INSTANCE: "2023-08-01",
    APP_SERVICE_PLAN: "2024-04-01",
    WEB_APP: "2024-04-01",
})

SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"
MAX_TAGS = 50
MAX_TAG_VALUE = 256
DEPLOYMENT_NAME_MAX = 64
# Longest name per type (Learn's naming rules). Every name we make is lowercase letters, digits and inner hyphens,
# which all these types accept. The VM limit is the resource name's: with the OS disk attached, not built from an
# image, the 15-character Windows computer name is the replicated server's own and not derived from it.
_MAX_LENGTH: Mapping[str, int] = MappingProxyType({
    DISK: 80, NETWORK_INTERFACE: 80, VIRTUAL_MACHINE: 64, SQL_SERVER: 63, SQL_DATABASE: 128,
    SQL_MANAGED_INSTANCE: 63, APP_SERVICE_PLAN: 60, WEB_APP: 60,
})
# Names that are DNS labels (<name>.database.windows.net, <name>.azurewebsites.net) must be unique in all of Azure.
_GLOBAL = frozenset({SQL_SERVER, SQL_MANAGED_INSTANCE, WEB_APP})

_DISK_TIER = re.compile(r"(?P<kind>[PES])(?P<number>\d+)")
_DISK_SKUS = {"P": "Premium_LRS", "E": "StandardSSD_LRS", "S": "Standard_LRS"}
_MAX_DISK_GIB = 32767
_MAX_LUNS = 64
_VM_SIZE = re.compile(r"[A-Za-z][A-Za-z0-9_-]*")
_SQL_SKU = re.compile(r"(?P<edition>GP|BC|HS)_(?P<family>[A-Za-z0-9]+)_(?P<vcores>\d+)")
_SQL_TIERS = {"GP": "GeneralPurpose", "BC": "BusinessCritical", "HS": "Hyperscale"}
_PLAN_SKU = re.compile(r"(?P<family>[BSP])(?P<size>\d+)(?P<version>v2|v3|mv3)?", re.IGNORECASE)
_PLAN_TIERS = {("B", ""): "Basic", ("S", ""): "Standard", ("P", ""): "Premium", ("P", "v2"): "PremiumV2",
               ("P", "v3"): "PremiumV3", ("P", "mv3"): "PremiumMV3"}
_MI_STORAGE_STEP_GB = 32
_GIB = 1024**3
_SUBNET_ID = re.compile(r"/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft\.Network/virtualNetworks/"
                        r"[^/]+/subnets/[^/]+", re.IGNORECASE)
_GUID = re.compile(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")
_BAD_TAG_NAME = re.compile(r"[<>%&\\?/]")
_RESOURCE_GROUP = re.compile(r"[-\w.()]{1,90}")


class TemplateError(LumenError):
    """A target that cannot be provisioned (or a setting that prevents it); the message is one line."""


@dataclass(frozen=True, slots=True)
class TargetSpec:
    """What execution knows of a `target_mapping` row. `disks` are (tier, size GiB); a VM's first is its OS disk."""

    service: str
    sku: str | None
    region: str
    disks: tuple[tuple[str, int], ...] = ()
    os: str | None = None
    details: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True, slots=True)
class LandingZone:
    """Where workloads land, set by the engineer. SQL uses Entra-only authentication: no SQL password anywhere."""

    subnet_id: str | None = None
    sql_mi_subnet_id: str | None = None
    sql_admin_login: str | None = None
    sql_admin_object_id: str | None = None
    tenant_id: str | None = None
    tags: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    # "full": NIC, empty disks and the VM; "network": the NIC only, for a replication tool that creates the
    # VM and its disks itself at cutover (Azure Migrate's server migration).
    vm_provision: str = "full"


@dataclass(frozen=True, slots=True)
class PlannedResource:
    """One resource a template creates. `name` has one segment per child level ("server/db")."""

    type: str
    name: str
    api_version: str

    def __post_init__(self) -> None:
        levels = self.type.split("/")[1:]
        names = self.name.split("/")
        if not levels or len(levels) != len(names) or not all(names):
            raise TemplateError(f"resource {self.name!r} of type {self.type!r}: a name needs one segment per type "
                                "level below the namespace")

    def resource_id(self, subscription_id: str, resource_group: str) -> str:
        namespace, *levels = self.type.split("/")
        path = "".join(f"/{level}/{name}" for level, name in zip(levels, self.name.split("/"), strict=True))
        return f"/subscriptions/{subscription_id}/resourceGroups/{resource_group}/providers/{namespace}{path}"


@dataclass(frozen=True, slots=True)
class ArmTemplate:
    """A deployment for one workload. `resources` is in creation order (what a resource needs comes before it);
    `deletion_order()` is its reverse. `template` and `parameters` are plain JSON, ready for the SDK."""

    deployment_name: str
    template: Mapping[str, Any]
    parameters: Mapping[str, Any]
    resources: tuple[PlannedResource, ...]

    def resource_ids(self, subscription_id: str, resource_group: str) -> tuple[str, ...]:
        return tuple(r.resource_id(subscription_id, resource_group) for r in self.resources)

    def deletion_order(self) -> tuple[PlannedResource, ...]:
        """Dependents first: the VM before its NIC and disks, a database before its server, a site before its plan."""
        return self.resources[::-1]

    def __str__(self) -> str:
        lines = [f"deployment {self.deployment_name} creates, in order:"]
        lines += [f"  {r.type} {r.name} (api {r.api_version})" for r in self.resources]
        return "\n".join(lines)


def api_version_for(resource_type: str) -> str:
    """The apiVersion to delete a resource of a type we create (ARM type names are case-insensitive)."""
    for known, version in API_VERSIONS.items():
        if known.lower() == resource_type.lower():
            return version
    raise TemplateError(f"{resource_type!r} is not a resource type lumen-migrate creates "
                        f"({', '.join(API_VERSIONS)})")


def resource_group_name(wave_number: int, *, pattern: str = "lm-wave-{wave}") -> str:
    """The wave's resource group: `pattern` with `{wave}` filled in (0 is the pilot wave), checked against
    Azure's rules."""
    try:
        name = pattern.format(wave=wave_number)
    except (KeyError, IndexError, ValueError) as e:
        raise TemplateError(f"resource group pattern {pattern!r}: only {{wave}} can be filled in ({e})") from e
    if not _RESOURCE_GROUP.fullmatch(name) or name.endswith("."):
        raise TemplateError(f"resource group name {name!r} (from pattern {pattern!r}) is not valid: 1-90 letters, "
                            "digits, '-', '_', '.', '(' or ')', not ending in '.'")
    return name


def provision_template(workload: Workload, target: TargetSpec, *, name: str, wave_number: int, run_id: int,
                       zone: LandingZone) -> ArmTemplate:
    """The deployment that creates `workload`'s target, every resource named from the step's `name`."""
    who = f"{' '.join(workload.name.split())} (system {workload.system_id})"
    build = _BUILDERS.get(target.service)
    if build is None:
        raise TemplateError(f"{who}: {_not_provisioned(target.service)}")
    if not target.region.strip():
        raise TemplateError(f"{who}: cannot provision {target.service}: the target has no region")
    tags = _tags(workload, wave_number, run_id, zone, who)
    template = _Template({"location": ("string", target.region), "tags": ("object", tags)})
    build(template, _Context(who, name, target, zone))
    return ArmTemplate(deployment_name=_name(name, "", DEPLOYMENT_NAME_MAX), template=template.json(),
                       parameters=template.parameter_values(), resources=tuple(template.planned))


# --- assembling a template --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Context:
    who: str
    name: str
    target: TargetSpec
    zone: LandingZone

    def fail(self, why: str) -> TemplateError:
        return TemplateError(f"{self.who}: cannot provision {self.target.service}: {why}")

    def resource_name(self, resource_type: str, suffix: str) -> str:
        return _name(self.name, suffix, _MAX_LENGTH[resource_type], unique=resource_type in _GLOBAL)


class _Template:
    """Collects parameters, name variables and resources in creation order."""

    def __init__(self, parameters: dict[str, tuple[str, Any]]) -> None:
        self.parameters = dict(parameters)
        self.variables: dict[str, str] = {}
        self.resources: list[dict[str, Any]] = []
        self.planned: list[PlannedResource] = []

    def parameter(self, key: str, value: str) -> str:
        self.parameters[key] = ("string", value)
        return f"[parameters('{key}')]"

    def add(self, resource_type: str, variable: str, name: str, *, properties: Mapping[str, Any],
            sku: Mapping[str, Any] | None = None, kind: str | None = None, depends_on: tuple[str, ...] = ()) -> str:
        """Add a resource whose ARM name is held in `variable`; returns the resourceId expression for it."""
        self.variables[variable] = name
        body: dict[str, Any] = {"type": resource_type, "apiVersion": API_VERSIONS[resource_type],
                                "name": f"[variables('{variable}')]", "location": "[parameters('location')]",
                                "tags": "[parameters('tags')]"}
        if sku is not None:
            body["sku"] = dict(sku)
        if kind is not None:
            body["kind"] = kind
        if depends_on:
            body["dependsOn"] = list(depends_on)
        body["properties"] = dict(properties)
        self.resources.append(body)
        self.planned.append(PlannedResource(resource_type, name, API_VERSIONS[resource_type]))
        if "/" not in name:
            return f"[resourceId('{resource_type}', variables('{variable}'))]"
        # A child's resourceId takes one argument per name segment; our names never contain a quote.
        segments = ", ".join(f"'{part}'" for part in name.split("/"))
        return f"[resourceId('{resource_type}', {segments})]"

    def json(self) -> dict[str, Any]:
        return {"$schema": SCHEMA, "contentVersion": "1.0.0.0",
                "parameters": {key: {"type": kind} for key, (kind, _) in self.parameters.items()},
                "variables": dict(self.variables), "resources": list(self.resources), "outputs": {}}

    def parameter_values(self) -> dict[str, Any]:
        return {key: {"value": value} for key, (_, value) in self.parameters.items()}


def _name(full: str, suffix: str, limit: int, *, unique: bool = False) -> str:
    """`full` as lowercase letters, digits and inner hyphens, plus `-suffix`, within `limit` characters.

    A short stable hash of `full` is added when the name is globally unique, or when `full` had to be changed or
    cut to fit, so two step names never share a resource name.
    """
    base = re.sub(r"[^a-z0-9]+", "-", full.lower()).strip("-") or "lm"
    tail = f"-{suffix}" if suffix else ""
    if unique or base != full or len(base) + len(tail) > limit:
        digest = hashlib.sha256(full.encode("utf-8", "surrogatepass")).hexdigest()[:8]
        tail = f"-{digest}{tail}"
    return base[: limit - len(tail)].rstrip("-") + tail


def _tags(workload: Workload, wave_number: int, run_id: int, zone: LandingZone, who: str) -> dict[str, str]:
    problems = [f"{key!r} is reserved" for key in zone.tags if key.lower().startswith("lumen-migrate:")]
    problems += [f"{key!r}: a tag name is 1-512 characters without < > % & \\ ? /" for key in zone.tags
                 if not key or len(key) > 512 or _BAD_TAG_NAME.search(key)]
    problems += [f"{key!r}: a tag value is at most {MAX_TAG_VALUE} characters" for key, value in zone.tags.items()
                 if len(value) > MAX_TAG_VALUE]
    if len(zone.tags) + 3 > MAX_TAGS:
        problems.append(f"{len(zone.tags)} zone tags + 3 of lumen-migrate exceed Azure's {MAX_TAGS} per resource")
    if problems:
        raise TemplateError(f"{who}: the landing zone's tags cannot be used: {'; '.join(problems)}")
    return {**zone.tags, TAG_WAVE: str(wave_number), TAG_SYSTEM: workload.name[:MAX_TAG_VALUE],
            TAG_RUN: str(run_id)}


def _setting(ctx: _Context, value: str | None, setting: str, what: str, pattern: re.Pattern[str]) -> str:
    if not value:
        raise ctx.fail(f"the landing zone has no {setting} ({what})")
    if not pattern.fullmatch(value):
        raise ctx.fail(f"the landing zone's {setting} {value!r} is not {what}")
    return value


def _os(ctx: _Context) -> str:
    os = (ctx.target.os or "").lower()
    if os not in ("linux", "windows"):
        raise ctx.fail(f"the target's OS is {ctx.target.os!r}, expected 'linux' or 'windows'")
    return os


def _storage_gb(target: TargetSpec) -> float | None:
    value = target.details.get("storage_gb")
    if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
        return float(value)
    return None


# --- virtual machines -------------------------------------------------------------------------------------------


def _virtual_machine(template: _Template, ctx: _Context) -> None:
    """A NIC in the zone's subnet, empty managed disks and a VM with them attached (no image, no osProfile);
    with `zone.vm_provision == "network"` the NIC only.

    The OS disk is created **empty** with `osType` set, for the replication tool to fill with the server's own
    OS disk; until then the VM has nothing to boot. Data disks are attached at luns 0, 1, ... in target order.
    """
    target = ctx.target
    if not target.sku:
        raise ctx.fail("the target has no VM size (sku)")
    if not _VM_SIZE.fullmatch(target.sku):
        raise ctx.fail(f"{target.sku!r} is not a VM size")
    os_type = _os(ctx).capitalize()
    if not target.disks:
        raise ctx.fail("the target maps no managed disks (a VM needs at least its OS disk)")
    if len(target.disks) - 1 > _MAX_LUNS:
        raise ctx.fail(f"{len(target.disks) - 1} data disks: a VM takes at most {_MAX_LUNS}")
    subnet = _setting(ctx, ctx.zone.subnet_id, "subnet_id", "a subnet resource id for VM network interfaces",
                      _SUBNET_ID)
    if ctx.zone.vm_provision not in ("full", "network"):
        raise ctx.fail(f"vm_provision {ctx.zone.vm_provision!r}: expected full or network")
    if ctx.zone.vm_provision == "network":
        _nic(template, ctx, subnet)
        return
    disk_ids = []
    for index, (tier, size) in enumerate(target.disks):
        suffix = "osdisk" if index == 0 else f"data{index - 1}"
        properties: dict[str, Any] = {"creationData": {"createOption": "Empty"}, "diskSizeGB": _disk_size(ctx, size)}
        if index == 0:
            properties["osType"] = os_type
        disk_ids.append(template.add(DISK, f"disk{index}Name", ctx.resource_name(DISK, suffix),
                                     sku={"name": _disk_sku(ctx, tier)}, properties=properties))
    nic_id = _nic(template, ctx, subnet)
    template.add(VIRTUAL_MACHINE, "vmName", ctx.resource_name(VIRTUAL_MACHINE, "vm"),
                 depends_on=(*disk_ids, nic_id), properties={
        "hardwareProfile": {"vmSize": target.sku},
        "storageProfile": {
            "osDisk": {"osType": os_type, "createOption": "Attach", "managedDisk": {"id": disk_ids[0]}},
            "dataDisks": [{"lun": lun, "createOption": "Attach", "managedDisk": {"id": disk_id}}
                          for lun, disk_id in enumerate(disk_ids[1:])],
        },
        "networkProfile": {"networkInterfaces": [{"id": nic_id}]},
        "diagnosticsProfile": {"bootDiagnostics": {"enabled": True}},
    })


def _nic(template: _Template, ctx: _Context, subnet: str) -> str:
    return template.add(NETWORK_INTERFACE, "nicName", ctx.resource_name(NETWORK_INTERFACE, "nic"), properties={
        "ipConfigurations": [{"name": "ipconfig1", "properties": {
            "privateIPAllocationMethod": "Dynamic", "subnet": {"id": template.parameter("subnetId", subnet)}}}],
    })


def _disk_sku(ctx: _Context, tier: str) -> str:
    match = _DISK_TIER.fullmatch(tier)
    if match is None:
        raise ctx.fail(f"disk tier {tier!r} is not a managed-disk tier (P*, E* or S*)")
    return _DISK_SKUS[match["kind"]]


def _disk_size(ctx: _Context, size: int) -> int:
    if not 1 <= size <= _MAX_DISK_GIB:
        raise ctx.fail(f"a {size} GiB disk: managed disks are 1-{_MAX_DISK_GIB} GiB")
    return size


# --- Azure SQL ---------------------------------------------------------------------------------------------------


def _sql_sku(ctx: _Context, *, managed_instance: bool) -> dict[str, Any]:
    """Our stored sku "GP_Gen5_4" -> {"name": "GP_Gen5", "tier": "GeneralPurpose", "family": "Gen5", "capacity": 4}."""
    sku = ctx.target.sku or ""
    match = _SQL_SKU.fullmatch(sku)
    if match is None or (managed_instance and match["edition"] == "HS"):
        editions = "GP or BC" if managed_instance else "GP, BC or HS"
        raise ctx.fail(f"sku {ctx.target.sku!r} is not a vCore sku (expected <{editions}>_<family>_<vCores>, "
                       "e.g. GP_Gen5_4)")
    edition, family = match["edition"], match["family"]
    return {"name": f"{edition}_{family}", "tier": _SQL_TIERS[edition], "family": family,
            "capacity": int(match["vcores"])}


def _entra_admin(template: _Template, ctx: _Context) -> dict[str, Any]:
    """Entra-only authentication: the zone's Entra admin (user or group), no SQL login."""
    zone = ctx.zone
    missing = [setting for setting, value in (("sql_admin_login", zone.sql_admin_login),
                                              ("sql_admin_object_id", zone.sql_admin_object_id),
                                              ("tenant_id", zone.tenant_id)) if not value]
    if missing:
        raise ctx.fail(f"the landing zone has no {', '.join(missing)} (Entra-only authentication needs the Entra "
                       "admin's login and object id, and the tenant id)")
    sid = _setting(ctx, zone.sql_admin_object_id, "sql_admin_object_id", "an object id (GUID)", _GUID)
    tenant = _setting(ctx, zone.tenant_id, "tenant_id", "a tenant id (GUID)", _GUID)
    return {"administratorType": "ActiveDirectory", "azureADOnlyAuthentication": True,
            "login": template.parameter("sqlAdminLogin", zone.sql_admin_login or ""),
            "sid": template.parameter("sqlAdminObjectId", sid), "tenantId": template.parameter("tenantId", tenant)}


def _sql_database(template: _Template, ctx: _Context) -> None:
    """A logical server with Entra-only authentication and one vCore database sized from `storage_gb`."""
    sku = _sql_sku(ctx, managed_instance=False)
    administrators = _entra_admin(template, ctx)
    server_name = ctx.resource_name(SQL_SERVER, "sql")
    server_id = template.add(SQL_SERVER, "serverName", server_name, properties={
        "version": "12.0", "minimalTlsVersion": "1.2", "administrators": administrators})
    properties: dict[str, Any] = {}
    storage = _storage_gb(ctx.target)
    if storage is not None:
        properties["maxSizeBytes"] = math.ceil(storage) * _GIB
    template.add(SQL_DATABASE, "databaseName", f"{server_name}/{ctx.resource_name(SQL_DATABASE, 'db')}", sku=sku,
                 depends_on=(server_id,), properties=properties)


def _sql_managed_instance(template: _Template, ctx: _Context) -> None:
    """A managed instance in the zone's delegated subnet, Entra-only; vCores in properties, storage in 32 GB steps."""
    sku = _sql_sku(ctx, managed_instance=True)
    subnet = _setting(ctx, ctx.zone.sql_mi_subnet_id, "sql_mi_subnet_id",
                      "a subnet resource id delegated to SQL Managed Instance", _SUBNET_ID)
    administrators = _entra_admin(template, ctx)
    properties: dict[str, Any] = {"subnetId": template.parameter("sqlMiSubnetId", subnet), "vCores": sku["capacity"],
                                  "minimalTlsVersion": "1.2", "administrators": administrators}
    storage = _storage_gb(ctx.target)
    if storage is not None:
        properties["storageSizeInGB"] = max(1, math.ceil(storage / _MI_STORAGE_STEP_GB)) * _MI_STORAGE_STEP_GB
    template.add(SQL_MANAGED_INSTANCE, "managedInstanceName", ctx.resource_name(SQL_MANAGED_INSTANCE, "sqlmi"),
                 sku={key: value for key, value in sku.items() if key != "capacity"}, properties=properties)


# --- App Service ---------------------------------------------------------------------------------------------------


def _plan_sku(ctx: _Context) -> dict[str, Any]:
    """Plan name -> sku: "P1v3" -> {"name": "P1v3", "tier": "PremiumV3"}; B* Basic, S* Standard, P*mv3 PremiumMV3."""
    match = _PLAN_SKU.fullmatch(ctx.target.sku or "")
    tier = None if match is None else _PLAN_TIERS.get((match["family"].upper(), (match["version"] or "").lower()))
    if match is None or tier is None:
        raise ctx.fail(f"sku {ctx.target.sku!r} is not an App Service plan we provision (B1-B3, S1-S3, P*v2, "
                       "P*v3, P*mv3)")
    name = f"{match['family'].upper()}{match['size']}{(match['version'] or '').lower()}"
    instances = ctx.target.details.get("instances", 1)
    capacity = instances if isinstance(instances, int) and not isinstance(instances, bool) and instances > 0 else 1
    return {"name": name, "tier": tier, "capacity": capacity}


def _app_service(template: _Template, ctx: _Context) -> None:
    """A plan (Linux: kind "linux", reserved) and a web app on it, HTTPS only, FTP off."""
    sku = _plan_sku(ctx)
    linux = _os(ctx) == "linux"
    plan_id = template.add(APP_SERVICE_PLAN, "planName", ctx.resource_name(APP_SERVICE_PLAN, "plan"), sku=sku,
                           kind="linux" if linux else "app", properties={"reserved": linux})
    template.add(WEB_APP, "siteName", ctx.resource_name(WEB_APP, "app"), kind="app,linux" if linux else "app",
                 depends_on=(plan_id,), properties={
        "serverFarmId": plan_id, "reserved": linux, "httpsOnly": True,
        "siteConfig": {"minTlsVersion": "1.2", "ftpsState": "Disabled"},
    })


def _not_provisioned(service: str) -> str:
    reasons: Mapping[str, str] = {
        TargetService.AKS: "an AKS cluster is shared platform, not one per workload: containerise the workload "
                           "and deploy it to the landing zone's cluster",
        TargetService.NONE: "the system has no Azure target (not ready in assessment, or its replacement is not "
                            "an Azure resource)",
    }
    why = reasons.get(service, "unknown target service (expected vm, sql-db, sql-mi or app-service)")
    return f"'{service}' is not provisioned by lumen-migrate: {why}"


_BUILDERS: Mapping[str, Callable[[_Template, _Context], None]] = {
    TargetService.VM: _virtual_machine, TargetService.SQL_DB: _sql_database,
    TargetService.SQL_MI: _sql_managed_instance, TargetService.APP_SERVICE: _app_service,
}
