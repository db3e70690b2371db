"""From an HTTP request to the stand-in's answer: routing, auth, injected faults, long-running-operation headers."""

from __future__ import annotations

import json
import re
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, quote

from tests.arm_standin.entra import Entra
from tests.arm_standin.errors import ArmError
from tests.arm_standin.faults import fault_from_json
from tests.arm_standin.state import ArmState, LongRunning, LroSettings

_PROVIDERS = "/providers/microsoft.resources/deployments"


@dataclass(frozen=True)
class Request:
    method: str
    path: str  # percent-decoded, repeated slashes collapsed, no trailing slash
    query: dict[str, str]
    body: bytes
    headers: Mapping[str, str]  # names in lower case


@dataclass
class Answer:
    status: int
    body: Any = None  # JSON-able, or None for no body
    headers: dict[str, str] = field(default_factory=dict)


Handler = Callable[[Request, dict[str, str]], Answer]


class Router:
    """Dispatches one request; ARM paths go through delay → auth → injected errors → api-version → route."""

    def __init__(self, state: ArmState, entra: Entra, base_url: Callable[[], str], *, page_size: int = 100) -> None:
        self.state, self.entra, self.base_url, self.page_size = state, entra, base_url, page_size
        sub, rg = r"/subscriptions/(?P<sub>[^/]+)", r"/resourcegroups/(?P<rg>[^/]+)"
        deployment = sub + rg + _PROVIDERS + r"/(?P<name>[^/]+)"
        self.arm_routes: list[tuple[re.Pattern[str], Handler]] = [(re.compile(p + "$", re.IGNORECASE), h) for p, h in [
            (sub + r"/resourcegroups", self.groups),
            (sub + rg, self.group),
            (sub + rg + r"/resources", self.resources),
            (sub + r"/resources", self.resources),
            (sub + rg + _PROVIDERS, self.deployments),
            (deployment, self.deployment),
            (deployment + r"/operationstatuses/(?P<op>[^/]+)", self.deployment_status),
            (deployment + r"/(?P<action>validate|whatif|cancel)", self.deployment_action),
            (sub + rg + r"/deployments/(?P<name>[^/]+)/operations(?:/(?P<opid>[^/]+))?", self.operations),
            (sub + r"/operationresults/(?P<op>[^/]+)", self.operation_result),
            (sub + rg + r"/providers/(?P<rest>.+)", self.resource),
        ]]

    # --- entry ---------------------------------------------------------------------------------------------

    def dispatch(self, request: Request) -> Answer:
        if request.path.lower().startswith("/_standin/"):
            return self.control(request)
        if not request.path.lower().startswith("/subscriptions/"):
            return self.entra_route(request)
        time.sleep(self.state.faults.delay_for(request.method, request.path))
        self.entra.check_bearer(request.headers.get("authorization"))
        injected = self.state.faults.request_error(request.method, request.path)
        if injected is not None:
            raise injected
        if "api-version" not in request.query:
            raise ArmError(400, "MissingApiVersionParameter", "The api-version query parameter (?api-version=) is "
                           "required for all requests.")
        for pattern, handler in self.arm_routes:
            match = pattern.match(request.path)
            if match:
                groups = {k: v for k, v in match.groupdict().items() if v is not None}
                if groups["sub"].lower() != self.state.subscription_id.lower():
                    raise ArmError(404, "SubscriptionNotFound", f"The subscription '{groups['sub']}' could not be "
                                   "found.")
                return handler(request, groups)
        raise _unsupported(request)

    # --- Entra ---------------------------------------------------------------------------------------------

    def entra_route(self, request: Request) -> Answer:
        segments = [s for s in request.path.split("/") if s]
        if request.method == "GET" and segments[1:] == ["v2.0", ".well-known", "openid-configuration"]:
            answer = self.entra.openid_configuration(segments[0])
            return Answer(answer.status, answer.body)
        if request.method == "POST" and segments[1:] == ["oauth2", "v2.0", "token"]:
            form = dict(parse_qsl(request.body.decode("utf-8", "replace"), keep_blank_values=True))
            answer = self.entra.token(segments[0], form, request.headers.get("authorization"))
            return Answer(answer.status, answer.body, {"Cache-Control": "no-store, no-cache"})
        raise ArmError(404, "NotFound", f"The ARM stand-in has no endpoint {request.method} {request.path}.")

    # --- resource groups -----------------------------------------------------------------------------------

    def groups(self, request: Request, _: dict[str, str]) -> Answer:
        if request.method != "GET":
            raise _unsupported(request)
        return self._page(request, [g.to_json(self.state.subscription_id) for g in self.state.list_groups()])

    def group(self, request: Request, match: dict[str, str]) -> Answer:
        name, sub = match["rg"], self.state.subscription_id
        if request.method == "HEAD":
            return _exists(lambda: self.state.group(name, poll=True))
        if request.method == "GET":
            return Answer(200, self.state.group(name, poll=True).to_json(sub))
        if request.method == "PUT":
            status, group = self.state.put_group(name, _json(request))
            return Answer(status, group.to_json(sub))
        if request.method == "PATCH":
            return Answer(200, self.state.patch_group(name, _json(request)).to_json(sub))
        if request.method == "DELETE":
            return self._accepted(request, self.state.delete_group(name, request.path))
        raise _unsupported(request)

    # --- resources -----------------------------------------------------------------------------------------

    def resources(self, request: Request, match: dict[str, str]) -> Answer:
        if request.method != "GET":
            raise _unsupported(request)
        found = _filtered(self.state.list_resources(match.get("rg")), request.query.get("$filter"))
        return self._page(request, [r.to_json(with_properties="properties" in request.query.get("$expand", ""))
                                    for r in found])

    def resource(self, request: Request, match: dict[str, str]) -> Answer:
        resource_id = request.path
        if request.method == "HEAD":
            return _exists(lambda: self.state.resource(resource_id, poll=True))
        if request.method == "GET":
            return Answer(200, self.state.resource(resource_id, poll=True).to_json())
        if request.method == "PUT":
            status, resource = self.state.put_resource(resource_id, _json(request), request.query.get("api-version"))
            return Answer(status, resource.to_json())
        if request.method == "DELETE":
            return self._accepted(request, self.state.delete_resource(resource_id, request.path))
        raise _unsupported(request)

    # --- deployments ---------------------------------------------------------------------------------------

    def deployments(self, request: Request, match: dict[str, str]) -> Answer:
        if request.method != "GET":
            raise _unsupported(request)
        sub = self.state.subscription_id
        return self._page(request, [d.to_json(sub) for d in self.state.list_deployments(match["rg"])])

    def deployment(self, request: Request, match: dict[str, str]) -> Answer:
        rg, name, sub = match["rg"], match["name"], self.state.subscription_id
        if request.method == "HEAD":
            return _exists(lambda: self.state.deployment(rg, name, poll=True))
        if request.method == "GET":
            found = self.state.deployment(rg, name, poll=True)
            return Answer(200, found.to_json(sub), self._retry_after() if found.active else {})
        if request.method == "PUT":
            status, created = self.state.put_deployment(rg, name, _json(request))
            status_url = (f"{self.base_url()}/subscriptions/{sub}/resourcegroups/{quote(created.resource_group)}"
                          f"{_PROVIDERS.replace('microsoft.resources', 'Microsoft.Resources')}/{quote(name)}"
                          f"/operationStatuses/{created.operation_id}?{self._signed_query(request)}")
            return Answer(status, created.to_json(sub), {"Azure-AsyncOperation": status_url, **self._retry_after()})
        if request.method == "DELETE":
            operation = self.state.delete_deployment(rg, name, request.path)
            return Answer(204) if operation is None else self._accepted(request, operation)
        raise _unsupported(request)

    def deployment_action(self, request: Request, match: dict[str, str]) -> Answer:
        if request.method != "POST":
            raise _unsupported(request)
        rg, name, action = match["rg"], match["name"], match["action"].lower()
        if action == "validate":
            return Answer(200, self.state.validate(rg, name, _json(request)))
        if action == "whatif":
            return self._accepted(request, self.state.what_if(rg, name, _json(request)))
        self.state.cancel(rg, name)
        return Answer(204)

    def deployment_status(self, request: Request, match: dict[str, str]) -> Answer:
        operation = self.state.poll(match["op"])
        if operation.kind != "deployment":
            raise ArmError(404, "OperationNotFound", f"The operation '{match['op']}' could not be found.")
        status = self.state.deployment_status(operation)
        return Answer(200, status, self._retry_after() if status["status"] == "Running" else {})

    def operations(self, request: Request, match: dict[str, str]) -> Answer:
        if request.method != "GET":
            raise _unsupported(request)
        found = self.state.deployment(match["rg"], match["name"])
        deployment_id = found.resource_id(self.state.subscription_id)
        listed = [op.to_json(deployment_id) for op in self.state.deployment_operations(match["rg"], match["name"])]
        if "opid" not in match:
            return self._page(request, listed)
        for item in listed:
            if item["operationId"].lower() == match["opid"].lower():
                return Answer(200, item)
        raise ArmError(404, "DeploymentOperationNotFound", f"The deployment operation '{match['opid']}' could not "
                       "be found.")

    def operation_result(self, request: Request, match: dict[str, str]) -> Answer:
        operation = self.state.poll(match["op"])
        if operation.kind == "deployment":
            raise ArmError(404, "OperationNotFound", f"The operation '{match['op']}' could not be found.")
        if not operation.done:
            return self._accepted(request, operation)
        if operation.error is not None:
            raise operation.error
        if operation.kind == "what_if":
            return Answer(200, operation.result)
        return Answer(204 if operation.kind == "delete_deployment" else 200)

    # --- the control endpoint --------------------------------------------------------------------------------

    def control(self, request: Request) -> Answer:
        what = request.path.lower().removeprefix("/_standin/")
        if what == "faults" and request.method == "POST":
            fault = fault_from_json(_json(request))
            self.state.faults.add(fault)
            return Answer(201, {"fault": repr(fault)})
        if what == "faults" and request.method == "DELETE":
            self.state.faults.clear()
            return Answer(204)
        if what == "reset" and request.method == "POST":
            self.state.reset()
            return Answer(204)
        if what == "config" and request.method == "POST":
            body = _json(request)
            lro = self.state.lro
            settings = LroSettings(polls_to_finish=body.get("polls_to_finish", lro.polls_to_finish),
                                   seconds_to_finish=body.get("seconds_to_finish", lro.seconds_to_finish),
                                   retry_after=int(body.get("retry_after", lro.retry_after)))
            locations = body.get("allowed_locations")
            self.state.configure(lro=settings, allowed_locations=frozenset(locations) if locations else None)
            return Answer(200, {"polls_to_finish": settings.polls_to_finish,
                                "seconds_to_finish": settings.seconds_to_finish, "retry_after": settings.retry_after})
        if what == "state" and request.method == "GET":
            sub = self.state.subscription_id
            return Answer(200, {
                "resourceGroups": [g.to_json(sub) for g in self.state.resource_groups()],
                "resources": [r.to_json() for r in self.state.resources()],
                "deployments": [d.to_json(sub) for d in self.state.deployments()],
            })
        if what == "requests" and request.method == "GET":
            return Answer(200, {"value": [{"method": r.method, "path": r.path, "apiVersion": r.api_version,
                                           "status": r.status} for r in self.state.requests()]})
        if what == "revoke-tokens" and request.method == "POST":
            self.entra.revoke_all()
            return Answer(204)
        raise ArmError(404, "NotFound", f"No control endpoint {request.method} {request.path}.")

    # --- helpers ---------------------------------------------------------------------------------------------

    def _retry_after(self) -> dict[str, str]:
        return {"Retry-After": str(self.state.lro.retry_after)}

    def _signed_query(self, request: Request) -> str:
        """api-version plus the signed parameters (t, c, s, h) ARM has added to polling URLs since 2025."""
        api_version = quote(request.query.get("api-version", ""))
        return (f"api-version={api_version}&t={time.time_ns() // 100}&c={secrets.token_urlsafe(24)}"
                f"&s={secrets.token_urlsafe(32)}&h={secrets.token_urlsafe(16)}")

    def _accepted(self, request: Request, operation: LongRunning) -> Answer:
        location = (f"{self.base_url()}/subscriptions/{self.state.subscription_id}/operationresults/{operation.id}"
                    f"?{self._signed_query(request)}")
        return Answer(202, None, {"Location": location, **self._retry_after()})

    def _page(self, request: Request, items: list[dict[str, Any]]) -> Answer:
        try:
            start = int(request.query.get("$skiptoken", "0"))
        except ValueError as e:
            raise ArmError(400, "InvalidSkipToken", "The $skiptoken is not valid.") from e
        body: dict[str, Any] = {"value": items[start:start + self.page_size]}
        if start + self.page_size < len(items):
            query = {k: v for k, v in request.query.items() if k != "$skiptoken"}
            query["$skiptoken"] = str(start + self.page_size)
            encoded = "&".join(f"{quote(k)}={quote(v)}" for k, v in query.items())
            body["nextLink"] = f"{self.base_url()}{quote(request.path)}?{encoded}"
        return Answer(200, body)


def _json(request: Request) -> dict[str, Any]:
    if not request.body:
        return {}
    try:
        body = json.loads(request.body)
    except ValueError as e:
        raise ArmError(400, "InvalidRequestContent", f"The request content was invalid and could not be "
                       f"deserialized: {e}") from e
    if not isinstance(body, dict):
        raise ArmError(400, "InvalidRequestContent", "The request content must be a JSON object.")
    return body


def _exists(lookup: Callable[[], object]) -> Answer:
    try:
        lookup()
    except ArmError as e:
        if e.status == 404:
            return Answer(404)
        raise
    return Answer(204)


def _unsupported(request: Request) -> ArmError:
    return ArmError(400, "UnsupportedByStandIn", f"The ARM stand-in does not model {request.method} "
                    f"{request.path}. Add it to tests/arm_standin if a test needs it.")


_CLAUSE = re.compile(r"^\s*(resourceType|tagName|tagValue|name|location)\s+eq\s+'((?:[^']|'')*)'\s*$", re.IGNORECASE)


def _filtered(resources: list[Any], expression: str | None) -> list[Any]:
    """The `$filter` subset of resources.list: `resourceType|name|location|tagName|tagValue eq '...'`, `and`."""
    if not expression:
        return resources
    wanted: dict[str, str] = {}
    for clause in re.split(r"\s+and\s+", expression, flags=re.IGNORECASE):
        match = _CLAUSE.match(clause)
        if not match:
            raise ArmError(400, "InvalidFilterInQueryString", f"The $filter '{expression}' is not supported by the "
                           "ARM stand-in.")
        wanted[match.group(1).lower()] = match.group(2).replace("''", "'")

    def keep(resource: Any) -> bool:
        checks = {"resourcetype": resource.type, "name": resource.name, "location": resource.location or ""}
        if any(key in wanted and wanted[key].lower() != value.lower() for key, value in checks.items()):
            return False
        if "tagname" in wanted:
            tags = {str(k).lower(): str(v) for k, v in resource.tags.items()}
            if wanted["tagname"].lower() not in tags:
                return False
            if "tagvalue" in wanted and tags[wanted["tagname"].lower()] != wanted["tagvalue"]:
                return False
        return True

    return [r for r in resources if keep(r)]
