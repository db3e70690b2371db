"""The conditions a rule's `when` may use, compiled from YAML nodes into predicates over `Facts`.

Values are read from the raw YAML text, not YAML's own typing: `power_state: off` means "off", not False.
A bad condition raises `ConditionError` carrying the node, so the loader can name its line.
"""

from __future__ import annotations

import difflib
import operator
import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

import yaml

from inventory.records import Criticality, Environment, OsFamily, PowerState, SystemKind, normalise_environment
from migrations_plan.assessment.facts import Facts, normalise_db_engine, normalise_word
from migrations_plan.assessment.lifecycle import SupportStatus

Predicate = Callable[[Facts], bool]


class ConditionError(Exception):
    """A condition that cannot be compiled; `node` locates it in the rule file."""

    def __init__(self, node: yaml.Node, message: str) -> None:
        super().__init__(message)
        self.node = node
        self.message = message


def _enum_values(enum: type[StrEnum]) -> Callable[[str], str | None]:
    allowed = {member.value for member in enum}

    def normalise(text: str) -> str | None:
        value = text.strip().lower().replace("-", "_") if enum is SupportStatus else text.strip().lower()
        return value if value in allowed else None

    return normalise


def _environment(text: str) -> str | None:
    value = text.strip().lower()
    if value in {member.value for member in Environment}:
        return value
    normalised = normalise_environment(value)
    return None if normalised is Environment.UNKNOWN else normalised.value


def _free_text(text: str) -> str | None:
    return normalise_word(text)


def _db_engine(text: str) -> str | None:
    return normalise_db_engine(text)


# condition key -> (fact, normaliser returning None for a value the fact can never take)
MEMBERSHIP: dict[str, tuple[str, Callable[[str], str | None]]] = {
    "kind": ("kind", _enum_values(SystemKind)),
    "os_family": ("os_family", _enum_values(OsFamily)),
    "os_support": ("os_support", _enum_values(SupportStatus)),
    "db_support": ("db_support", _enum_values(SupportStatus)),
    "environment": ("environment", _environment),
    "criticality": ("criticality", _enum_values(Criticality)),
    "power_state": ("power_state", _enum_values(PowerState)),
    "db_engine": ("db_engine", _db_engine),
    "workload_type": ("workload_type", _free_text),
    "server_type": ("server_type", _free_text),
    "application": ("application", _free_text),
    "os_arch": ("os_arch", _free_text),
}

_ALLOWED: dict[str, str] = {
    fact: ", ".join(member.value for member in enum)
    for fact, enum in (("kind", SystemKind), ("os_family", OsFamily), ("os_support", SupportStatus),
                       ("db_support", SupportStatus), ("environment", Environment), ("criticality", Criticality),
                       ("power_state", PowerState))
}

# condition key -> (fact, comparison that must hold between the fact and the rule's number)
NUMERIC: dict[str, tuple[str, Callable[[float, float], bool]]] = {
    "cpu_p95_below": ("cpu_util_pct", operator.lt),
    "cpu_p95_above": ("cpu_util_pct", operator.gt),
    "memory_p95_below": ("memory_util_pct", operator.lt),
    "memory_p95_above": ("memory_util_pct", operator.gt),
    "cores_max": ("cores", operator.le),
    "cores_min": ("cores", operator.ge),
    "memory_gib_max": ("memory_gib", operator.le),
    "memory_gib_min": ("memory_gib", operator.ge),
    "storage_gb_max": ("storage_gb", operator.le),
    "storage_gb_min": ("storage_gb", operator.ge),
    "db_size_gb_max": ("db_size_gb", operator.le),
    "db_size_gb_min": ("db_size_gb", operator.ge),
    "dependency_count_max": ("dependency_count", operator.le),
    "dependency_count_min": ("dependency_count", operator.ge),
}

BOOLEAN: dict[str, str] = {"has_utilisation": "has_utilisation"}

_TRUE = {"true", "yes", "on", "1"}
_FALSE = {"false", "no", "off", "0"}


def condition_keys() -> tuple[str, ...]:
    """Every key a `when` block accepts, for error messages and the docs."""
    keys = [*MEMBERSHIP, *(f"{key}_not" for key in MEMBERSHIP), *NUMERIC, *BOOLEAN,
            "tag", "os_name_contains", "name_matches"]
    return tuple(keys)


@dataclass(frozen=True, slots=True)
class Condition:
    """One compiled condition: its key as written, and the predicate."""

    key: str
    test: Predicate


def _scalars(node: yaml.Node, what: str) -> list[yaml.ScalarNode]:
    """A scalar or a list of scalars (`[development, test]`)."""
    if isinstance(node, yaml.ScalarNode):
        if node.value.strip() == "":
            raise ConditionError(node, f"{what}: expected a value or a list of values, got nothing")
        return [node]
    if isinstance(node, yaml.SequenceNode):
        items: list[yaml.ScalarNode] = []
        for item in node.value:
            if not isinstance(item, yaml.ScalarNode):
                raise ConditionError(item, f"{what}: list items must be plain values")
            items.append(item)
        if not items:
            raise ConditionError(node, f"{what}: the list is empty, so the rule could never match")
        return items
    raise ConditionError(node, f"{what}: expected a value or a list of values, got a mapping")


def _membership(key: str, node: yaml.Node) -> Predicate:
    negated = key.endswith("_not")
    fact, normalise = MEMBERSHIP[key[:-4] if negated else key]
    wanted: set[str] = set()
    for item in _scalars(node, key):
        value = normalise(item.value)
        if value is None:
            hint = _ALLOWED.get(fact)
            raise ConditionError(item, f"{key}: {item.value!r} is not a value {fact} can take"
                                       + (f" (expected one of {hint})" if hint else ""))
        wanted.add(value)
    frozen = frozenset(wanted)
    if negated:
        return lambda facts: facts[fact] not in frozen
    return lambda facts: facts[fact] in frozen


def _numeric(key: str, node: yaml.Node) -> Predicate:
    fact, compare = NUMERIC[key]
    if not isinstance(node, yaml.ScalarNode):
        raise ConditionError(node, f"{key}: expected a number")
    try:
        limit = float(node.value)
    except ValueError:
        raise ConditionError(node, f"{key}: expected a number, got {node.value!r}") from None

    def test(facts: Facts) -> bool:
        value = facts[fact]
        return value is not None and compare(value, limit)

    return test


def _boolean(key: str, node: yaml.Node) -> Predicate:
    fact = BOOLEAN[key]
    text = node.value.strip().lower() if isinstance(node, yaml.ScalarNode) else ""
    if text not in _TRUE | _FALSE:
        raise ConditionError(node, f"{key}: expected true or false")
    wanted = text in _TRUE
    return lambda facts: bool(facts[fact]) is wanted


def _tag(node: yaml.Node) -> Predicate:
    if not isinstance(node, yaml.MappingNode) or not node.value:
        raise ConditionError(node, "tag: expected a mapping of tag name to value(s), e.g. {migrate: 'no'}")
    wanted: list[tuple[str, frozenset[str] | None]] = []
    for key_node, value_node in node.value:
        if not isinstance(key_node, yaml.ScalarNode) or not key_node.value.strip():
            raise ConditionError(key_node, "tag: tag names must be plain text")
        values = {item.value.strip().lower() for item in _scalars(value_node, f"tag {key_node.value}")}
        wanted.append((key_node.value.strip().lower(), None if "*" in values else frozenset(values)))

    def test(facts: Facts) -> bool:
        tags = facts["tags"]
        for name, values in wanted:
            if name not in tags or (values is not None and tags[name] not in values):
                return False
        return True

    return test


def _os_name_contains(node: yaml.Node) -> Predicate:
    words = tuple(item.value.strip().lower() for item in _scalars(node, "os_name_contains"))

    def test(facts: Facts) -> bool:
        name = facts["os_name"]
        return bool(name) and any(word in name.lower() for word in words)

    return test


def _name_matches(node: yaml.Node) -> Predicate:
    if not isinstance(node, yaml.ScalarNode):
        raise ConditionError(node, "name_matches: expected a regular expression")
    try:
        pattern = re.compile(node.value, re.IGNORECASE)
    except re.error as e:
        raise ConditionError(node, f"name_matches: not a valid regular expression ({e})") from None
    return lambda facts: pattern.search(facts["name"]) is not None


def compile_condition(key: str, node: yaml.Node) -> Condition:
    """The predicate for `key: value` in a `when` block; raises ConditionError for anything it cannot use."""
    if key in MEMBERSHIP or (key.endswith("_not") and key[:-4] in MEMBERSHIP):
        return Condition(key, _membership(key, node))
    if key in NUMERIC:
        return Condition(key, _numeric(key, node))
    if key in BOOLEAN:
        return Condition(key, _boolean(key, node))
    if key == "tag":
        return Condition(key, _tag(node))
    if key == "os_name_contains":
        return Condition(key, _os_name_contains(node))
    if key == "name_matches":
        return Condition(key, _name_matches(node))
    close = difflib.get_close_matches(key, condition_keys(), n=3)
    hint = f"did you mean {' or '.join(close)}?" if close else f"known: {', '.join(condition_keys())}"
    raise ConditionError(node, f"unknown condition {key!r} ({hint})")
