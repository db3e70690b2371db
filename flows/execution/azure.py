"""The one module that imports `azure.*`: a credential factory and thin typed wrappers over ARM's SDK clients.

Callers get domain values (`DeploymentState`, `WhatIfChange`, ids) and domain errors, never SDK objects. Failures
are translated in one place (`Arm._arm_call`): 429 and >= 500 that outlive the SDK's own retries, connection
errors and a long-running operation past `operation_timeout_s` → `TransientBackendError` (the engine retries);
a rejected sign-in → `AzureAuthError`; any other ARM error → `BackendError` with ARM's code and message. A
missing resource is a normal answer where the method says so (`get_deployment` → None, deletes of what is gone).
"""

from __future__ import annotations

import logging
import os
import re
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from enum import Enum
from typing import Any, Protocol, TypeVar
from urllib.parse import urlsplit

from azure.core.credentials import AccessToken, AccessTokenInfo, SupportsTokenInfo, TokenCredential, TokenRequestOptions
from azure.core.exceptions import (
    AzureError,
    ClientAuthenticationError,
    HttpResponseError,
    ResourceExistsError,
    ResourceNotFoundError,
    ServiceRequestError,
    ServiceResponseError,
)
from azure.core.pipeline import PipelineRequest, PipelineResponse
from azure.core.pipeline.policies import HTTPPolicy
from azure.core.polling import LROPoller
from azure.core.rest import HttpRequest, HttpResponse
from azure.identity import ClientSecretCredential, DefaultAzureCredential, ManagedIdentityCredential
from azure.mgmt.resource.deployments import DeploymentsMgmtClient
from azure.mgmt.resource.deployments.models import (
    Deployment,
    DeploymentExtended,
    DeploymentWhatIf,
    WhatIfPropertyChange,
)
from azure.mgmt.resource.deployments.models import WhatIfChange as SdkWhatIfChange
from azure.mgmt.resource.resources import ResourceManagementClient
from azure.mgmt.resource.resources.models import ResourceGroup

from flows.execution.backend import BackendError, TransientBackendError
from inventory.errors import BadSettingsError, LumenError

PUBLIC_ARM = "https://management.azure.com"
SERVICE_PRINCIPAL_VARIABLES = ("AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET")
# Entra ID's own hosts: MSAL discovers these; any other authority host needs instance discovery turned off.
_KNOWN_AUTHORITIES = frozenset({"login.microsoftonline.com", "login.chinacloudapi.cn", "login.microsoftonline.us"})
_TERMINAL = frozenset({"Succeeded", "Failed", "Canceled"})
_PARAMETER_KEYS = frozenset({"value", "reference", "expression"})

T = TypeVar("T")


# --- configuration ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AzureConfig:
    subscription_id: str
    arm_endpoint: str = PUBLIC_ARM
    authority_host: str | None = None  # None: Azure public cloud (or AZURE_AUTHORITY_HOST)
    connection_verify: str | None = None  # a CA bundle path (tests); None: the system's trust
    polling_interval_s: float = 5.0  # between polls when ARM sends no Retry-After (the SDK's default is 30 s)
    operation_timeout_s: float = 3600.0  # waiting on one begin_* call
    retry_total: int = 6  # per HTTP request, status retries included

    @property
    def scope(self) -> str:
        """The token scope of this ARM endpoint."""
        return self.arm_endpoint.rstrip("/") + "/.default"

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> AzureConfig:
        """LUMEN_MIGRATE_AZURE_* settings (and AZURE_AUTHORITY_HOST); a bad or missing one is BadSettingsError."""
        subscription = env.get("LUMEN_MIGRATE_AZURE_SUBSCRIPTION_ID", "").strip()
        if not subscription:
            raise BadSettingsError("LUMEN_MIGRATE_AZURE_SUBSCRIPTION_ID is not set: the Azure subscription to "
                                   "migrate into (a GUID)")
        try:
            uuid.UUID(subscription)
        except ValueError as e:
            raise BadSettingsError(f"LUMEN_MIGRATE_AZURE_SUBSCRIPTION_ID={subscription!r}: expected a "
                                   "subscription id (a GUID)") from e
        endpoint = env.get("LUMEN_MIGRATE_AZURE_ARM_ENDPOINT", "").strip() or PUBLIC_ARM
        if urlsplit(endpoint).scheme != "https" or not urlsplit(endpoint).netloc:
            raise BadSettingsError(f"LUMEN_MIGRATE_AZURE_ARM_ENDPOINT={endpoint!r}: expected an https:// URL "
                                   f"(default {PUBLIC_ARM})")
        return cls(subscription_id=subscription, arm_endpoint=endpoint.rstrip("/"),
                   authority_host=env.get("AZURE_AUTHORITY_HOST", "").strip() or None,
                   polling_interval_s=_seconds(env, "LUMEN_MIGRATE_AZURE_POLLING_INTERVAL_S", 5.0),
                   operation_timeout_s=_seconds(env, "LUMEN_MIGRATE_AZURE_OPERATION_TIMEOUT_S", 3600.0))


def _seconds(env: Mapping[str, str], variable: str, default: float) -> float:
    text = env.get(variable, "").strip()
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not value > 0 or value == float("inf"):
        raise BadSettingsError(f"{variable}={text!r}: expected a number of seconds above 0 (default {default:g})")
    return value


# --- credentials -----------------------------------------------------------------------------------------------


class AzureAuthError(LumenError):
    """Signing in to Azure failed, or ARM rejected the token. One line: what was tried, never a secret."""


class _Credential(TokenCredential, SupportsTokenInfo, Protocol):
    def close(self) -> None: ...


class AzureCredential:
    """What `make_credential` returns: an azure-identity credential that also says what it is (`tried`)."""

    def __init__(self, inner: _Credential, tried: str, *, secrets: Sequence[str] = ()) -> None:
        self._inner = inner
        self.tried = tried
        self._secrets = tuple(s for s in secrets if s)

    def __repr__(self) -> str:
        return f"AzureCredential({self.tried})"

    def get_token(self, *scopes: str, claims: str | None = None, tenant_id: str | None = None,
                  enable_cae: bool = False, **kwargs: Any) -> AccessToken:
        return self._inner.get_token(*scopes, claims=claims, tenant_id=tenant_id, enable_cae=enable_cae, **kwargs)

    def get_token_info(self, *scopes: str, options: TokenRequestOptions | None = None) -> AccessTokenInfo:
        return self._inner.get_token_info(*scopes, options=options)

    def close(self) -> None:
        self._inner.close()

    def __enter__(self) -> AzureCredential:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text


def _quiet_sdk_loggers() -> None:
    """The SDK's own warnings (azure-identity logs every failed sign-in) go where our logs go, never to the
    terminal through Python's last-resort handler: the CLI says the failure once, in one line."""
    sdk = logging.getLogger("azure")
    if not any(isinstance(handler, logging.NullHandler) for handler in sdk.handlers):
        sdk.addHandler(logging.NullHandler())


def make_credential(config: AzureConfig, env: Mapping[str, str] = os.environ) -> AzureCredential:
    """Service principal (AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET: all or none), else managed identity
    (AZURE_USE_MANAGED_IDENTITY=1, or the platform's IDENTITY_ENDPOINT / MSI_ENDPOINT), else DefaultAzureCredential
    for development. Builds only: nothing is asked of Entra ID until a token is needed (`Arm.check_credential`).

    With AZURE_FEDERATED_TOKEN_FILE set (AKS workload identity), AZURE_TENANT_ID + AZURE_CLIENT_ID without a secret
    are that identity, picked up by DefaultAzureCredential. Managed identity and DefaultAzureCredential read the
    process environment themselves; `env` only chooses between them."""
    _quiet_sdk_loggers()
    authority = config.authority_host or env.get("AZURE_AUTHORITY_HOST", "").strip() or None
    transport: dict[str, Any] = {} if config.connection_verify is None else {
        "connection_verify": config.connection_verify}
    entra = dict(transport)
    if authority is not None:
        entra["authority"] = authority
        if _host(authority) not in _KNOWN_AUTHORITIES:
            entra["disable_instance_discovery"] = True  # MSAL would ask Microsoft about a host it cannot know
    given = {name: env[name].strip() for name in SERVICE_PRINCIPAL_VARIABLES if env.get(name, "").strip()}
    managed = (env.get("AZURE_USE_MANAGED_IDENTITY", "").strip().lower() in ("1", "true", "yes")
               or bool(env.get("IDENTITY_ENDPOINT") or env.get("MSI_ENDPOINT")))
    workload = bool(env.get("AZURE_FEDERATED_TOKEN_FILE"))
    if len(given) == len(SERVICE_PRINCIPAL_VARIABLES):
        tenant, client, secret = (given[name] for name in SERVICE_PRINCIPAL_VARIABLES)
        tried = (f"service principal {client} of tenant {tenant} (AZURE_CLIENT_ID, AZURE_TENANT_ID, "
                 f"AZURE_CLIENT_SECRET) at {_host(authority or 'login.microsoftonline.com')}")
        return AzureCredential(ClientSecretCredential(tenant, client, secret, **entra), tried, secrets=[secret])
    if given and ("AZURE_CLIENT_SECRET" in given or not (managed or workload)):
        missing = [name for name in SERVICE_PRINCIPAL_VARIABLES if name not in given]
        raise BadSettingsError(f"a service principal needs all of {', '.join(SERVICE_PRINCIPAL_VARIABLES)}; "
                               f"{' and '.join(missing)} not set (set all three, or none of them to use a "
                               "managed identity or a developer sign-in)")
    if managed:
        client_id = given.get("AZURE_CLIENT_ID")
        tried = f"managed identity ({'user-assigned ' + client_id if client_id else 'system-assigned'})"
        return AzureCredential(ManagedIdentityCredential(client_id=client_id, **transport), tried)
    tried = ("DefaultAzureCredential (environment, workload identity, managed identity, Azure CLI / PowerShell / "
             "azd sign-in; no service principal variables set)")
    return AzureCredential(DefaultAzureCredential(exclude_interactive_browser_credential=True, **entra), tried)


def _host(url: str) -> str:
    return urlsplit(url if "://" in url else f"https://{url}").netloc.lower()


# --- domain values ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WhatIfChange:
    resource_id: str
    change_type: str  # Create, Delete, Modify, NoChange, Ignore, Deploy, Unsupported
    changed: tuple[str, ...] = ()  # property paths that change (Modify)


@dataclass(frozen=True, slots=True)
class DeploymentState:
    name: str
    state: str  # Succeeded, Failed, Running, Canceled, Accepted, ...
    resources: tuple[str, ...] = ()  # outputResources ids
    error: str | None = None


class AzureDeploymentFailed(BackendError):
    """A deployment ended Failed or Canceled; `created` are the ids its succeeded operations made (to roll back)."""

    def __init__(self, message: str, code: str, created: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.code = code  # the root cause's code (InvalidParameter, ...), not ARM's umbrella DeploymentFailed
        self.created = created

    def __reduce__(self) -> tuple[type[AzureDeploymentFailed], tuple[str, str, tuple[str, ...]]]:
        return type(self), (str(self), self.code, self.created)


# --- the client wrapper ----------------------------------------------------------------------------------------


class _ReadErrorAnswers(HTTPPolicy[HttpRequest, HttpResponse]):
    """Reads an error answer's body as it arrives (it is small), which gives its connection back to the pool.

    The SDK streams the first answer of a long-running operation (begin_create_or_update, begin_delete, ...), and its
    RetryPolicy drops a 429 or 5xx answer unread before it tries again: that connection stays checked out of the
    pool, open, until the garbage collector finds it (an unclosed socket, in whatever code runs then). The .NET and
    Java Azure cores dispose of it before retrying (azure-sdk-for-net#13546, azure-sdk-for-java#16605); azure-core
    1.41 for Python does not. Placed after the RetryPolicy, this sees every attempt."""

    def send(self, request: PipelineRequest[HttpRequest]) -> PipelineResponse[HttpRequest, HttpResponse]:
        response = self.next.send(request)
        if response.http_response.status_code >= 400:
            try:
                response.http_response.read()
            except (AzureError, OSError):  # the connection broke mid-body: the answer stands, its body lost
                response.http_response.close()
        return response


class Arm:
    """ARM for one subscription: resource groups, resources by id, resource-group deployments."""

    def __init__(self, config: AzureConfig, credential: TokenCredential) -> None:
        self._config = config
        self._credential = credential
        options: dict[str, Any] = {
            "base_url": config.arm_endpoint, "credential_scopes": [config.scope],
            "polling_interval": config.polling_interval_s,
            "retry_total": config.retry_total, "retry_status": config.retry_total,
        }
        if config.connection_verify is not None:
            options["connection_verify"] = config.connection_verify
        # a policy is one link of one pipeline (it holds `next`): each client gets its own
        self._groups = ResourceManagementClient(credential, config.subscription_id, **options,
                                                per_retry_policies=[_ReadErrorAnswers()])
        self._deployments = DeploymentsMgmtClient(credential, config.subscription_id, **options,
                                                  per_retry_policies=[_ReadErrorAnswers()])

    @property
    def config(self) -> AzureConfig:
        return self._config

    def close(self) -> None:
        """Close both clients' connections (the credential is the caller's)."""
        self._groups.close()
        self._deployments.close()

    def __enter__(self) -> Arm:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def check_credential(self) -> None:
        """Get a token for ARM now, so a bad sign-in fails before any step starts."""
        with self._arm_call("sign in", f"to {self._config.arm_endpoint}"):
            self._credential.get_token(self._config.scope)

    # --- resource groups -------------------------------------------------------------------------------------

    def group_exists(self, name: str) -> bool:
        with self._arm_call("check", _group(name)):
            return self._groups.resource_groups.check_existence(name)

    def ensure_group(self, name: str, location: str, tags: Mapping[str, str]) -> bool:
        """True when this call created the group; an existing group is left as it is (tags included)."""
        with self._arm_call("create", _group(name)):
            if self._groups.resource_groups.check_existence(name):
                return False
            self._groups.resource_groups.create_or_update(name, ResourceGroup(location=location, tags=dict(tags)))
            return True

    def group_tags(self, name: str) -> dict[str, str] | None:
        """None: no such group."""
        with self._arm_call("read", _group(name)):
            try:
                return dict(self._groups.resource_groups.get(name).tags or {})
            except ResourceNotFoundError:
                return None

    def resources_in_group(self, name: str) -> tuple[str, ...]:
        """Ids of the group's resources; () when the group does not exist."""
        with self._arm_call("list resources of", _group(name)):
            try:
                return tuple(r.id for r in self._groups.resources.list_by_resource_group(name) if r.id)
            except ResourceNotFoundError:
                return ()

    def delete_group(self, name: str) -> None:
        """Delete the group and all it holds; waits. Already gone: fine."""
        with self._arm_call("delete", _group(name)):
            try:
                self._wait(self._groups.resource_groups.begin_delete(name), "delete", _group(name))
            except ResourceNotFoundError:
                return

    # --- deployments -----------------------------------------------------------------------------------------

    def validate(self, group: str, name: str, template: Mapping[str, Any],
                 parameters: Mapping[str, Any]) -> tuple[str, ...]:
        """ARM's problems with this deployment (`code: message` each); () when it is valid. Creates nothing."""
        target = _deployment(group, name)
        with self._arm_call("validate", target):
            try:
                poller = self._deployments.deployments.begin_validate(group, name, _body(template, parameters))
                result = self._wait(poller, "validate", target)
            except HttpResponseError as e:  # ARM answers an invalid deployment 400, before any poller exists
                if isinstance(e, ClientAuthenticationError) or e.status_code not in (200, 400) or e.error is None:
                    raise
                return tuple(_leaves(e.error))
        error = result.error if result.error is not None else (
            result.properties.error if result.properties is not None else None)
        return () if error is None else tuple(_leaves(error))

    def what_if(self, group: str, name: str, template: Mapping[str, Any],
                parameters: Mapping[str, Any]) -> tuple[WhatIfChange, ...]:
        """What deploying would change, per resource (Incremental mode: resources not in the template are Ignore)."""
        target = _deployment(group, name)
        request = DeploymentWhatIf({"properties": _body(template, parameters)["properties"]})
        with self._arm_call("what-if", target):
            result = self._wait(self._deployments.deployments.begin_what_if(group, name, request), "what-if", target)
        if result.error is not None or (result.status or "Succeeded") != "Succeeded":
            detail = "; ".join(_leaves(result.error)) if result.error else f"status {result.status}"
            raise BackendError(f"what-if {target}: {_clean(detail)}")
        changes = result.properties.changes if result.properties is not None else None
        return tuple(_what_if_change(change) for change in changes or [])

    def deploy(self, group: str, name: str, template: Mapping[str, Any],
               parameters: Mapping[str, Any]) -> DeploymentState:
        """Deploy (Incremental) and wait. If a deployment of this name is already running (DeploymentActive), wait
        for that one and return its result instead. Failed or canceled → AzureDeploymentFailed with what it created.

        `parameters` are ARM's shape: `{"prefix": {"value": "w1"}, "password": {"reference": {...}}}`."""
        target = _deployment(group, name)
        body = _body(template, parameters)
        with self._arm_call("deploy", target):
            try:
                poller = self._deployments.deployments.begin_create_or_update(group, name, body)
            except ResourceExistsError as e:
                if e.error is None or e.error.code != "DeploymentActive":
                    raise
                return self._finished(group, name, self._await_running(group, name))
            try:
                return self._finished(group, name, self._wait(poller, "deploy", target))
            except HttpResponseError as e:  # the poll said Failed/Canceled; ARM's record has the details
                if isinstance(e, ClientAuthenticationError) or _transient(e):
                    raise
                found = self._get(group, name)
                if found is None or _provisioning_state(found) not in _TERMINAL:
                    raise
                return self._finished(group, name, found)

    def get_deployment(self, group: str, name: str) -> DeploymentState | None:
        """None: no such deployment (or no such group)."""
        found = self._get(group, name)
        return None if found is None else _state(name, found)

    def created_by(self, group: str, name: str) -> tuple[str, ...]:
        """Target ids of the deployment's succeeded Create operations (for a failed or cut-short deployment).

        ARM reports a resource the deployment only updated as Create too (statusCode OK, not Created): the ids are
        what this deployment wrote, which may include resources that existed before it. () when it is gone."""
        with self._arm_call("list operations of", _deployment(group, name)):
            try:
                operations = list(self._deployments.deployment_operations.list(group, name))
            except ResourceNotFoundError:
                return ()
        created: list[str] = []
        for operation in operations:
            properties = operation.properties
            if (properties is None or _text(properties.provisioning_operation) != "Create"
                    or properties.provisioning_state != "Succeeded" or properties.target_resource is None):
                continue
            resource_id = properties.target_resource.id
            if resource_id and resource_id not in created:
                created.append(resource_id)
        return tuple(created)

    def delete_resource(self, resource_id: str, api_version: str) -> None:
        """Delete one resource by id; waits. Already gone (or its group is): fine."""
        target = f"resource {resource_id}"
        with self._arm_call("delete", target):
            try:
                poller = self._groups.resources.begin_delete_by_id(resource_id, api_version=api_version)
                self._wait(poller, "delete", target)
            except ResourceNotFoundError:
                return

    def delete_deployment(self, group: str, name: str) -> None:
        """Delete the deployment record (not its resources); waits. Already gone: fine."""
        target = _deployment(group, name)
        with self._arm_call("delete", target):
            try:
                self._wait(self._deployments.deployments.begin_delete(group, name), "delete", target)
            except ResourceNotFoundError:
                return

    # --- internals -------------------------------------------------------------------------------------------

    def _get(self, group: str, name: str) -> DeploymentExtended | None:
        with self._arm_call("read", _deployment(group, name)):
            try:
                return self._deployments.deployments.get(group, name)
            except ResourceNotFoundError:
                return None

    def _await_running(self, group: str, name: str) -> DeploymentExtended:
        """Poll a deployment someone else started until it ends, within `operation_timeout_s`."""
        target = _deployment(group, name)
        deadline = time.monotonic() + self._config.operation_timeout_s
        while True:
            found = self._get(group, name)
            if found is None:
                raise BackendError(f"deploy {target}: ARM said one of that name was running, then it was gone")
            if _provisioning_state(found) in _TERMINAL:
                return found
            if time.monotonic() >= deadline:
                raise TransientBackendError(f"deploy {target}: the running deployment of that name did not finish "
                                            f"within {self._config.operation_timeout_s:g} s")
            time.sleep(self._config.polling_interval_s)

    def _finished(self, group: str, name: str, deployment: DeploymentExtended) -> DeploymentState:
        state = _state(name, deployment)
        if state.state not in ("Failed", "Canceled"):
            return state
        created = self.created_by(group, name)
        error = deployment.properties.error if deployment.properties is not None else None
        leaves = _leaf_errors(error) if error is not None else []
        code = (leaves[0].code if leaves else None) or state.state
        left = f"it had created {len(created)} resource(s)" if created else "it had created nothing"
        raise AzureDeploymentFailed(f"deploy {_deployment(group, name)}: {state.state}: "
                                    f"{state.error or 'no error given'} ({left})", code, created)

    def _wait(self, poller: LROPoller[T], operation: str, target: str) -> T:
        """The operation's result, or TransientBackendError once `operation_timeout_s` has passed."""
        poller.wait(timeout=self._config.operation_timeout_s)
        if not poller.done():  # the poller's thread keeps polling; a retry finds the operation where ARM has it
            raise TransientBackendError(f"{operation} {target}: not finished after "
                                        f"{self._config.operation_timeout_s:g} s (ARM may still be working on it)")
        return poller.result()

    @contextmanager
    def _arm_call(self, operation: str, target: str) -> Iterator[None]:
        """The one translation of SDK failures into this project's errors."""
        try:
            yield
        except ClientAuthenticationError as e:
            tried = getattr(self._credential, "tried", type(self._credential).__name__)
            if e.status_code == 401:
                reason = f"ARM rejected the token ({operation} {target}): {_arm_reason(e)}"
            else:  # Entra ID's answer; its trace and correlation ids only make the line long
                reason = f"no token for {self._config.scope}: {e.message.split(' Trace ID:')[0]}"
            redact = getattr(self._credential, "redact", None)
            text = _clean(f"Azure sign-in failed with {tried}: {reason}")
            raise AzureAuthError(redact(text) if callable(redact) else text) from e
        except HttpResponseError as e:
            text = _clean(f"{operation} {target}: {_arm_reason(e)}")
            if _transient(e):
                raise TransientBackendError(f"{text} (after the SDK's retries)") from e
            raise BackendError(text) from e
        except (ServiceRequestError, ServiceResponseError) as e:
            raise TransientBackendError(_clean(f"{operation} {target}: no answer from "
                                               f"{self._config.arm_endpoint}: {e.message}")) from e
        except AzureError as e:
            raise BackendError(_clean(f"{operation} {target}: {type(e).__name__}: {e.message}")) from e


# --- helpers ---------------------------------------------------------------------------------------------------


class _ErrorLike(Protocol):
    """ARM's error object, as azure-core (ODataV4Format) or the SDK's models (ErrorResponse) carry it."""

    @property
    def code(self) -> str | None: ...
    @property
    def message(self) -> str | None: ...
    @property
    def details(self) -> Sequence[_ErrorLike] | None: ...


def _group(name: str) -> str:
    return f"resource group '{name}'"


def _deployment(group: str, name: str) -> str:
    return f"deployment '{name}' in resource group '{group}'"


def _transient(e: HttpResponseError) -> bool:
    return e.status_code is not None and (e.status_code == 429 or e.status_code >= 500)


def _arm_reason(e: HttpResponseError) -> str:
    status = f"HTTP {e.status_code} " if e.status_code and e.status_code >= 400 else ""
    if e.error is not None and (e.error.code or e.error.message):
        details = [leaf for leaf in _leaves(e.error) if not leaf.startswith(f"{e.error.code}:")]
        return f"{status}{e.error.code}: {e.error.message}" + (f" ({'; '.join(details)})" if details else "")
    return f"{status}{e.reason or e.message}"


def _leaf_errors(error: _ErrorLike) -> list[_ErrorLike]:
    """The innermost errors: ARM wraps the real causes in umbrella ones (DeploymentFailed, InvalidTemplate...)."""
    details = list(error.details or [])
    return [leaf for detail in details for leaf in _leaf_errors(detail)] if details else [error]


def _leaves(error: _ErrorLike) -> list[str]:
    return [f"{leaf.code}: {leaf.message}" for leaf in _leaf_errors(error)]


def _text(value: str | Enum | None) -> str:
    if isinstance(value, Enum):
        return str(value.value)
    return value or ""


def _provisioning_state(deployment: DeploymentExtended) -> str:
    properties = deployment.properties  # models are mappings: an empty one is falsy, so `is None`, not `or`
    return "" if properties is None else _text(properties.provisioning_state)


def _state(name: str, deployment: DeploymentExtended) -> DeploymentState:
    properties = deployment.properties
    if properties is None:
        return DeploymentState(name, "NotSpecified")
    error = "; ".join(_leaves(properties.error)) if properties.error is not None else None
    resources = tuple(r.id for r in properties.output_resources or [] if r.id)
    return DeploymentState(name, _text(properties.provisioning_state) or "NotSpecified", resources, error)


def _what_if_change(change: SdkWhatIfChange) -> WhatIfChange:
    return WhatIfChange(change.resource_id or change.deployment_id or "", _text(change.change_type),
                        tuple(_changed_paths(change.delta or [])))


def _changed_paths(delta: Sequence[WhatIfPropertyChange], prefix: str = "") -> Iterator[str]:
    for item in delta:
        path = f"{prefix}.{item.path}" if prefix else item.path
        if item.children:
            yield from _changed_paths(item.children, path)
        elif _text(item.property_change_type) != "NoEffect":
            yield path


def _body(template: Mapping[str, Any], parameters: Mapping[str, Any]) -> Deployment:
    arm_parameters: dict[str, Any] = {}
    for key, given in parameters.items():
        if not isinstance(given, Mapping) or not given or not set(given) <= _PARAMETER_KEYS:
            # the value itself is never shown: it may be a password
            raise TypeError(f"deployment parameter {key!r}: expected ARM's shape {{'value': ...}} (or 'reference' "
                            f"/ 'expression'), got a {type(given).__name__}")
        arm_parameters[key] = _plain(given)
    return Deployment({"properties": {"mode": "Incremental", "template": _plain(template),
                                      "parameters": arm_parameters}})


def _plain(value: Any) -> Any:
    """Mappings and sequences as dicts and lists, which the SDK's JSON encoder takes (a MappingProxyType it won't)."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


_JWT = re.compile(r"eyJ[\w-]+\.[\w-]+\.[\w-]*")
_BEARER = re.compile(r"(?i)bearer\s+[\w.~+/=-]+")
_QUERY = re.compile(r"(/[^\s?'\"]*)\?[^\s'\")]*")  # polling URLs carry signatures (&s=, &h=): path only


def _clean(text: str) -> str:
    """One line, no tokens, no signed query strings, of a readable length."""
    text = _JWT.sub("<token>", text)
    text = _BEARER.sub("Bearer <token>", text)
    text = _QUERY.sub(r"\1", text)
    text = " ".join(text.split())
    return text if len(text) <= 600 else text[:597] + "..."
