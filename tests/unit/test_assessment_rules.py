"""Strategy rules: each shipped rule on a literal system, every condition key, and rule-file validation."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from inventory.errors import BadInputError
from inventory.records import Criticality, Environment, OsFamily, PowerState, SystemKind
from migrations_plan.assessment import (
    AssessInput,
    DiskLoad,
    RuleTarget,
    build_facts,
    default_rules,
    load_rules,
    parse_rules,
)
from migrations_plan.strategy_types import Strategy

AS_OF = dt.date(2026, 9, 1)


def system(**overrides: Any) -> AssessInput:
    """A busy, supported production Linux app server with dependencies: the default rule's case."""
    base: dict[str, Any] = {
        "id": 7, "name": "oss-prov-app-p-0001", "os_name": "Red Hat Enterprise Linux 9 (64-bit)",
        "os_family": OsFamily.LINUX, "cores": 8, "memory_mb": 32768, "cpu_util_pct": 40.0, "memory_util_pct": 60.0,
        "util_percentile": 95, "disks": (DiskLoad(100),), "environment": Environment.PRODUCTION,
        "power_state": PowerState.ON, "workload_type": "app", "dependency_count": 4,
    }
    base.update(overrides)
    return AssessInput(**base)


# ----- the shipped rules ----------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("inputs", "rule_id", "strategy", "reason"),
    [
        ({"tags": {"Migrate": "No"}}, "retain-tagged-no-migrate", Strategy.RETAIN,
         "Its owners tagged it migrate=no: oss-prov-app-p-0001 stays on premises"),
        ({"power_state": PowerState.OFF, "dependency_count": 0}, "retire-powered-off-isolated", Strategy.RETIRE,
         "Powered off and no dependencies observed: decommission oss-prov-app-p-0001 instead of migrating it"),
        ({"os_name": "Microsoft Windows Server 2008 R2 (64-bit)", "os_family": OsFamily.WINDOWS,
          "environment": Environment.TEST, "cpu_util_pct": 2.5}, "retire-idle-out-of-support-nonprod",
         Strategy.RETIRE,
         "OS Microsoft Windows Server 2008 R2 (64-bit) out of support since 2020-01-14 and P95 CPU 2.5% on a test "
         "system: retire rather than migrate"),
        ({"os_name": "Oracle Solaris 10 (64-bit)", "os_family": OsFamily.UNIX}, "retain-unix", Strategy.RETAIN,
         "Oracle Solaris 10 (64-bit) is a Unix"),
        ({"kind": SystemKind.APPLIANCE, "workload_type": "firewall"}, "repurchase-appliance", Strategy.REPURCHASE,
         "Network appliance (firewall)"),
        ({"workload_type": "Kubernetes"}, "refactor-containers-aks", Strategy.REFACTOR,
         "Container host (kubernetes): move its containers to Azure Kubernetes Service"),
        ({"kind": SystemKind.DATABASE, "db_engine": "MSSQL", "db_version": "2016", "db_size_gb": 250.0},
         "replatform-sql-server", Strategy.REPLATFORM, "SQL Server 2016 database (250 GB)"),
        ({"workload_type": "IIS", "os_name": "Microsoft Windows Server 2016 (64-bit)",
          "os_family": OsFamily.WINDOWS}, "replatform-web-app-service", Strategy.REPLATFORM,
         "Web tier on Microsoft Windows Server 2016 (64-bit): replatform to Azure App Service"),
        ({}, "rehost-default", Strategy.REHOST, "rehost Red Hat Enterprise Linux 9 (64-bit) as an Azure VM"),
        # Near misses fall through to the default:
        ({"power_state": PowerState.OFF, "dependency_count": 2}, "rehost-default", Strategy.REHOST, ""),
        ({"os_name": "Red Hat Enterprise Linux 7 (64-bit)", "environment": Environment.PRODUCTION,
          "cpu_util_pct": 1.0}, "rehost-default", Strategy.REHOST, ""),
        ({"os_name": "Red Hat Enterprise Linux 7 (64-bit)", "environment": Environment.TEST, "cpu_util_pct": None},
         "rehost-default", Strategy.REHOST, ""),
        ({"workload_type": "web", "os_name": "Oracle Solaris 11 (64-bit)", "os_family": OsFamily.UNIX},
         "retain-unix", Strategy.RETAIN, ""),
    ],
)
def test_default_rules(inputs: dict[str, Any], rule_id: str, strategy: Strategy, reason: str) -> None:
    decision = default_rules().decide(build_facts(system(**inputs), as_of=AS_OF))
    assert (decision.rule_id, decision.strategy) == (rule_id, strategy)
    assert reason in decision.reason


def test_first_matching_rule_wins() -> None:
    # Powered off, isolated AND an appliance: retire comes first in the file.
    facts = build_facts(system(power_state=PowerState.OFF, dependency_count=0, kind=SystemKind.APPLIANCE),
                        as_of=AS_OF)
    assert default_rules().decide(facts).rule_id == "retire-powered-off-isolated"


def test_default_rules_are_ordered_and_end_with_the_default() -> None:
    rules = default_rules()
    assert rules.rules[-1].id == "rehost-default" and rules.rules[-1].conditions == ()
    assert all(rule.conditions for rule in rules.rules[:-1])
    assert rules.get("replatform-sql-server").target is RuleTarget.SQL


# ----- every condition key --------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("when", "inputs", "matches"),
    [
        ("kind: [database, appliance]", {"kind": SystemKind.DATABASE}, True),
        ("kind_not: [database]", {"kind": SystemKind.DATABASE}, False),
        ("os_family: linux", {}, True),
        ("os_support: out-of-support", {"os_name": "CentOS 7 (64-bit)"}, True),
        ("os_support: supported", {"os_name": "CentOS 7 (64-bit)"}, False),
        ("os_support: unknown", {"os_name": "Other (64-bit)", "os_family": OsFamily.OTHER}, True),
        ("db_support: out_of_support", {"db_engine": "SQL Server", "db_version": "11.0.7001"}, True),
        ("environment: [prd]", {}, True),
        ("environment_not: [production, dr]", {}, False),
        ("criticality: [high, critical]", {"criticality": Criticality.CRITICAL}, True),
        ("criticality: [high, critical]", {"criticality": None}, False),
        ("power_state: off", {"power_state": PowerState.OFF}, True),
        ("power_state: off", {}, False),
        ("db_engine: [Microsoft SQL Server]", {"db_engine": "mssql"}, True),
        ("db_engine_not: [oracle]", {"db_engine": None}, True),
        ("workload_type: Web", {"workload_type": " web "}, True),
        ("server_type: [physical]", {"server_type": "Physical"}, True),
        ("application: [billing]", {"application": "Billing"}, True),
        ("os_arch: [x86]", {"os_arch": "X86"}, True),
        ("cpu_p95_below: 5", {"cpu_util_pct": 4.9}, True),
        ("cpu_p95_below: 5", {"cpu_util_pct": 5.0}, False),
        ("cpu_p95_below: 5", {"cpu_util_pct": None}, False),
        ("cpu_p95_above: 80", {"cpu_util_pct": 81.0}, True),
        ("memory_p95_below: 20", {"memory_util_pct": 10.0}, True),
        ("memory_p95_above: 90", {"memory_util_pct": 10.0}, False),
        ("cores_max: 8", {}, True),
        ("cores_min: 16", {}, False),
        ("memory_gib_max: 32", {}, True),
        ("memory_gib_min: 64", {}, False),
        ("storage_gb_max: 100", {}, True),
        ("storage_gb_min: 1000", {}, False),
        ("db_size_gb_max: 4096", {"db_size_gb": 4096.0}, True),
        ("db_size_gb_min: 1", {"db_size_gb": None}, False),
        ("dependency_count_max: 0", {"dependency_count": 0}, True),
        ("dependency_count_min: 5", {}, False),
        ("has_utilisation: no", {"cpu_util_pct": None}, True),
        ("has_utilisation: true", {}, True),
        ("tag: {owner: '*'}", {"tags": {"Owner": "net-ops"}}, True),
        ("tag: {owner: [bss, oss]}", {"tags": {"owner": "OSS"}}, True),
        ("tag: {owner: bss}", {"tags": {}}, False),
        ("os_name_contains: [enterprise linux 9]", {}, True),
        ("os_name_contains: [windows]", {}, False),
        ("name_matches: '-p-\\d+$'", {}, True),
        ("name_matches: '^bss-'", {}, False),
    ],
)
def test_condition(when: str, inputs: dict[str, Any], matches: bool) -> None:
    text = f"""
rules:
  - id: probe
    strategy: relocate
    when: {{{when}}}
    reason: matched
  - id: default
    strategy: rehost
    reason: default
"""
    rules = parse_rules(text)
    decision = rules.decide(build_facts(system(**inputs), as_of=AS_OF))
    assert (decision.rule_id == "probe") is matches


def test_reason_placeholders_render_facts() -> None:
    rules = parse_rules("""
- id: everything
  strategy: retain
  reason: "{name} {cores} cores {memory_gib} GiB {os_support} {cpu_util_pct}% {db_engine} {os_end_of_support}"
""")
    decision = rules.decide(build_facts(system(memory_mb=12800, cpu_util_pct=12.25), as_of=AS_OF))
    assert decision.reason == "oss-prov-app-p-0001 8 cores 12.5 GiB supported 12.25% unknown 2032-05-31"


def test_rule_target_is_read() -> None:
    rules = parse_rules("- {id: x, strategy: replatform, target: sql-mi, reason: r}")
    assert rules.rules[0].target is RuleTarget.SQL_MI


def test_user_rule_file(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text("version: 1\nrules:\n  - id: all-retire\n    strategy: retire\n    reason: everything goes\n")
    rules = load_rules(path)
    assert rules.source == str(path)
    assert rules.decide(build_facts(system(), as_of=AS_OF)).strategy is Strategy.RETIRE


# ----- validation: every bad rule, with its line ----------------------------------------------------------

@pytest.mark.parametrize(
    ("text", "problems"),
    [
        ("", [(0, "rules", "empty")]),
        ("rules: [\n", [(2, "", "not valid YAML")]),
        ("version: 2\nrules:\n  - {id: d, strategy: rehost, reason: r}\n", [(1, "version", "version")]),
        ("rulez: []\n", [(1, "rulez", "unknown top-level key"), (1, "rules", "missing `rules:`")]),
        ("- id: a\n  strategy: rehost\n  reason: r\n  colour: red\n", [(4, "rules[0].colour", "unknown rule key")]),
        ("- id: Bad Id\n  strategy: rehost\n  reason: r\n", [(1, "rules[0].id", "lower-case")]),
        ("- strategy: rehost\n  reason: r\n", [(1, "rules[0].id", "missing `id`")]),
        ("- id: a\n  strategy: lift-and-shift\n  reason: r\n", [(2, "a.strategy", "unknown strategy")]),
        ("- id: a\n  strategy: rehost\n", [(1, "a.reason", "missing `reason`")]),
        ("- id: a\n  strategy: rehost\n  reason: 'hi {nme}'\n", [(3, "a.reason", "unknown placeholder {nme}")]),
        ("- id: a\n  strategy: rehost\n  reason: '{cores:>4}'\n", [(3, "a.reason", "no format spec")]),
        ("- id: a\n  strategy: rehost\n  target: mainframe\n  reason: r\n", [(3, "a.target", "unknown target")]),
        ("- id: a\n  strategy: rehost\n  when: [x]\n  reason: r\n", [(3, "a.when", "must be a mapping")]),
        ("- id: a\n  strategy: rehost\n  when:\n    cpu_below: 5\n  reason: r\n- {id: d, strategy: rehost, "
         "reason: r}\n", [(4, "a.when.cpu_below", "did you mean cpu_p95_below")]),
        ("- id: a\n  strategy: rehost\n  when:\n    cpu_p95_below: low\n  reason: r\n- {id: d, strategy: rehost, "
         "reason: r}\n", [(4, "a.when.cpu_p95_below", "expected a number")]),
        ("- id: a\n  strategy: rehost\n  when:\n    environment: [prod, moon]\n  reason: r\n- {id: d, strategy: "
         "rehost, reason: r}\n", [(4, "a.when.environment", "'moon' is not a value")]),
        ("- id: a\n  strategy: rehost\n  when:\n    kind: []\n  reason: r\n- {id: d, strategy: rehost, reason: r}\n",
         [(4, "a.when.kind", "list is empty")]),
        ("- id: a\n  strategy: rehost\n  when:\n    name_matches: '(['\n  reason: r\n- {id: d, strategy: rehost, "
         "reason: r}\n", [(4, "a.when.name_matches", "regular expression")]),
        ("- id: a\n  strategy: rehost\n  when:\n    tag: owner\n  reason: r\n- {id: d, strategy: rehost, reason: r}\n",
         [(4, "a.when.tag", "mapping of tag name")]),
        ("- id: a\n  strategy: rehost\n  when:\n    has_utilisation: maybe\n  reason: r\n- {id: d, strategy: "
         "rehost, reason: r}\n", [(4, "a.when.has_utilisation", "true or false")]),
        ("- {id: a, strategy: rehost, reason: r}\n- {id: a, strategy: retire, reason: r}\n",
         [(1, "a.when", "can never fire"), (2, "a.id", "duplicate rule id 'a' (first defined on line 1)")]),
        ("- {id: a, strategy: rehost, when: {kind: server}, reason: r}\n",
         [(1, "rules", "last rule must be the default")]),
    ],
)
def test_bad_rule_files_are_reported_with_lines(text: str, problems: list[tuple[int, str, str]]) -> None:
    with pytest.raises(BadInputError) as raised:
        parse_rules(text, source="my-rules.yaml")
    found = [(p.row, p.column, p.message) for p in raised.value.problems]
    assert len(found) == len(problems), found
    for (row, column, message), (want_row, want_column, fragment) in zip(found, problems, strict=True):
        assert row == want_row, found
        assert column == want_column, found
        assert fragment in message, found
    assert all(p.file == "my-rules.yaml" for p in raised.value.problems)


def test_every_bad_rule_is_reported_at_once() -> None:
    text = """\
version: 1
rules:
  - id: one
    strategy: rehostx
    reason: r
  - id: two
    strategy: retire
    when:
      cpu_p95_below: x
      power_state: sideways
    reason: "{nope}"
  - id: default
    strategy: rehost
    reason: r
"""
    with pytest.raises(BadInputError) as raised:
        parse_rules(text, source="rules.yaml")
    lines = [p.row for p in raised.value.problems]
    assert lines == [4, 9, 10, 11]
    assert str(raised.value).splitlines()[0].startswith("rules.yaml:4:one.strategy: unknown strategy 'rehostx'")


def test_missing_rule_file_is_bad_input(tmp_path: Path) -> None:
    with pytest.raises(BadInputError, match="cannot read the rule file"):
        load_rules(tmp_path / "nope.yaml")
