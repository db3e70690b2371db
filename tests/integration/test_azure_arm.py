"""`flows.execution.azure` (credential factory and `Arm`) with the real SDK clients against the ARM stand-in.

Outcomes are asserted on the stand-in (what exists, what the request log shows), errors on what a person reads.
"""

from __future__ import annotations

import copy
import dataclasses
import pickle
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from azure.core.credentials import AccessToken

from flows.execution.azure import (
    Arm,
    AzureAuthError,
    AzureConfig,
    AzureDeploymentFailed,
    DeploymentState,
    WhatIfChange,
    make_credential,
)
from flows.execution.backend import BackendError, TransientBackendError
from inventory.errors import BadSettingsError
from tests.arm_standin import ArmStandIn
from tests.arm_standin.samples import SAMPLE_TEMPLATE as TEMPLATE
from tests.arm_standin.samples import STORAGE_API

pytestmark = pytest.mark.integration

RG = "rg-wave-1"
NAME = "lm-w1-r1-billing-7-provision"

PARAMETERS: dict[str, Any] = {"prefix": {"value": "w1"}, "wave": {"value": "1"}}


def ids(arm: ArmStandIn, group: str = RG) -> dict[str, str]:
    root = f"/subscriptions/{arm.subscription_id}/resourceGroups/{group}/providers"
    return {"storage": f"{root}/Microsoft.Storage/storageAccounts/w1store",
            "server": f"{root}/Microsoft.Sql/servers/w1-sql",
            "database": f"{root}/Microsoft.Sql/servers/w1-sql/databases/w1-db"}


def statuses(arm: ArmStandIn, *, method: str | None = None, path: str | None = None) -> list[int]:
    return [r.status for r in arm.requests(method=method, path=path)]


@pytest.fixture
def config(arm: ArmStandIn) -> AzureConfig:
    arm.configure(retry_after=0)  # long-running operations then poll at polling_interval_s, not each second
    return dataclasses.replace(AzureConfig.from_env(arm.env()), connection_verify=str(arm.ca_file),
                               polling_interval_s=0.2, operation_timeout_s=30.0)


@contextmanager
def connect(arm: ArmStandIn, config: AzureConfig, **changes: Any) -> Iterator[Arm]:
    """An Arm client on the stand-in; its clients and its credential's session closed after."""
    with make_credential(config, arm.env()) as credential, \
            Arm(dataclasses.replace(config, **changes), credential) as client:
        yield client


@pytest.fixture
def azure(arm: ArmStandIn, config: AzureConfig) -> Iterator[Arm]:
    with connect(arm, config) as client:
        yield client


@pytest.fixture
def group(azure: Arm) -> str:
    azure.ensure_group(RG, "westeurope", {"wave": "1"})
    return RG


# --- configuration and credentials -----------------------------------------------------------------------------


def test_config_from_env_reads_the_backend_settings(arm: ArmStandIn) -> None:
    env = {**arm.env(), "LUMEN_MIGRATE_AZURE_POLLING_INTERVAL_S": "0.5",
           "LUMEN_MIGRATE_AZURE_OPERATION_TIMEOUT_S": "90"}

    config = AzureConfig.from_env(env)

    assert (config.subscription_id, config.arm_endpoint, config.authority_host) == (
        arm.subscription_id, arm.url, arm.url)
    assert (config.polling_interval_s, config.operation_timeout_s, config.scope) == (0.5, 90.0, f"{arm.url}/.default")
    assert AzureConfig.from_env({"LUMEN_MIGRATE_AZURE_SUBSCRIPTION_ID": arm.subscription_id}).arm_endpoint == (
        "https://management.azure.com")


@pytest.mark.parametrize(("env", "named"), [
    ({}, "LUMEN_MIGRATE_AZURE_SUBSCRIPTION_ID"),
    ({"LUMEN_MIGRATE_AZURE_SUBSCRIPTION_ID": "not-a-guid"}, "LUMEN_MIGRATE_AZURE_SUBSCRIPTION_ID"),
    ({"LUMEN_MIGRATE_AZURE_ARM_ENDPOINT": "http://127.0.0.1:1"}, "LUMEN_MIGRATE_AZURE_ARM_ENDPOINT"),
    ({"LUMEN_MIGRATE_AZURE_POLLING_INTERVAL_S": "0"}, "LUMEN_MIGRATE_AZURE_POLLING_INTERVAL_S"),
    ({"LUMEN_MIGRATE_AZURE_OPERATION_TIMEOUT_S": "soon"}, "LUMEN_MIGRATE_AZURE_OPERATION_TIMEOUT_S"),
])
def test_a_bad_setting_is_bad_settings_error_naming_it(env: dict[str, str], named: str) -> None:
    defaults = {"LUMEN_MIGRATE_AZURE_SUBSCRIPTION_ID": "00000000-0000-0000-0000-000000000001"} if env else {}
    with pytest.raises(BadSettingsError, match=named):
        AzureConfig.from_env({**defaults, **env})


def test_a_service_principal_from_the_environment_signs_in(arm: ArmStandIn, config: AzureConfig) -> None:
    with make_credential(config, arm.env()) as credential, Arm(config, credential) as azure:
        azure.check_credential()

    assert "service principal" in credential.tried and arm.client_id in credential.tried
    assert arm.client_secret not in credential.tried and arm.client_secret not in repr(credential)
    assert statuses(arm, method="POST", path="*/oauth2/v2.0/token") == [200]


@pytest.mark.parametrize("unset", [("AZURE_TENANT_ID",), ("AZURE_CLIENT_SECRET",),
                                   ("AZURE_TENANT_ID", "AZURE_CLIENT_ID")])
def test_a_partial_service_principal_names_what_is_missing_and_no_value(
        arm: ArmStandIn, config: AzureConfig, unset: tuple[str, ...]) -> None:
    env = {k: v for k, v in arm.env().items() if k not in unset}

    with pytest.raises(BadSettingsError) as raised:
        make_credential(config, env)

    message = str(raised.value)
    assert all(name in message for name in unset)
    assert all(value not in message for value in (arm.client_secret, arm.client_id, arm.tenant_id))


def test_a_wrong_secret_is_azure_auth_error_without_the_secret(arm: ArmStandIn, config: AzureConfig) -> None:
    wrong = "wrong~" + "x" * 30
    with make_credential(config, {**arm.env(), "AZURE_CLIENT_SECRET": wrong}) as credential, \
            Arm(config, credential) as azure:
        with pytest.raises(AzureAuthError) as on_check:
            azure.check_credential()
        with pytest.raises(AzureAuthError) as on_call:
            azure.group_exists(RG)

    for raised in (on_check, on_call):
        message = str(raised.value)
        assert "service principal" in message and arm.client_id in message and "AADSTS7000215" in message
        assert wrong not in message and arm.client_secret not in message and "\n" not in message
    assert arm.requests(path="/subscriptions/*") == []


def test_arm_rejecting_the_token_is_azure_auth_error(arm: ArmStandIn, azure: Arm) -> None:
    azure.group_exists(RG)
    arm.revoke_tokens()  # the credential's cached token is now refused by ARM: 401

    with pytest.raises(AzureAuthError, match="ARM rejected the token"):
        azure.group_exists(RG)


@pytest.mark.parametrize(("env", "tried"), [
    ({"AZURE_USE_MANAGED_IDENTITY": "1", "AZURE_CLIENT_ID": "mi-client"}, "managed identity (user-assigned mi-client)"),
    ({"IDENTITY_ENDPOINT": "http://127.0.0.1:1/msi/token"}, "managed identity (system-assigned)"),
    ({}, "DefaultAzureCredential"),
    ({"AZURE_FEDERATED_TOKEN_FILE": "/var/run/token", "AZURE_TENANT_ID": "t", "AZURE_CLIENT_ID": "c"},
     "DefaultAzureCredential"),
])
def test_without_a_service_principal_managed_identity_then_default_credential(
        config: AzureConfig, env: dict[str, str], tried: str) -> None:
    with make_credential(config, env) as credential:
        assert credential.tried.startswith(tried)


# --- resource groups -------------------------------------------------------------------------------------------


def test_ensure_group_creates_once_and_leaves_an_existing_group_as_it_is(arm: ArmStandIn, azure: Arm) -> None:
    created = azure.ensure_group(RG, "westeurope", {"wave": "1", "managedBy": "lumen-migrate"})
    again = azure.ensure_group(RG, "westeurope", {"wave": "2"})

    assert (created, again) == (True, False)
    assert azure.group_exists(RG) and not azure.group_exists("rg-missing")
    assert azure.group_tags(RG) == {"wave": "1", "managedBy": "lumen-migrate"}
    assert azure.group_tags("rg-missing") is None
    assert [(g.name, g.tags) for g in arm.resource_groups()] == [(RG, {"wave": "1", "managedBy": "lumen-migrate"})]


def test_delete_group_removes_it_and_what_it_holds_and_a_gone_group_is_fine(
        arm: ArmStandIn, azure: Arm, group: str) -> None:
    azure.deploy(group, NAME, TEMPLATE, PARAMETERS)
    assert set(azure.resources_in_group(group)) == set(ids(arm).values())

    azure.delete_group(group)
    azure.delete_group(group)

    assert arm.resource_groups() == [] and arm.resources() == []
    assert azure.resources_in_group(group) == ()
    assert statuses(arm, method="DELETE") == [202, 404]


# --- validate and what-if ----------------------------------------------------------------------------------------


def test_validate_answers_no_problems_for_a_valid_deployment(arm: ArmStandIn, azure: Arm, group: str) -> None:
    assert azure.validate(group, NAME, TEMPLATE, PARAMETERS) == ()
    assert arm.deployments() == [] and arm.resources() == []


def test_validate_returns_the_problems_of_an_invalid_deployment(arm: ArmStandIn, azure: Arm, group: str) -> None:
    broken = copy.deepcopy(TEMPLATE)
    del broken["resources"][1]["apiVersion"]
    arm.fail_validation("rejected-*", message="Policy 'allowed-skus' denies the storage SKU.")

    missing_api_version = azure.validate(group, NAME, broken, PARAMETERS)
    rejected = azure.validate(group, "rejected-1", TEMPLATE, PARAMETERS)

    assert len(missing_api_version) == 1 and missing_api_version[0].startswith("InvalidTemplate: ")
    assert "apiVersion" in missing_api_version[0]
    assert rejected == ("InvalidTemplateDeployment: Policy 'allowed-skus' denies the storage SKU.",)
    assert arm.deployments() == []


def test_what_if_says_create_then_no_change_then_modify_with_the_changed_paths(
        arm: ArmStandIn, azure: Arm, group: str) -> None:
    retagged = copy.deepcopy(TEMPLATE)
    retagged["variables"]["tags"]["managedBy"] = "lumen-migrate-2"

    before = azure.what_if(group, NAME, TEMPLATE, PARAMETERS)
    azure.deploy(group, NAME, TEMPLATE, PARAMETERS)
    after = azure.what_if(group, NAME, TEMPLATE, PARAMETERS)
    modified = azure.what_if(group, NAME, retagged, PARAMETERS)

    expected = set(ids(arm).values())
    assert set(before) == {WhatIfChange(rid, "Create") for rid in expected}
    assert set(after) == {WhatIfChange(rid, "NoChange") for rid in expected}
    assert set(modified) == {WhatIfChange(rid, "Modify", ("tags.managedBy",)) for rid in expected}
    assert arm.put_count(group, NAME) == 1


# --- deploy ----------------------------------------------------------------------------------------------------


def test_deploy_waits_and_a_second_deploy_of_the_name_changes_nothing(arm: ArmStandIn, azure: Arm,
                                                                      group: str) -> None:
    first = azure.deploy(group, NAME, TEMPLATE, PARAMETERS)
    resources = {r.id: r.tags for r in arm.resources(group)}
    second = azure.deploy(group, NAME, TEMPLATE, PARAMETERS)

    expected = set(ids(arm).values())
    assert first.state == "Succeeded" and set(first.resources) == expected and first.error is None
    assert second == first
    assert {r.id: r.tags for r in arm.resources(group)} == resources
    assert arm.put_count(group, NAME) == 2
    assert azure.get_deployment(group, NAME) == first
    assert azure.get_deployment(group, "never-deployed") is None
    assert azure.get_deployment("rg-missing", NAME) is None


def test_parameters_in_another_shape_are_rejected_without_echoing_the_value(azure: Arm, group: str) -> None:
    with pytest.raises(TypeError, match="'prefix'") as raised:
        azure.deploy(group, NAME, TEMPLATE, {"prefix": "s3cret-value"})

    assert "s3cret-value" not in str(raised.value)


def test_a_deployment_into_a_missing_group_is_backend_error_with_arms_code(azure: Arm) -> None:
    with pytest.raises(BackendError) as raised:
        azure.deploy("rg-missing", NAME, TEMPLATE, PARAMETERS)

    assert type(raised.value) is BackendError
    assert f"deploy deployment '{NAME}' in resource group 'rg-missing'" in str(raised.value)
    assert "ResourceGroupNotFound" in str(raised.value)


def test_a_failed_deployment_says_what_it_created(arm: ArmStandIn, azure: Arm, group: str) -> None:
    arm.fail_deployment("lm-*", after_resources=1, code="InvalidParameter", message="The SKU is not available.")

    with pytest.raises(AzureDeploymentFailed) as raised:
        azure.deploy(group, NAME, TEMPLATE, PARAMETERS)

    storage = ids(arm)["storage"]
    failed = raised.value
    assert (failed.code, failed.created) == ("InvalidParameter", (storage,))
    assert "The SKU is not available." in str(failed) and NAME in str(failed) and group in str(failed)
    copied = pickle.loads(pickle.dumps(failed))  # Prefect pickles what a task raises
    assert (str(copied), copied.code, copied.created) == (str(failed), failed.code, failed.created)
    assert azure.created_by(group, NAME) == (storage,)
    assert azure.get_deployment(group, NAME) == DeploymentState(NAME, "Failed", (),
                                                                "InvalidParameter: The SKU is not available.")
    assert azure.created_by(group, "never-deployed") == () and azure.created_by("rg-missing", NAME) == ()
    assert [r.id for r in arm.resources(group)] == [storage]


def test_deletes_of_a_resource_and_a_deployment_record_are_fine_when_gone(
        arm: ArmStandIn, azure: Arm, group: str) -> None:
    azure.deploy(group, NAME, TEMPLATE, PARAMETERS)
    storage = ids(arm)["storage"]

    azure.delete_resource(storage, STORAGE_API)
    azure.delete_resource(storage, STORAGE_API)
    azure.delete_deployment(group, NAME)
    azure.delete_deployment(group, NAME)
    azure.delete_deployment("rg-missing", NAME)

    assert {r.id for r in arm.resources(group)} == set(ids(arm).values()) - {storage}
    assert arm.deployments() == [] and azure.get_deployment(group, NAME) is None
    assert statuses(arm, method="DELETE", path="*/storageaccounts/*") == [202, 404]


# --- retries, timeouts, concurrency ----------------------------------------------------------------------------


def test_throttling_during_a_deployment_is_absorbed(arm: ArmStandIn, azure: Arm, group: str) -> None:
    arm.throttle(every=2, retry_after=1)

    state = azure.deploy(group, NAME, TEMPLATE, PARAMETERS)

    assert state.state == "Succeeded" and set(state.resources) == set(ids(arm).values())
    assert 429 in statuses(arm, path="*/deployments/*") and arm.put_count(group, NAME) == 1


def test_a_5xx_burst_during_a_deployment_is_retried(arm: ArmStandIn, azure: Arm, group: str) -> None:
    arm.fail_requests(2, status=503)

    state = azure.deploy(group, NAME, TEMPLATE, PARAMETERS)

    assert state.state == "Succeeded"
    assert statuses(arm, method="PUT", path="*/deployments/*") == [503, 503, 201]
    assert arm.put_count(group, NAME) == 1


def test_answers_that_are_retried_give_their_connection_back(arm: ArmStandIn, azure: Arm, group: str) -> None:
    """The SDK streams a long-running operation's first answer and drops a 429/5xx unread when it retries: unless
    the body is read, that connection stays open (an unclosed socket when the collector finds it) and each retry
    opens another."""
    arm.fail_requests(2, status=503, method="PUT", path="*/deployments/*")
    arm.fail_requests(1, status=500, method="DELETE")
    arm.throttle(every=1, retry_after=1, method="DELETE", times=1)
    before = arm.connections()

    azure.deploy(group, NAME, TEMPLATE, PARAMETERS)
    azure.delete_resource(ids(arm)["storage"], STORAGE_API)  # on the resources client: 500, 429, then deleted
    azure.delete_deployment(group, NAME)

    assert statuses(arm, method="PUT", path="*/deployments/*") == [503, 503, 201]
    assert statuses(arm, method="DELETE", path="*/storageaccounts/*") == [500, 429, 202]
    assert arm.connections() - before == 1, \
        "every attempt went on a connection its client already had (the deployments client's first is the one new)"


def test_failures_that_outlast_the_retries_are_transient(arm: ArmStandIn, config: AzureConfig, group: str) -> None:
    arm.fail_requests(5, status=503, method="PUT", path="*/deployments/*")
    with connect(arm, config, retry_total=2) as azure:
        with pytest.raises(TransientBackendError) as on_5xx:
            azure.deploy(group, NAME, TEMPLATE, PARAMETERS)
        arm.throttle(every=1, retry_after=1, method="GET")
        with connect(arm, config, retry_total=1) as impatient, pytest.raises(TransientBackendError) as on_429:
            impatient.group_tags(group)

    assert f"deploy deployment '{NAME}' in resource group '{group}'" in str(on_5xx.value)
    assert "HTTP 503 ServiceUnavailable" in str(on_5xx.value)
    assert "HTTP 429 TooManyRequests" in str(on_429.value) and group in str(on_429.value)
    assert statuses(arm, method="PUT", path="*/deployments/*") == [503, 503, 503]
    assert arm.put_count(group, NAME) == 0


class _StaticToken:
    """A credential for an ARM that is not there (the stand-in's Entra issues no token for its scope)."""

    def get_token(self, *scopes: str, claims: str | None = None, tenant_id: str | None = None,
                  enable_cae: bool = False, **kwargs: Any) -> AccessToken:
        return AccessToken("not-a-real-token", int(time.time()) + 3600)


def test_no_answer_from_arm_is_transient(config: AzureConfig) -> None:
    unreachable = dataclasses.replace(config, arm_endpoint="https://127.0.0.1:9", retry_total=1)
    with Arm(unreachable, _StaticToken()) as azure, pytest.raises(TransientBackendError) as raised:
        azure.group_exists(RG)

    assert "no answer from https://127.0.0.1:9" in str(raised.value) and "not-a-real-token" not in str(raised.value)


def test_a_deployment_past_the_timeout_is_transient_and_the_retry_waits_for_it(
        arm: ArmStandIn, config: AzureConfig, group: str) -> None:
    arm.configure(polls_to_finish=None, seconds_to_finish=2.0)
    with connect(arm, config, operation_timeout_s=0.5) as impatient, pytest.raises(TransientBackendError) as raised:
        impatient.deploy(group, NAME, TEMPLATE, PARAMETERS)
    with connect(arm, config) as azure:
        state = azure.deploy(group, NAME, TEMPLATE, PARAMETERS)

    assert "not finished after 0.5 s" in str(raised.value)
    assert state.state == "Succeeded" and set(state.resources) == set(ids(arm).values())
    assert statuses(arm, method="PUT", path="*/deployments/*") == [201, 409]
    assert arm.put_count(group, NAME) == 1


def test_deploying_a_name_that_is_running_waits_for_that_deployment(
        arm: ArmStandIn, azure: Arm, config: AzureConfig, group: str) -> None:
    arm.configure(polls_to_finish=12)
    results: list[DeploymentState] = []
    first = threading.Thread(target=lambda: results.append(azure.deploy(group, NAME, TEMPLATE, PARAMETERS)))
    first.start()
    deadline = time.monotonic() + 10
    while arm.put_count(group, NAME) == 0 and time.monotonic() < deadline:
        time.sleep(0.02)

    with connect(arm, config) as other_worker:
        second = other_worker.deploy(group, NAME, TEMPLATE, PARAMETERS)
    first.join(timeout=30)

    assert results == [second] and second.state == "Succeeded"
    assert statuses(arm, method="PUT", path="*/deployments/*") == [201, 409]
    assert arm.put_count(group, NAME) == 1
    assert {r.id for r in arm.resources(group)} == set(second.resources)
