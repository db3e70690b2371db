"""The runbook of a wave (pure): steps per strategy, grouping, compensations, engineers' edits, the dry run."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from inventory.errors import BadSettingsError
from migrations_plan.execution import (
    AddedStep,
    Compensation,
    GroupKind,
    Placement,
    RunbookEdits,
    StepKind,
    Workload,
    build_runbook,
)
from migrations_plan.strategy_types import Strategy

K = StepKind
WEB = Workload(1, "web-01", Strategy.REHOST, "production", "g1", "shop", "vm", "Standard_D2s_v5", "eastus2")
DB = Workload(2, "db-01", Strategy.REPLATFORM, "production", "g1", "shop", "sql-db", "GP_Gen5_4", "eastus2")
DEV = Workload(3, "dev-01", Strategy.REHOST, "development", "g2", None, "vm", "Standard_B2s", "eastus2")
OLD = Workload(4, "old-01", Strategy.RETIRE, "production")
KEEP = Workload(5, "keep-01", Strategy.RETAIN, "production")
FULL = [K.PREFLIGHT, K.PROVISION, K.REPLICATE, K.TEST_MIGRATION, K.APPROVE, K.CUTOVER, K.VALIDATE, K.FINALIZE]


@pytest.mark.parametrize(("workload", "kinds"), [
    (WEB, FULL), (DB, FULL), (DEV, FULL), (OLD, [K.PREFLIGHT, K.DECOMMISSION]),
    (Workload(6, "relo", Strategy.RELOCATE), FULL), (Workload(7, "saas", Strategy.REPURCHASE), FULL),
])
def test_steps_by_strategy(workload: Workload, kinds: list[StepKind]) -> None:
    runbook = build_runbook(1, "pilot", [workload])
    assert [step.kind for step in runbook.workload(workload.name).steps] == kinds


def test_retained_systems_get_no_steps_and_are_named() -> None:
    runbook = build_runbook(1, "w", [WEB, KEEP])
    assert [plan.workload.name for plan in runbook.workloads] == ["web-01"]
    assert dict(runbook.skipped) == {"keep-01": "retain: nothing to execute"}


def test_groups_are_initialization_one_per_move_group_then_finalization() -> None:
    runbook = build_runbook(3, "wave 3", [DEV, DB, WEB, OLD])
    assert [(group.kind, group.name) for group in runbook.groups] == [
        (GroupKind.INITIALIZATION, "initialization"), (GroupKind.WORKLOADS, "standalone"),
        (GroupKind.WORKLOADS, "move group g1"), (GroupKind.WORKLOADS, "move group g2"),
        (GroupKind.FINALIZATION, "finalization")]
    assert [plan.workload.name for plan in runbook.groups[2].workloads] == ["db-01", "web-01"]


@pytest.mark.parametrize(("kind", "undo"), [
    (K.PROVISION, Compensation.DELETE_RESOURCES), (K.REPLICATE, Compensation.STOP_REPLICATION),
    (K.TEST_MIGRATION, Compensation.CLEAN_UP_TEST), (K.CUTOVER, Compensation.FAIL_BACK),
    (K.FINALIZE, Compensation.CANCEL_DECOMMISSION), (K.PREFLIGHT, None), (K.APPROVE, None), (K.VALIDATE, None),
])
def test_each_step_names_its_compensation(kind: StepKind, undo: Compensation | None) -> None:
    (step,) = [s for s in build_runbook(1, "w", [WEB]).steps() if s.kind is kind]
    assert step.compensation is undo


def test_the_approval_gate_is_optional_only_outside_production() -> None:
    edits = RunbookEdits(dropped=frozenset({K.APPROVE, K.TEST_MIGRATION}))
    runbook = build_runbook(1, "w", [WEB, DEV], edits=edits)
    assert K.APPROVE in [s.kind for s in runbook.workload("web-01").steps]
    assert [s.kind for s in runbook.workload("dev-01").steps] == [
        K.PREFLIGHT, K.PROVISION, K.REPLICATE, K.CUTOVER, K.VALIDATE, K.FINALIZE]
    assert K.TEST_MIGRATION not in [s.kind for s in runbook.workload("web-01").steps]


def test_engineers_add_manual_approval_and_shell_steps_where_they_say() -> None:
    edits = RunbookEdits(added=(
        AddedStep("dns-switch", K.SHELL, anchor=K.CUTOVER, placement=Placement.AFTER, system="web-01",
                  command=("./switch-dns.sh", "{system}")),
        AddedStep("cab", K.APPROVE, anchor=K.CUTOVER, move_group="g1", description="change board"),
        AddedStep("notify-noc", K.MANUAL, group=GroupKind.INITIALIZATION),
        AddedStep("close-change", K.MANUAL, group=GroupKind.FINALIZATION),
    ), dropped_for={"db-01": frozenset({K.VALIDATE})})
    runbook = build_runbook(2, "w", [WEB, DB, DEV], edits=edits)
    web = [s.key.split("/", 1)[1] for s in runbook.workload("web-01").steps]
    assert web[web.index("cutover") - 1:web.index("cutover") + 2] == ["approve:cab", "cutover", "shell:dns-switch"]
    assert "approve:cab" in [s.key.split("/", 1)[1] for s in runbook.workload("db-01").steps]
    assert "approve:cab" not in [s.key.split("/", 1)[1] for s in runbook.workload("dev-01").steps]
    assert K.VALIDATE not in [s.kind for s in runbook.workload("db-01").steps]
    assert [s.key for s in runbook.groups[0].steps] == ["initialization/manual:notify-noc"]
    assert [s.key for s in runbook.groups[-1].steps] == ["finalization/manual:close-change"]
    assert RunbookEdits.from_dict(edits.to_dict()) == edits, "stored edits read back the same"


@pytest.mark.parametrize(("edits", "message"), [
    (RunbookEdits(dropped=frozenset({K.CUTOVER})), "step kind 'cutover' cannot be dropped"),
    (RunbookEdits(added=(AddedStep("x", K.PROVISION, anchor=K.CUTOVER),)), "kind must be manual, approve or shell"),
    (RunbookEdits(added=(AddedStep("x", K.SHELL, anchor=K.CUTOVER),)), "a shell step needs a command"),
    (RunbookEdits(added=(AddedStep("x", K.MANUAL),)), "give a step kind to place it at"),
    (RunbookEdits(added=(AddedStep("x", K.MANUAL, anchor=K.CUTOVER, system="ghost"),)),
     "runbook edits name system(s) not in wave 1: ghost"),
])
def test_bad_edits_are_refused(edits: RunbookEdits, message: str) -> None:
    with pytest.raises(BadSettingsError, match=message.replace("(", r"\(").replace(")", r"\)")):
        build_runbook(1, "w", [WEB], edits=edits)


def test_edits_from_bad_data_name_what_is_expected() -> None:
    with pytest.raises(BadSettingsError, match="edits.yaml: not valid runbook edits"):
        RunbookEdits.from_dict({"added": [{"name": "x", "kind": "teleport"}]}, source="edits.yaml")


def test_the_dry_run_reads_as_the_plan() -> None:
    text = str(build_runbook(4, "2027-03-01", [WEB, OLD, KEEP]))
    assert text.splitlines()[0] == "Runbook for wave 4 (2027-03-01), version 1: 2 workload(s), 10 step(s)"
    assert "    web-01 (rehost, vm Standard_D2s_v5 eastus2, production)" in text
    assert "      2. provision  (undo: delete_resources)" in text
    assert "      4. test_migration  (undo: clean_up_test)  [optional]" in text
    assert "  not run: keep-01: retain: nothing to execute" in text


workloads = st.lists(st.builds(
    Workload, system_id=st.integers(1, 10_000), name=st.text("abcdef-", min_size=1, max_size=6),
    strategy=st.sampled_from(list(Strategy)), environment=st.sampled_from(["production", "test", "development"]),
    group_key=st.sampled_from(["", "g1", "g2"])), max_size=30, unique_by=(lambda w: w.system_id, lambda w: w.name))


@given(workloads)
def test_every_executable_workload_appears_once_with_unique_stable_keys(members: list[Workload]) -> None:
    runbook = build_runbook(1, "w", members)
    again = build_runbook(1, "w", list(reversed(members)))
    assert runbook == again, "the same wave gives the same runbook whatever the input order"
    keys = [step.key for step in runbook.steps()]
    assert len(keys) == len(set(keys))
    executable = {w.name for w in members if w.strategy not in (Strategy.RETAIN,)}
    assert {plan.workload.name for plan in runbook.workloads} == executable
    for plan in runbook.workloads:
        kinds = [step.kind for step in plan.steps]
        assert kinds[0] is K.PREFLIGHT
        if K.CUTOVER in kinds:
            assert kinds.index(K.PROVISION) < kinds.index(K.REPLICATE) < kinds.index(K.CUTOVER)
            assert (K.APPROVE in kinds) and kinds.index(K.APPROVE) < kinds.index(K.CUTOVER)
