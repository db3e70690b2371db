"""The assess stage on a real database: stored results, engineer overrides that survive re-assessment."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlmodel import Session

from flows.assess_flow import assess_estate, record_overrides, store_assessment
from flows.assessment_store import assessment_counts
from flows.parameters import AssessParameters, Override
from inventory.db import get_engine, session_scope
from inventory.errors import BadInputError
from inventory.importers.common import ParsedInventory
from inventory.store import apply_import
from inventory.tables import Assessment, AssessmentRun, StrategyOverride, System, TargetMapping
from migrations_plan.strategy_types import Strategy
from tests.integration.estates import server

pytestmark = pytest.mark.integration


@pytest.fixture
def estate(db_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("LUMEN_MIGRATE_DB_URL", db_url)
    with session_scope() as session:
        apply_import(ParsedInventory.of("canonical-csv", systems=(
            server("web-01"), server("db-01", os_name="Microsoft Windows Server 2019 (64-bit)"),
            server("old-01", power_state="off"),
        )), session=session, source="estate", file_name="estate.csv", file_sha256="-")
    return db_url


def assess(params: AssessParameters | None = None) -> None:
    params = params or AssessParameters()
    if params.overrides:
        record_overrides.fn(params.overrides, params.override_reason)
    result, settings = assess_estate.fn(params)
    store_assessment.fn(result, settings)


def stored() -> dict[str, tuple[str, str, bool, str | None]]:
    with Session(get_engine()) as session:
        rows = session.execute(
            select(System.name, Assessment.strategy, Assessment.rule_id, Assessment.overridden, TargetMapping.sku)
            .join(Assessment, Assessment.system_id == System.id)
            .outerjoin(TargetMapping, TargetMapping.system_id == System.id))
        return {name: (strategy, rule, overridden, sku) for name, strategy, rule, overridden, sku in rows}


def test_results_are_stored_once_per_system_and_replaced_on_reassessment(estate: str) -> None:
    assess()
    first = stored()
    assert set(first) == {"web-01", "db-01", "old-01"}
    assert first["old-01"][0] == "retire" and first["old-01"][3] is None
    assert first["web-01"][0] == "rehost" and first["web-01"][3], "a rehosted server has a VM size"
    assess(AssessParameters(pricing="ri3y"))
    assert stored() == first, "re-assessment replaces rows, never duplicates them"
    with Session(get_engine()) as session:
        runs = session.scalars(select(AssessmentRun)).all()
        targets = session.scalars(select(TargetMapping)).all()
    assert [run.pricing for run in runs] == ["payg", "ri3y"]
    assert {target.pricing_option for target in targets} == {"ri3y"}


def test_an_override_is_recorded_marked_and_survives_reassessment(estate: str) -> None:
    assess(AssessParameters(overrides=[Override(system="WEB-01", strategy=Strategy.RETAIN)],
                            override_reason="contract runs to 2028"))
    assert stored()["web-01"][:3] == ("retain", "override", True)
    assess()
    assert stored()["web-01"][:3] == ("retain", "override", True), "no override given this time: it still holds"
    with Session(get_engine()) as session:
        override = session.scalars(select(StrategyOverride)).one()
    assert (override.strategy, override.reason) == ("retain", "contract runs to 2028")


def test_an_override_of_an_unknown_system_or_without_reason_is_bad_input(estate: str) -> None:
    assess()
    before = stored()
    with pytest.raises(BadInputError, match="unknown system 'ghost-99'"):
        assess(AssessParameters(overrides=[Override(system="ghost-99", strategy=Strategy.RETIRE)],
                                override_reason="gone"))
    with pytest.raises(BadInputError, match="an override needs a reason"):
        assess(AssessParameters(overrides=[Override(system="web-01", strategy=Strategy.RETIRE)]))
    assert stored() == before
    with Session(get_engine()) as session:
        assert session.scalars(select(StrategyOverride)).all() == []


def test_the_settings_and_each_sizes_reasons_are_stored_and_shown_by_status(estate: str) -> None:
    assess(AssessParameters(sizing="as-on-premises", percentile=99, series=["Dsv5", "Fsv2"], burstable=True,
                            default_environment="test"))
    with Session(get_engine()) as session:
        run = session.scalars(select(AssessmentRun)).one()
        web = session.execute(select(TargetMapping.details).join(System, System.id == TargetMapping.system_id)
                              .where(System.name == "web-01")).scalar_one()
        counts = assessment_counts(session=session)
    assert run.settings["Sizing criteria"] == "as-on-premises"
    assert run.settings["Percentile utilization"] == "P99"
    assert run.settings["VM series"] == "Dsv5, Fsv2, with burstable B-series"
    assert run.settings["Default environment"] == "test"
    assert counts["last_run"]["settings"] == run.settings
    # web-01: 2 cores / 4 GiB, as on premises (the criterion), production (its own environment): among Dsv5 and
    # Fsv2, F2s_v2 (2 vCPU, 4 GiB) is the cheapest; the details say why and what cheaper sizes were passed over.
    assert web["sizing_note"].startswith("sizing criterion as-on-premises: sized as on premises, 2 vCPU and 4 GiB")
    assert web["sizing_reason"]
    assert any("burstable, production system" in reason for reason in web["rejected_sizes"])
