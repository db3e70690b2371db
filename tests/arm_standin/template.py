"""ARM JSON templates, evaluated just enough to know which resources a deployment makes (pure functions).

Supported expressions, inside `"[...]"` strings: `parameters('x')`, `variables('x')`, `resourceGroup()` with
`.location` / `.name` / `.id`, `concat(...)` and `resourceId('Ns/type[/child]', 'name'[, 'child'])`, with
string and integer literals. `"[[..."` is a literal `[`. Resource `condition` is honoured. Anything else —
another function (`reference`, `uniqueString`, ...), `copy` loops, nested `resources` — is a 400
`InvalidTemplate` naming it, so a test finds out at once what the stand-in does not model.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from tests.arm_standin.errors import ArmError, invalid_template

TYPE_NAMES = {"string": "String", "securestring": "SecureString", "int": "Int", "bool": "Bool",
              "object": "Object", "secureobject": "SecureObject", "array": "Array"}
_SECURE = {"securestring", "secureobject"}


@dataclass(frozen=True)
class PlannedResource:
    """One template resource after evaluation: what the deployment would create or update."""

    id: str
    type: str
    name: str
    api_version: str
    location: str | None
    tags: dict[str, Any]
    properties: dict[str, Any]
    depends_on: tuple[str, ...] = ()


@dataclass(frozen=True)
class ExpandedTemplate:
    resources: tuple[PlannedResource, ...]  # in deployment order: dependencies first, then template order
    outputs: dict[str, dict[str, Any]]
    parameters: dict[str, dict[str, Any]]  # as ARM echoes them: {"type": "String", "value": ...}; secure: no value
    problems: list[dict[str, Any]] = field(default_factory=list)  # validation details (a resource lacks a field)


@dataclass(frozen=True)
class Scope:
    subscription_id: str
    resource_group: str
    location: str

    @property
    def resource_group_id(self) -> str:
        return f"/subscriptions/{self.subscription_id}/resourceGroups/{self.resource_group}"


def resource_id(scope: Scope, resource_type: str, name: str) -> str:
    """`Microsoft.Sql/servers/databases` + `server/db` → `.../providers/Microsoft.Sql/servers/server/databases/db`."""
    namespace, *types = resource_type.split("/")
    names = name.split("/")
    if not types or len(types) != len(names) or not all(names):
        raise invalid_template(f"The template resource '{name}' for type '{resource_type}' has incorrect segment "
                               "lengths. A nested resource type must have identical number of segments as its "
                               "resource name. A root resource type must have segment length one greater than "
                               "its resource name")
    segments = "".join(f"/{t}/{n}" for t, n in zip(types, names, strict=True))
    return f"{scope.resource_group_id}/providers/{namespace}{segments}"


# --- the expression language -------------------------------------------------------------------------------

_TOKEN = re.compile(r"\s*(?:(?P<string>'(?:[^']|'')*')|(?P<number>-?\d+)|(?P<name>[A-Za-z_][A-Za-z0-9_]*)"
                    r"|(?P<punct>[(),.]))")


class _Parser:
    """Recursive descent over one expression; calls `call(name, args)` for every function it meets."""

    def __init__(self, text: str, call: Callable[[str, list[Any]], Any]) -> None:
        self.text, self.call, self.pos = text, call, 0
        self.tokens: list[tuple[str, str]] = []
        while self.pos < len(text):
            match = _TOKEN.match(text, self.pos)
            if not match or match.end() == self.pos:
                if text[self.pos:].strip() == "":
                    break
                raise invalid_template(f"The template language expression '{text}' is not valid: unexpected "
                                       f"character at position {self.pos}")
            kind = match.lastgroup or ""
            self.tokens.append((kind, match.group(kind)))
            self.pos = match.end()
        self.index = 0

    def parse(self) -> Any:
        value = self._expression()
        if self.index != len(self.tokens):
            raise invalid_template(f"The template language expression '{self.text}' is not valid")
        return value

    def _next(self) -> tuple[str, str]:
        if self.index >= len(self.tokens):
            raise invalid_template(f"The template language expression '{self.text}' is not valid: it ends early")
        token = self.tokens[self.index]
        self.index += 1
        return token

    def _peek(self) -> str | None:
        return self.tokens[self.index][1] if self.index < len(self.tokens) else None

    def _expression(self) -> Any:
        kind, text = self._next()
        if kind == "string":
            return text[1:-1].replace("''", "'")
        if kind == "number":
            return int(text)
        if kind != "name" or self._next()[1] != "(":
            raise invalid_template(f"The template language expression '{self.text}' is not valid")
        args: list[Any] = []
        if self._peek() != ")":
            args.append(self._expression())
            while self._peek() == ",":
                self.index += 1
                args.append(self._expression())
        if self._next()[1] != ")":
            raise invalid_template(f"The template language expression '{self.text}' is not valid")
        value = self.call(text, args)
        while self._peek() == ".":
            self.index += 1
            kind, member = self._next()
            if kind != "name" or not isinstance(value, Mapping) or member not in value:
                raise invalid_template(f"The template language expression '{self.text}' is not valid: the "
                                       f"property '{member}' does not exist")
            value = value[member]
        return value


class _Evaluator:
    """Evaluates strings of one template against its parameters, variables and scope (lazily, cycle-safe)."""

    def __init__(self, template: Mapping[str, Any], supplied: Mapping[str, Any], scope: Scope) -> None:
        self.scope = scope
        self.declared: Mapping[str, Any] = _mapping(template.get("parameters", {}), "parameters")
        self.variables: Mapping[str, Any] = _mapping(template.get("variables", {}), "variables")
        self.supplied = supplied
        self.values: dict[str, Any] = {}
        self.busy: set[str] = set()

    def evaluate(self, value: Any) -> Any:
        if isinstance(value, str):
            if value.startswith("[["):
                return value[1:]
            if value.startswith("[") and value.endswith("]"):
                return _Parser(value[1:-1], self._call).parse()
            return value
        if isinstance(value, list):
            return [self.evaluate(item) for item in value]
        if isinstance(value, dict):
            return {key: self.evaluate(item) for key, item in value.items()}
        return value

    def parameter(self, name: str) -> Any:
        key = f"parameters:{name}"
        if key in self.values:
            return self.values[key]
        declaration = _lookup(self.declared, name)
        if declaration is None:
            raise invalid_template(f"The template parameter '{name}' is not found")
        given = _lookup(self.supplied, name)
        if given is not None:
            if not isinstance(given, Mapping) or "value" not in given:
                raise invalid_template(f"The parameter '{name}' must be given as {{\"value\": ...}}; key vault "
                                       "references are not supported by the stand-in")
            value = given["value"]
        elif "defaultValue" in declaration:
            value = self._guarded(key, lambda: self.evaluate(declaration["defaultValue"]))
        else:
            raise invalid_template(f"The value for the template parameter '{name}' is not provided")
        allowed = declaration.get("allowedValues")
        if allowed is not None and value not in allowed:
            raise invalid_template(f"The provided value '{value}' for the template parameter '{name}' is not "
                                   f"valid. The value must be one of {allowed}")
        self.values[key] = value
        return value

    def variable(self, name: str) -> Any:
        key = f"variables:{name}"
        if key not in self.values:
            if not any(key.lower() == name.lower() for key in self.variables):
                raise invalid_template(f"The template variable '{name}' is not found")
            self.values[key] = self._guarded(key, lambda: self.evaluate(_lookup(self.variables, name)))
        return self.values[key]

    def _guarded(self, key: str, compute: Callable[[], Any]) -> Any:
        if key in self.busy:
            raise invalid_template(f"The template {key.replace(':', ' ')} refers to itself")
        self.busy.add(key)
        try:
            return compute()
        finally:
            self.busy.discard(key)

    def _call(self, name: str, args: list[Any]) -> Any:
        function = name.lower()
        if function == "parameters" and len(args) == 1:
            return self.parameter(str(args[0]))
        if function == "variables" and len(args) == 1:
            return self.variable(str(args[0]))
        if function == "resourcegroup" and not args:
            return {"name": self.scope.resource_group, "location": self.scope.location,
                    "id": self.scope.resource_group_id}
        if function == "concat" and args:
            if all(isinstance(arg, list) for arg in args):
                return [item for arg in args for item in arg]
            if any(isinstance(arg, dict | list) for arg in args):
                raise invalid_template("concat() takes only strings and integers, or only arrays")
            return "".join(str(arg) for arg in args)
        if function == "resourceid" and len(args) >= 2:
            return self._resource_id([str(arg) for arg in args])
        raise invalid_template(f"The template function '{name}' is not supported by the ARM stand-in "
                               f"(or was called with {len(args)} arguments)")

    def _resource_id(self, args: list[str]) -> str:
        typed = next((i for i, arg in enumerate(args) if "/" in arg and "." in arg.split("/")[0]), None)
        if typed is None or typed > 2:
            raise invalid_template(f"resourceId({', '.join(args)}): no resource type argument found")
        subscription = args[0] if typed == 2 else self.scope.subscription_id
        group = args[typed - 1] if typed >= 1 else self.scope.resource_group
        scope = Scope(subscription, group, self.scope.location)
        return resource_id(scope, args[typed], "/".join(args[typed + 1:]))


def _mapping(value: Any, what: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise invalid_template(f"The template '{what}' must be an object")
    return value


def _lookup(mapping: Mapping[str, Any], name: str) -> Any:
    """ARM names are case-insensitive."""
    for key, value in mapping.items():
        if key.lower() == name.lower():
            return value
    return None


# --- expanding a template --------------------------------------------------------------------------------


def expand(template: Any, parameters: Any, scope: Scope) -> ExpandedTemplate:
    """Evaluate a template for one deployment; raise `ArmError` (400 InvalidTemplate) for what ARM would reject."""
    if not isinstance(template, Mapping):
        raise ArmError(400, "InvalidRequestContent", "The request content must have 'properties.template' as an "
                       "inline JSON object; templateLink is not supported by the ARM stand-in.")
    evaluator = _Evaluator(template, _mapping(parameters or {}, "parameters"), scope)
    for name in evaluator.supplied:
        if _lookup(evaluator.declared, name) is None:
            raise invalid_template(f"The template parameters '{name}' in the parameters file are not valid; "
                                   "they are not present in the original template and can therefore not be "
                                   "provided at deployment time")
    echoed = {}
    for name, declaration in evaluator.declared.items():
        kind = str(_mapping(declaration, f"parameters.{name}").get("type", "string")).lower()
        echoed[name] = {"type": TYPE_NAMES.get(kind, kind)}
        value = evaluator.parameter(name)
        if kind not in _SECURE:
            echoed[name]["value"] = value
    raw_resources = template.get("resources", [])
    if not isinstance(raw_resources, list):
        raise invalid_template("The template 'resources' must be an array")
    problems: list[dict[str, Any]] = []
    planned = []
    for index, raw in enumerate(raw_resources):
        resource = _plan_resource(index, _mapping(raw, f"resources[{index}]"), evaluator, problems)
        if resource is not None:
            planned.append(resource)
    ordered = _deployment_order(planned)
    outputs = {}
    for name, output in _mapping(template.get("outputs", {}), "outputs").items():
        declared = _mapping(output, f"outputs.{name}")
        kind = str(declared.get("type", "string")).lower()
        outputs[name] = {"type": TYPE_NAMES.get(kind, kind), "value": evaluator.evaluate(declared.get("value"))}
    return ExpandedTemplate(tuple(ordered), outputs, echoed, problems)


def _plan_resource(index: int, raw: Mapping[str, Any], evaluator: _Evaluator,
                   problems: list[dict[str, Any]]) -> PlannedResource | None:
    for unsupported in ("copy", "resources", "scope"):
        if unsupported in raw:
            raise invalid_template(f"The template resource at index {index} uses '{unsupported}', which the ARM "
                                   "stand-in does not support")
    if "condition" in raw and not evaluator.evaluate(raw["condition"]):
        return None
    missing = [key for key in ("type", "name", "apiVersion") if not raw.get(key)]
    if missing:
        problems.append({"code": "InvalidTemplate",
                         "message": f"The template resource at index {index} is missing the required "
                                    f"propert{'y' if len(missing) == 1 else 'ies'} "
                                    f"{', '.join(repr(m) for m in missing)}."})
        if "type" in missing or "name" in missing:
            return None
    resource_type, name = str(evaluator.evaluate(raw["type"])), str(evaluator.evaluate(raw["name"]))
    location = evaluator.evaluate(raw.get("location"))
    tags = evaluator.evaluate(raw.get("tags", {})) or {}
    properties = evaluator.evaluate(raw.get("properties", {})) or {}
    depends = evaluator.evaluate(raw.get("dependsOn", []))
    if not isinstance(tags, dict) or not isinstance(properties, dict) or not isinstance(depends, list):
        raise invalid_template(f"The template resource '{name}': tags and properties must be objects, dependsOn "
                               "an array")
    return PlannedResource(
        id=resource_id(evaluator.scope, resource_type, name), type=resource_type, name=name,
        api_version=str(evaluator.evaluate(raw.get("apiVersion", ""))),
        location=None if location is None else str(location), tags=tags, properties=properties,
        depends_on=tuple(str(d) for d in depends),
    )


def _deployment_order(planned: list[PlannedResource]) -> list[PlannedResource]:
    """Dependencies first (ARM deploys independent resources in parallel; template order is our tiebreak).

    `depends_on` of the result holds resolved resource ids.
    """
    def target(reference: str, of: PlannedResource) -> str:
        needle = reference.lower()
        for other in planned:
            type_and_name = f"{other.type}/{other.name}".lower()
            if needle in (other.id.lower(), type_and_name, other.name.lower()):
                return other.id
        raise invalid_template(f"The resource '{reference}' is not defined in the template (dependsOn of "
                               f"'{of.name}')")

    needs = {r.id: {target(d, r) for d in r.depends_on} for r in planned}
    ordered: list[PlannedResource] = []
    done: set[str] = set()
    while len(ordered) < len(planned):
        ready = [r for r in planned if r.id not in done and needs[r.id] <= done]
        if not ready:
            stuck = sorted(r.name for r in planned if r.id not in done)
            raise invalid_template(f"Circular dependency detected on resources: {', '.join(stuck)}")
        ordered.append(replace(ready[0], depends_on=tuple(sorted(needs[ready[0].id]))))
        done.add(ready[0].id)
    return ordered


def location_problems(expanded: ExpandedTemplate, allowed: frozenset[str]) -> list[dict[str, Any]]:
    """Details of an InvalidTemplateDeployment for resources placed outside the allowed regions."""
    problems = []
    for resource in expanded.resources:
        if resource.location is None:
            continue
        normalized = resource.location.replace(" ", "").lower()
        if normalized not in allowed and normalized != "global":
            problems.append({"code": "LocationNotAvailableForResourceType",
                             "message": f"The provided location '{resource.location}' is not available for "
                                        f"resource type '{resource.type}'. List of available regions for the "
                                        f"resource type is '{','.join(sorted(allowed))}'.",
                             "target": resource.id})
    return problems
