"""Strategy rules as data: a YAML list evaluated in order, first match wins, the last rule is the default.

Loading validates the whole file and reports every bad rule at once, each with its line number
(`BadInputError` of `InputProblem(file, line, field, message)`). See docs/assessment.md for the format.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache
from importlib import resources
from pathlib import Path

import yaml

from inventory.errors import BadInputError, InputProblem
from migrations_plan.assessment.conditions import Condition, ConditionError, Predicate, compile_condition
from migrations_plan.assessment.facts import FACT_NAMES, Facts, format_fact
from migrations_plan.strategy_types import Strategy

DEFAULT_RULES_NAME = "default_rules.yaml"
_ID = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")
_RULE_KEYS = ("id", "strategy", "when", "reason", "target", "description")
_TOP_KEYS = ("version", "rules", "description")


class RuleTarget(StrEnum):
    """Which kind of Azure target a rule sends the system to; AUTO derives it from the strategy and facts."""

    AUTO = "auto"
    VM = "vm"
    SQL = "sql"
    SQL_MI = "sql-mi"
    APP_SERVICE = "app-service"
    AKS = "aks"
    NONE = "none"


@dataclass(frozen=True, slots=True)
class Decision:
    """The strategy for one system, the rule that decided it and the sentence that says why."""

    strategy: Strategy
    rule_id: str
    reason: str
    target: RuleTarget


@dataclass(frozen=True, slots=True)
class Rule:
    """One rule: when all its conditions hold, the system gets `strategy`; `reason` quotes facts as {name}."""

    id: str
    strategy: Strategy
    conditions: tuple[Condition, ...]
    reason: str
    target: RuleTarget = RuleTarget.AUTO
    line: int = 0
    description: str = ""

    @property
    def reason_fields(self) -> tuple[str, ...]:
        return _template_fields(self.reason)

    def matches(self, facts: Facts) -> bool:
        return all(condition.test(facts) for condition in self.conditions)

    def explain(self, facts: Facts) -> str:
        return self.reason.format_map({name: format_fact(facts[name]) for name in self.reason_fields})


@dataclass(frozen=True, slots=True)
class RuleSet:
    """Rules in evaluation order; `source` names the file they came from (stored with each assessment run)."""

    rules: tuple[Rule, ...]
    source: str
    _tests: tuple[tuple[Rule, tuple[Predicate, ...]], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        compiled = tuple((rule, tuple(condition.test for condition in rule.conditions)) for rule in self.rules)
        object.__setattr__(self, "_tests", compiled)

    def decide(self, facts: Facts) -> Decision:
        for rule, tests in self._tests:
            for test in tests:
                if not test(facts):
                    break
            else:
                return Decision(rule.strategy, rule.id, rule.explain(facts), rule.target)
        # Unreachable for a loaded rule set: the loader insists that the last rule has no conditions.
        raise BadInputError.single(self.source, "no rule matched: the last rule must be a default without `when`")

    def __iter__(self) -> Iterator[Rule]:
        return iter(self.rules)

    def __len__(self) -> int:
        return len(self.rules)

    def get(self, rule_id: str) -> Rule:
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)


@lru_cache(maxsize=256)
def _template_fields(template: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(name for _, name, _, _ in string.Formatter().parse(template) if name))


def load_rules(path: Path) -> RuleSet:
    """Rules from a YAML file; every problem in it is reported at once."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise BadInputError.single(str(path), f"cannot read the rule file: {e.strerror or e}") from e
    return parse_rules(text, source=str(path))


@lru_cache(maxsize=1)
def default_rules() -> RuleSet:
    """The telecom defaults shipped with the package (migrations_plan/assessment/default_rules.yaml)."""
    text = resources.files("migrations_plan.assessment").joinpath(DEFAULT_RULES_NAME).read_text(encoding="utf-8")
    return parse_rules(text, source=f"migrations_plan/assessment/{DEFAULT_RULES_NAME}")


def compose_yaml(text: str, *, source: str) -> yaml.Node | None:
    """The YAML node tree of `text` (lines kept for error messages); not YAML: BadInputError at its line."""
    try:
        return yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        raise BadInputError.single(source, f"not valid YAML: {e.problem or e}",
                                   row=mark.line + 1 if mark else 0) from e
    except yaml.YAMLError as e:
        raise BadInputError.single(source, f"not valid YAML: {e}") from e


def parse_rules(text: str, *, source: str = "<rules>") -> RuleSet:
    """Rules from YAML text: either a list of rules, or a mapping with `version: 1` and `rules:`."""
    root = compose_yaml(text, source=source)
    loader = _Loader(source)
    rules = loader.load(root)
    if loader.problems:
        raise BadInputError(loader.problems)
    return RuleSet(rules, source)


class _Loader:
    """Walks the composed YAML tree, collecting every problem with its line instead of stopping at the first."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.problems: list[InputProblem] = []
        self.seen_ids: dict[str, int] = {}

    def problem(self, node: yaml.Node | None, where: str, message: str, *, line: int | None = None) -> None:
        if line is None:
            line = node.start_mark.line + 1 if node is not None else 0
        self.problems.append(InputProblem(self.source, line, where, message))

    def load(self, root: yaml.Node | None) -> tuple[Rule, ...]:
        rule_nodes = self._rule_nodes(root)
        if rule_nodes is None:
            return ()
        rules = [rule for index, node in enumerate(rule_nodes.value) if (rule := self._rule(node, index))]
        self._check_default(rule_nodes, rules)
        self.problems.sort(key=lambda problem: problem.row)
        return tuple(rules)

    def _rule_nodes(self, root: yaml.Node | None) -> yaml.SequenceNode | None:
        if root is None:
            self.problem(None, "rules", "the rule file is empty: expected a list of rules")
            return None
        if isinstance(root, yaml.SequenceNode):
            return root
        if not isinstance(root, yaml.MappingNode):
            self.problem(root, "rules", "expected a list of rules, or a mapping with `version: 1` and `rules:`")
            return None
        found: dict[str, yaml.Node] = {}
        for key_node, value_node in root.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else ""
            if key not in _TOP_KEYS:
                self.problem(key_node, key, f"unknown top-level key {key!r}; expected one of {', '.join(_TOP_KEYS)}")
            elif key in found:
                self.problem(key_node, key, f"duplicate key {key!r}")
            else:
                found[key] = value_node
        version = found.get("version")
        if version is not None and not (isinstance(version, yaml.ScalarNode) and version.value.strip() == "1"):
            self.problem(version, "version", "unsupported rule file version: expected 1")
        rules = found.get("rules")
        if rules is None:
            self.problem(root, "rules", "missing `rules:` list")
            return None
        if not isinstance(rules, yaml.SequenceNode):
            self.problem(rules, "rules", "`rules` must be a list of rules")
            return None
        return rules

    def _rule(self, node: yaml.Node, index: int) -> Rule | None:
        label = f"rules[{index}]"
        if not isinstance(node, yaml.MappingNode):
            self.problem(node, label, "a rule must be a mapping with id, strategy, when and reason")
            return None
        fields: dict[str, tuple[yaml.Node, yaml.Node]] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else ""
            if key not in _RULE_KEYS:
                self.problem(key_node, f"{label}.{key}", f"unknown rule key {key!r}; expected {', '.join(_RULE_KEYS)}")
            elif key in fields:
                self.problem(key_node, f"{label}.{key}", f"duplicate key {key!r} in one rule")
            else:
                fields[key] = (key_node, value_node)
        before = len(self.problems)
        rule_id = self._text(fields, "id", node, label, required=True)
        if rule_id and not _ID.match(rule_id):
            self.problem(fields["id"][1], f"{label}.id",
                         f"rule id {rule_id!r} must be lower-case letters, digits, '-', '_' or '.'")
        if rule_id and rule_id in self.seen_ids:
            self.problem(fields["id"][1], f"{rule_id}.id",
                         f"duplicate rule id {rule_id!r} (first defined on line {self.seen_ids[rule_id]})")
        elif rule_id:
            self.seen_ids[rule_id] = node.start_mark.line + 1
        label = rule_id or label
        strategy = self._strategy(fields, node, label)
        reason = self._reason(fields, node, label)
        target = self._target(fields, label)
        conditions = self._conditions(fields, label)
        description = self._text(fields, "description", node, label, required=False) or ""
        if len(self.problems) > before or rule_id is None or strategy is None or reason is None:
            return None
        return Rule(rule_id, strategy, conditions, reason, target, node.start_mark.line + 1, description)

    def _text(self, fields: dict[str, tuple[yaml.Node, yaml.Node]], key: str, rule: yaml.Node, label: str, *,
              required: bool) -> str | None:
        if key not in fields:
            if required:
                self.problem(rule, f"{label}.{key}", f"missing `{key}`")
            return None
        value = fields[key][1]
        if not isinstance(value, yaml.ScalarNode) or not value.value.strip():
            self.problem(value, f"{label}.{key}", f"`{key}` must be non-empty text")
            return None
        return str(value.value).strip()

    def _strategy(self, fields: dict[str, tuple[yaml.Node, yaml.Node]], rule: yaml.Node,
                  label: str) -> Strategy | None:
        text = self._text(fields, "strategy", rule, label, required=True)
        if text is None:
            return None
        try:
            return Strategy(text.lower())
        except ValueError:
            self.problem(fields["strategy"][1], f"{label}.strategy",
                         f"unknown strategy {text!r}; expected one of {', '.join(s.value for s in Strategy)}")
            return None

    def _reason(self, fields: dict[str, tuple[yaml.Node, yaml.Node]], rule: yaml.Node, label: str) -> str | None:
        text = self._text(fields, "reason", rule, label, required=True)
        if text is None:
            return None
        node = fields["reason"][1]
        try:
            parsed = list(string.Formatter().parse(text))
        except ValueError as e:
            self.problem(node, f"{label}.reason", f"bad placeholder in reason: {e}")
            return None
        for _, name, spec, conversion in parsed:
            if name is None:
                continue
            if name not in FACT_NAMES:
                self.problem(node, f"{label}.reason",
                             f"unknown placeholder {{{name}}}; facts: {', '.join(sorted(FACT_NAMES))}")
            elif spec or conversion:
                self.problem(node, f"{label}.reason", f"placeholder {{{name}}} takes no format spec or conversion")
        return text

    def _target(self, fields: dict[str, tuple[yaml.Node, yaml.Node]], label: str) -> RuleTarget:
        if "target" not in fields:
            return RuleTarget.AUTO
        node = fields["target"][1]
        text = node.value.strip().lower() if isinstance(node, yaml.ScalarNode) else ""
        try:
            return RuleTarget(text)
        except ValueError:
            self.problem(node, f"{label}.target",
                         f"unknown target {text!r}; expected one of {', '.join(t.value for t in RuleTarget)}")
            return RuleTarget.AUTO

    def _conditions(self, fields: dict[str, tuple[yaml.Node, yaml.Node]], label: str) -> tuple[Condition, ...]:
        if "when" not in fields:
            return ()
        node = fields["when"][1]
        if isinstance(node, yaml.ScalarNode) and node.value.strip() in ("", "~", "null"):
            return ()
        if not isinstance(node, yaml.MappingNode):
            self.problem(node, f"{label}.when", "`when` must be a mapping of condition: value (all must hold)")
            return ()
        conditions: list[Condition] = []
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else ""
            where = f"{label}.when.{key}"
            if key in seen:
                self.problem(key_node, where, f"duplicate condition {key!r}")
                continue
            seen.add(key)
            try:
                conditions.append(compile_condition(key, value_node))
            except ConditionError as e:
                self.problem(key_node if e.message.startswith("unknown condition") else e.node, where, e.message)
        return tuple(conditions)

    def _check_default(self, rule_nodes: yaml.SequenceNode, rules: list[Rule]) -> None:
        if not rule_nodes.value:
            self.problem(rule_nodes, "rules", "no rules: at least a default rule (no `when`) is needed")
            return
        defaults = [rule for rule in rules if not rule.conditions]
        last_node = rule_nodes.value[-1]
        last_line = last_node.start_mark.line + 1
        if not any(rule.line == last_line for rule in defaults) and not self._has_problem_at(last_line):
            self.problem(last_node, "rules", "the last rule must be the default: a rule without `when`")
        for rule in defaults:
            if rule.line != last_line:
                self.problem(None, f"{rule.id}.when", "a rule without conditions matches everything: the rules "
                                                      "after it can never fire (put it last)", line=rule.line)

    def _has_problem_at(self, line: int) -> bool:
        return any(problem.row >= line for problem in self.problems)
