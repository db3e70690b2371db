"""The real Azure SDK clients and the real ClientSecretCredential against the ARM stand-in (tests/arm_standin).

What the Azure backend will rely on, pinned down: status codes and long-running operations as the SDK sees
them, which exception each failure becomes, what the default retry policy absorbs (429 with Retry-After, 5xx
bursts), and that a subprocess reaches the stand-in with nothing but `ArmStandIn.env()`.
"""

from __future__ import annotations

import http.client
import json
import os
import ssl
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from typing import Any

import pytest
from azure.core.exceptions import (
    ClientAuthenticationError,
    HttpResponseError,
    ResourceExistsError,
    ResourceNotFoundError,
)
from azure.identity import ClientSecretCredential
from azure.mgmt.resource.deployments import DeploymentsMgmtClient
from azure.mgmt.resource.deployments.models import DeploymentParameter, DeploymentWhatIf, DeploymentWhatIfProperties
from azure.mgmt.resource.deployments.types import Deployment
from azure.mgmt.resource.resources import ResourceManagementClient

from tests.arm_standin import ArmStandIn
from tests.arm_standin.samples import SAMPLE_TEMPLATE as TEMPLATE
from tests.arm_standin.samples import STORAGE_API

pytestmark = pytest.mark.integration

RG = "rg-wave-1"



def deployment(wave: str = "1", *, template: dict[str, Any] = TEMPLATE) -> Deployment:
    return {"properties": {"template": template, "mode": "Incremental",
                           "parameters": {"prefix": {"value": "w1"}, "wave": {"value": wave}}}}


def what_if_request(wave: str) -> DeploymentWhatIf:
    """The SDK model this time (its TypedDict wrongly requires whatIfSettings and resourcePredictions)."""
    return DeploymentWhatIf(properties=DeploymentWhatIfProperties(
        template=TEMPLATE, mode="Incremental",
        parameters={"prefix": DeploymentParameter(value="w1"), "wave": DeploymentParameter(value=wave)}))


def ids(arm: ArmStandIn, group: str = RG) -> dict[str, str]:
    root = f"/subscriptions/{arm.subscription_id}/resourceGroups/{group}/providers"
    return {"storage": f"{root}/Microsoft.Storage/storageAccounts/w1store",
            "server": f"{root}/Microsoft.Sql/servers/w1-sql",
            "database": f"{root}/Microsoft.Sql/servers/w1-sql/databases/w1-db"}


@pytest.fixture
def credential(arm: ArmStandIn) -> Iterator[ClientSecretCredential]:
    with ClientSecretCredential(arm.tenant_id, arm.client_id, arm.client_secret, authority=arm.url,
                                disable_instance_discovery=True, connection_verify=str(arm.ca_file)) as credential:
        yield credential


@pytest.fixture
def resources(arm: ArmStandIn, credential: ClientSecretCredential) -> Iterator[ResourceManagementClient]:
    with ResourceManagementClient(credential, arm.subscription_id, base_url=arm.url,
                                  credential_scopes=[f"{arm.url}/.default"],
                                  connection_verify=str(arm.ca_file)) as client:
        yield client


@pytest.fixture
def deployments(arm: ArmStandIn, credential: ClientSecretCredential) -> Iterator[DeploymentsMgmtClient]:
    with DeploymentsMgmtClient(credential, arm.subscription_id, base_url=arm.url,
                               credential_scopes=[f"{arm.url}/.default"],
                               connection_verify=str(arm.ca_file)) as client:
        yield client


@pytest.fixture
def group(resources: ResourceManagementClient) -> str:
    resources.resource_groups.create_or_update(RG, {"location": "westeurope"})
    return RG


def statuses(arm: ArmStandIn, *, method: str | None = None, path: str | None = None) -> list[int]:
    return [r.status for r in arm.requests(method=method, path=path)]


# --- resource groups -------------------------------------------------------------------------------------------


def test_resource_group_put_head_and_delete_as_a_long_running_operation(
        arm: ArmStandIn, resources: ResourceManagementClient) -> None:
    created = resources.resource_groups.create_or_update(RG, {"location": "westeurope", "tags": {"wave": "1"}})
    resources.resource_groups.create_or_update(RG, {"location": "westeurope", "tags": {"wave": "2"}})

    assert created.id == f"/subscriptions/{arm.subscription_id}/resourceGroups/{RG}"
    assert resources.resource_groups.check_existence(RG) is True
    assert resources.resource_groups.check_existence("rg-missing") is False
    resources.resource_groups.begin_delete(RG).result()
    assert resources.resource_groups.check_existence(RG) is False

    assert arm.resource_groups() == []
    assert [(r.method, r.status) for r in arm.requests(path=f"*/resourcegroups/{RG}")] == [
        ("PUT", 201), ("PUT", 200), ("HEAD", 204), ("DELETE", 202), ("HEAD", 404)]
    assert statuses(arm, path="*/operationresults/*") == [202, 200]
    assert {r.api_version for r in arm.requests(path="/subscriptions/*")} == {"2025-04-01"}


def test_a_missing_resource_group_is_resource_not_found(resources: ResourceManagementClient) -> None:
    with pytest.raises(ResourceNotFoundError) as on_get:
        resources.resource_groups.get("rg-missing")
    with pytest.raises(ResourceNotFoundError) as on_delete:
        resources.resource_groups.begin_delete("rg-missing")

    assert on_get.value.error is not None and on_get.value.error.code == "ResourceGroupNotFound"
    assert on_delete.value.error is not None and on_delete.value.error.code == "ResourceGroupNotFound"


# --- deployments -----------------------------------------------------------------------------------------------


def test_a_deployment_creates_the_template_resources_tagged(
        arm: ArmStandIn, resources: ResourceManagementClient, deployments: DeploymentsMgmtClient, group: str) -> None:
    result = deployments.deployments.begin_create_or_update(group, "wave-1", deployment()).result()

    expected = ids(arm)
    assert result.properties is not None and result.properties.provisioning_state == "Succeeded"
    assert {r.id for r in result.properties.output_resources or []} == set(expected.values())
    assert result.properties.outputs == {"storageId": {"type": "String", "value": expected["storage"]}}
    assert "value" not in (result.properties.parameters or {})["adminPassword"]
    listed = {r.id: r.tags for r in resources.resources.list_by_resource_group(group)}
    assert listed == {rid: {"wave": "1", "managedBy": "lumen-migrate"} for rid in expected.values()}
    assert statuses(arm, method="PUT", path="*/deployments/wave-1") == [201]
    assert statuses(arm, path="*/deployments/wave-1/operationstatuses/*") == [200, 200]  # Running, Succeeded
    assert {r.api_version for r in arm.requests(path="*/deployments/*")} == {"2026-06-01"}
    assert arm.put_count(group, "wave-1") == 1


def test_a_second_put_while_the_first_runs_is_resource_exists_error(
        arm: ArmStandIn, deployments: DeploymentsMgmtClient, group: str) -> None:
    deployments.deployments.begin_create_or_update(group, "wave-1", deployment(), polling=False)

    with pytest.raises(ResourceExistsError) as raised:
        deployments.deployments.begin_create_or_update(group, "wave-1", deployment())

    assert raised.value.error is not None and raised.value.error.code == "DeploymentActive"
    assert arm.put_count(group, "wave-1") == 1


def test_validate_answers_200_for_a_valid_template(
        arm: ArmStandIn, deployments: DeploymentsMgmtClient, group: str) -> None:
    result = deployments.deployments.begin_validate(group, "wave-1", deployment()).result()

    assert result.properties is not None and result.properties.provisioning_state == "Succeeded"
    assert {r.id for r in result.properties.validated_resources or []} == set(ids(arm).values())
    assert arm.deployments() == [] and arm.resources() == []


def test_validate_400_is_raised_by_begin_validate_itself(
        arm: ArmStandIn, deployments: DeploymentsMgmtClient, group: str) -> None:
    broken = json.loads(json.dumps(TEMPLATE))
    broken["resources"][0]["location"] = "mars"
    del broken["resources"][1]["apiVersion"]

    with pytest.raises(HttpResponseError) as raised:  # no poller comes back: ARMPolling rejects a 400 at once
        deployments.deployments.begin_validate(group, "wave-1", deployment(template=broken))

    error = raised.value.error
    assert raised.value.status_code == 400 and error is not None and error.code == "InvalidTemplateDeployment"
    assert {detail.code for detail in error.details} == {"LocationNotAvailableForResourceType", "InvalidTemplate"}
    assert arm.deployments() == []


def test_an_unsupported_template_function_is_invalid_template_naming_it(
        deployments: DeploymentsMgmtClient, group: str) -> None:
    unsupported = json.loads(json.dumps(TEMPLATE))
    unsupported["resources"][0]["name"] = "[uniqueString(resourceGroup().id)]"

    with pytest.raises(HttpResponseError) as raised:
        deployments.deployments.begin_create_or_update(group, "wave-1", deployment(template=unsupported))

    assert raised.value.status_code == 400 and raised.value.error is not None
    assert raised.value.error.code == "InvalidTemplate" and "'uniqueString'" in str(raised.value)


def test_what_if_says_create_then_no_change_then_modify(
        arm: ArmStandIn, deployments: DeploymentsMgmtClient, group: str) -> None:
    def what_if(wave: str) -> dict[str, str]:
        result = deployments.deployments.begin_what_if(group, "wave-1", what_if_request(wave)).result()
        assert result.status == "Succeeded"
        return {change.resource_id: change.change_type for change in result.changes or []}

    before = what_if("1")
    deployments.deployments.begin_create_or_update(group, "wave-1", deployment("1")).result()
    after = what_if("1")
    retagged = deployments.deployments.begin_what_if(group, "wave-1", what_if_request("2")).result()

    expected = set(ids(arm).values())
    assert before == dict.fromkeys(expected, "Create")
    assert after == dict.fromkeys(expected, "NoChange")
    assert {c.change_type for c in retagged.changes or []} == {"Modify"}
    first = (retagged.changes or [])[0]
    assert [(d.path, d.before, d.after) for d in first.delta or []] == [("tags.wave", "1", "2")]
    assert statuses(arm, method="POST", path="*/whatif") == [202, 202, 202]
    assert statuses(arm, path="*/operationresults/*") == [202, 200] * 3


def test_a_failed_deployment_raises_and_its_operations_show_what_was_created(
        arm: ArmStandIn, resources: ResourceManagementClient, deployments: DeploymentsMgmtClient, group: str) -> None:
    arm.fail_deployment("wave-*", after_resources=1, code="InvalidParameter", message="The SKU is not available.")

    with pytest.raises(HttpResponseError) as raised:
        deployments.deployments.begin_create_or_update(group, "wave-2", deployment()).result()

    expected = ids(arm)
    assert raised.value.error is not None and raised.value.error.code == "DeploymentFailed"
    failed = deployments.deployments.get(group, "wave-2").properties
    assert failed is not None and failed.provisioning_state == "Failed"
    assert failed.error is not None and [d.code for d in failed.error.details or []] == ["InvalidParameter"]
    operations = [op.properties for op in deployments.deployment_operations.list(group, "wave-2") if op.properties]
    assert {(op.target_resource.id, op.provisioning_state) for op in operations if op.target_resource} == {
        (expected["storage"], "Succeeded"), (expected["server"], "Failed")}
    failure = next(op for op in operations if op.provisioning_state == "Failed")
    assert failure.status_code == "BadRequest" and failure.status_message is not None
    assert {r.id for r in resources.resources.list_by_resource_group(group)} == {expected["storage"]}


def test_a_new_client_sees_the_deployment_a_killed_subprocess_started_finish(
        arm: ArmStandIn, deployments: DeploymentsMgmtClient, group: str) -> None:
    script = textwrap.dedent("""
        import json, os, sys, time
        from azure.identity import EnvironmentCredential
        from azure.mgmt.resource.deployments import DeploymentsMgmtClient
        url = os.environ["LUMEN_MIGRATE_AZURE_ARM_ENDPOINT"]
        credential = EnvironmentCredential(disable_instance_discovery=True)
        client = DeploymentsMgmtClient(credential, os.environ["LUMEN_MIGRATE_AZURE_SUBSCRIPTION_ID"], base_url=url,
                                       credential_scopes=[url + "/.default"])
        client.deployments.begin_create_or_update(sys.argv[1], "wave-1", json.loads(sys.argv[2]), polling=False)
        print("started", flush=True)
        time.sleep(60)
    """)
    env = {**os.environ, **arm.env()}
    with subprocess.Popen([sys.executable, "-c", script, group, json.dumps(deployment())], env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as child:
        assert child.stdout is not None
        started = child.stdout.readline().strip() == "started"
        child.kill()
        _, errors = child.communicate()
        assert started, errors

    states = [getattr(deployments.deployments.get(group, "wave-1").properties, "provisioning_state", None)
              for _ in range(2)]

    assert states == ["Running", "Succeeded"]
    assert {r.id for r in arm.resources(group)} == set(ids(arm).values())


# --- resources by id -------------------------------------------------------------------------------------------


def test_delete_by_id_is_a_long_running_operation_and_a_second_delete_is_not_found(
        arm: ArmStandIn, resources: ResourceManagementClient, group: str) -> None:
    storage = ids(arm)["storage"]
    resources.resources.begin_create_or_update_by_id(
        storage, api_version=STORAGE_API, parameters={"location": "westeurope", "tags": {"wave": "1"}}).result()

    resources.resources.begin_delete_by_id(storage, api_version=STORAGE_API).result()
    with pytest.raises(ResourceNotFoundError) as raised:
        resources.resources.begin_delete_by_id(storage, api_version=STORAGE_API)

    assert arm.resources() == []
    assert raised.value.error is not None and raised.value.error.code == "ResourceNotFound"
    assert statuses(arm, method="DELETE") == [202, 404]
    assert statuses(arm, path="*/operationresults/*") == [202, 200]
    assert {r.api_version for r in arm.requests(path="*/storageaccounts/*")} == {STORAGE_API}


# --- retries ---------------------------------------------------------------------------------------------------


def test_a_429_is_retried_after_its_retry_after(arm: ArmStandIn, resources: ResourceManagementClient,
                                                group: str) -> None:
    arm.throttle(2, retry_after=1, method="GET")
    started = time.monotonic()

    names = [resources.resource_groups.get(group).name for _ in range(2)]

    assert names == [group, group]
    assert statuses(arm, method="GET", path=f"*/resourcegroups/{group}") == [200, 429, 200]
    assert time.monotonic() - started >= 1.0


def test_throttling_past_the_retry_budget_is_a_plain_http_response_error(
        arm: ArmStandIn, resources: ResourceManagementClient, group: str) -> None:
    arm.throttle(1, retry_after=1, method="GET")

    with pytest.raises(HttpResponseError) as raised:  # retry_status is 3 by default; one keeps the test short
        resources.resource_groups.get(group, retry_total=1)

    assert type(raised.value) is HttpResponseError and raised.value.status_code == 429
    assert raised.value.error is not None and raised.value.error.code == "TooManyRequests"
    assert statuses(arm, method="GET", path="/subscriptions/*") == [429, 429]


def test_a_5xx_burst_is_retried_and_the_deployment_is_put_once(
        arm: ArmStandIn, deployments: DeploymentsMgmtClient, group: str) -> None:
    arm.fail_requests(1, status=503, method="PUT", path="*/deployments/*")
    arm.fail_requests(1, status=504, method="PUT", path="*/deployments/*")
    arm.fail_requests(1, status=500, method="POST", path="*/validate")

    validated = deployments.deployments.begin_validate(group, "wave-1", deployment()).result()
    result = deployments.deployments.begin_create_or_update(group, "wave-1", deployment()).result()

    assert validated.properties is not None and result.properties is not None
    assert result.properties.provisioning_state == "Succeeded"
    assert statuses(arm, method="POST", path="*/validate") == [500, 200]  # POST: retried on 500, 503, 504 only
    assert statuses(arm, method="PUT", path="*/deployments/*") == [503, 504, 201]
    assert arm.put_count(group, "wave-1") == 1


def test_faults_can_be_set_over_http(arm: ArmStandIn, resources: ResourceManagementClient, group: str) -> None:
    status, _ = _call(arm, "POST", "/_standin/faults",
                      {"kind": "errors", "count": 1, "status": 500, "method": "GET"}, token=None)

    resources.resource_groups.get(group)

    assert status == 201
    assert statuses(arm, method="GET", path="/subscriptions/*") == [500, 200]


# --- authentication --------------------------------------------------------------------------------------------


def test_a_wrong_client_secret_is_client_authentication_error(arm: ArmStandIn) -> None:
    with ClientSecretCredential(arm.tenant_id, arm.client_id, "not-the-secret", authority=arm.url,
                                disable_instance_discovery=True, connection_verify=str(arm.ca_file)) as wrong, \
            ResourceManagementClient(wrong, arm.subscription_id, base_url=arm.url,
                                     credential_scopes=[f"{arm.url}/.default"],
                                     connection_verify=str(arm.ca_file)) as client:
        with pytest.raises(ClientAuthenticationError) as raised:
            client.resource_groups.get(RG)

    assert "AADSTS7000215: Invalid client secret provided" in raised.value.message
    assert "not-the-secret" not in str(raised.value)
    assert statuses(arm, method="POST", path="*/oauth2/v2.0/token") == [401]
    assert arm.requests(path="/subscriptions/*") == []


def test_tokens_are_issued_for_the_stand_in_and_the_public_arm_scope_only(
        arm: ArmStandIn, credential: ClientSecretCredential) -> None:
    for scope in (f"{arm.url}/.default", "https://management.azure.com/.default"):
        assert credential.get_token(scope).token

    with pytest.raises(ClientAuthenticationError) as raised:
        credential.get_token("https://graph.microsoft.com/.default")

    assert "AADSTS70011" in raised.value.message


def test_arm_answers_401_without_a_valid_bearer_token(arm: ArmStandIn, resources: ResourceManagementClient) -> None:
    path = f"/subscriptions/{arm.subscription_id}/resourcegroups?api-version=2025-04-01"

    missing_status, missing = _call(arm, "GET", path, None, token=None)
    forged_status, forged = _call(arm, "GET", path, None, token="forged")
    resources.resource_groups.check_existence(RG)  # the credential now holds a token...
    arm.revoke_tokens()  # ...which ARM no longer accepts
    with pytest.raises(ClientAuthenticationError) as raised:  # no retry: a 401 without a claims challenge is final
        resources.resource_groups.get(RG)

    assert (missing_status, missing["error"]["code"]) == (401, "AuthenticationFailed")
    assert (forged_status, forged["error"]["code"]) == (401, "InvalidAuthenticationToken")
    assert raised.value.status_code == 401


def _call(arm: ArmStandIn, method: str, path: str, body: dict[str, Any] | None, *,
          token: str | None) -> tuple[int, Any]:
    """One raw HTTPS request (no SDK), trusting the stand-in's CA; returns status and JSON body."""
    host, port = arm.url.removeprefix("https://").split(":")
    connection = http.client.HTTPSConnection(host, int(port), context=ssl.create_default_context(
        cafile=str(arm.ca_file)), timeout=10)
    headers = {"Content-Type": "application/json"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    try:
        connection.request(method, path, body=None if body is None else json.dumps(body), headers=headers)
        response = connection.getresponse()
        payload = response.read()
        if response.status == 401:
            assert (response.getheader("WWW-Authenticate") or "").startswith("Bearer authorization_uri=")
        return response.status, json.loads(payload) if payload else None
    finally:
        connection.close()
