"""Every kind of provision template, deployed through the real Azure SDK clients into the ARM stand-in.

Per template: validate passes, what-if shows Create for exactly its resource ids, the deployment succeeds and
its outputResources are those ids, every resource carries the lumen-migrate tags, and deploying it again changes
nothing (what-if NoChange, no new resources): what a resumed run relies on.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from azure.mgmt.resource.deployments import DeploymentsMgmtClient
from azure.mgmt.resource.deployments.models import DeploymentParameter, DeploymentWhatIf, DeploymentWhatIfProperties
from azure.mgmt.resource.deployments.types import Deployment
from azure.mgmt.resource.resources import ResourceManagementClient

from migrations_plan.execution import Workload
from migrations_plan.execution.templates import (
    TAG_RUN,
    TAG_SYSTEM,
    TAG_WAVE,
    ArmTemplate,
    LandingZone,
    TargetSpec,
    provision_template,
    resource_group_name,
)
from migrations_plan.strategy_types import Strategy
from tests.arm_standin import ArmStandIn

pytestmark = pytest.mark.integration

WAVE, RUN = 3, 7
POLLING = 0.05  # seconds between polls; used because the stand-in is told to send Retry-After: 0
NET = "/subscriptions/0000/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet-lz/subnets"
ZONE = LandingZone(subnet_id=f"{NET}/snet-vms", sql_mi_subnet_id=f"{NET}/snet-sqlmi", sql_admin_login="sql-admins",
                   sql_admin_object_id="6f1c2f4e-27a1-4c3e-9a51-0d6b6f0c8e11",
                   tenant_id="72f988bf-86f1-41af-91ab-2d7cd011db47", tags={"cost-center": "cc-1138"})
CASES: dict[str, tuple[Workload, TargetSpec]] = {
    "vm-linux": (Workload(11, "web-01", Strategy.REHOST, "production"),
                 TargetSpec("vm", "Standard_D2s_v5", "westeurope", (("P10", 128), ("E30", 1024)), "linux")),
    "vm-windows": (Workload(12, "APP-SRV_02.corp", Strategy.REHOST, "production"),
                   TargetSpec("vm", "Standard_E4s_v5", "westeurope", (("P15", 256), ("S4", 32), ("P30", 1024)),
                              "windows")),
    "sql-db": (Workload(13, "billing-db", Strategy.REPLATFORM, "production"),
               TargetSpec("sql-db", "GP_Gen5_4", "westeurope", details={"storage_gb": 250.0})),
    "sql-mi": (Workload(14, "crm-db", Strategy.REPLATFORM, "production"),
               TargetSpec("sql-mi", "BC_Gen5_8", "westeurope", details={"storage_gb": 2000.0})),
    "app-service": (Workload(15, "portal", Strategy.REPLATFORM, "production"),
                    TargetSpec("app-service", "P1v3", "westeurope", os="linux", details={"instances": 1})),
}


def step_name(workload: Workload) -> str:
    return f"lm-w{WAVE}-r{RUN}-{workload.name.lower()}-{workload.system_id}-provision"


def deployment(template: ArmTemplate) -> Deployment:
    return {"properties": {"mode": "Incremental", "template": dict(template.template),
                           "parameters": dict(template.parameters)}}


def what_if_request(template: ArmTemplate) -> DeploymentWhatIf:
    """The SDK model (its TypedDict wrongly requires whatIfSettings and resourcePredictions)."""
    return DeploymentWhatIf(properties=DeploymentWhatIfProperties(
        template=dict(template.template), mode="Incremental",
        parameters={key: DeploymentParameter(value=value["value"]) for key, value in template.parameters.items()}))


@pytest.fixture
def credential(arm: ArmStandIn) -> Iterator[Any]:
    arm.configure(retry_after=0)  # the SDK then waits polling_interval, not 1 s, between polls (until reset)
    with arm.credential() as credential:
        yield credential


@pytest.fixture
def resources(arm: ArmStandIn, credential: Any) -> Iterator[ResourceManagementClient]:
    with ResourceManagementClient(credential, arm.subscription_id, polling_interval=POLLING,
                                  **arm.client_kwargs()) as client:
        yield client


@pytest.fixture
def deployments(arm: ArmStandIn, credential: Any) -> Iterator[DeploymentsMgmtClient]:
    with DeploymentsMgmtClient(credential, arm.subscription_id, polling_interval=POLLING,
                               **arm.client_kwargs()) as client:
        yield client


@pytest.fixture
def group(resources: ResourceManagementClient) -> str:
    name = resource_group_name(WAVE)
    resources.resource_groups.create_or_update(name, {"location": "westeurope"})
    return name


def changes(deployments: DeploymentsMgmtClient, group: str, template: ArmTemplate) -> dict[str, Any]:
    result = deployments.deployments.begin_what_if(group, template.deployment_name,
                                                   what_if_request(template)).result()
    assert result.status == "Succeeded"
    return {change.resource_id: change.change_type for change in result.changes or []}


def tags_by_id(resources: ResourceManagementClient, group: str) -> dict[str, dict[str, str]]:
    return {r.id: dict(r.tags or {}) for r in resources.resources.list_by_resource_group(group) if r.id}


@pytest.mark.parametrize("case", CASES.values(), ids=list(CASES))
def test_a_provision_template_deploys_once_and_again_changes_nothing(
        arm: ArmStandIn, resources: ResourceManagementClient, deployments: DeploymentsMgmtClient, group: str,
        case: tuple[Workload, TargetSpec]) -> None:
    workload, target = case
    template = provision_template(workload, target, name=step_name(workload), wave_number=WAVE, run_id=RUN,
                                  zone=ZONE)
    ids = template.resource_ids(arm.subscription_id, group)

    validated = deployments.deployments.begin_validate(group, template.deployment_name,
                                                       deployment(template)).result()
    assert validated.properties is not None and validated.properties.provisioning_state == "Succeeded"
    assert {r.id for r in validated.properties.validated_resources or []} == set(ids)
    assert changes(deployments, group, template) == dict.fromkeys(ids, "Create")

    result = deployments.deployments.begin_create_or_update(group, template.deployment_name,
                                                            deployment(template)).result()
    assert result.properties is not None and result.properties.provisioning_state == "Succeeded"
    assert {r.id for r in result.properties.output_resources or []} == set(ids)
    listed = tags_by_id(resources, group)
    assert set(listed) == set(ids)
    expected_tags = {TAG_WAVE: str(WAVE), TAG_SYSTEM: workload.name, TAG_RUN: str(RUN), "cost-center": "cc-1138"}
    assert all(tags == expected_tags for tags in listed.values())

    assert changes(deployments, group, template) == dict.fromkeys(ids, "NoChange")
    again = deployments.deployments.begin_create_or_update(group, template.deployment_name,
                                                           deployment(template)).result()
    assert again.properties is not None and again.properties.provisioning_state == "Succeeded"
    assert tags_by_id(resources, group) == listed
    assert arm.put_count(group, template.deployment_name) == 2


def test_workloads_of_one_wave_share_its_group_without_touching_each_other(
        arm: ArmStandIn, resources: ResourceManagementClient, deployments: DeploymentsMgmtClient,
        group: str) -> None:
    built = [provision_template(w, t, name=step_name(w), wave_number=WAVE, run_id=RUN, zone=ZONE)
             for w, t in (CASES["vm-linux"], CASES["sql-db"])]
    first, second = built
    deployments.deployments.begin_create_or_update(group, first.deployment_name, deployment(first)).result()

    first_ids = first.resource_ids(arm.subscription_id, group)
    second_ids = second.resource_ids(arm.subscription_id, group)
    assert changes(deployments, group, second) == {**dict.fromkeys(second_ids, "Create"),
                                                   **dict.fromkeys(first_ids, "Ignore")}
    deployments.deployments.begin_create_or_update(group, second.deployment_name, deployment(second)).result()
    assert set(tags_by_id(resources, group)) == set(first_ids) | set(second_ids)
