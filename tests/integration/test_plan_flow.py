"""The plan stage on a real database: waves stored once per system, re-planning, frozen waves, pins, exports."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select, update
from sqlmodel import col

from flows.assess_flow import assess_estate, store_assessment
from flows.parameters import AssessParameters, Pin, PlanParameters
from flows.plan_flow import compute_plan, export_plan, store_plan
from inventory.db import DB_URL_ENV, session_scope
from inventory.errors import BadInputError
from inventory.importers.common import ParsedInventory
from inventory.records import DependencyRecord
from inventory.store import apply_import
from inventory.tables import (
    Assessment,
    PlanExclusion,
    System,
    TargetMapping,
    Wave,
    WaveMember,
    WavePin,
    WaveStatus,
    table_of,
)
from migrations_plan.waves import WavePlan
from tests.integration.estates import server

pytestmark = pytest.mark.integration

START = dt.date(2030, 1, 7)
RETIRED, RETAINED = {"old-01"}, {"keep-01", "aix-01"}
SHOP = {"web-01", "app-01", "db-01"}


ESTATE = (
    server("web-01", application="shop"), server("app-01", application="shop"), server("db-01"),
    server("bill-01", application="billing"), server("bill-02", application="billing"),
    server("crm-01"), server("hr-01"),
    server("dev-01", environment="dev"), server("=cmd", environment="test"),
    server("old-01", power_state="off"),  # powered off, no dependencies: retire
    server("keep-01", tags={"migrate": "no"}),  # retain by tag
    server("aix-01", os_name="AIX 7.2"),  # Unix: retain
)
DEPENDENCIES = (DependencyRecord(source="app-01", target="db-01", port=5432, observations=4),)


def build_estate(url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Import the literal estate and its dependency, then assess it, in the database the tasks will use."""
    monkeypatch.setenv(DB_URL_ENV, url)
    with session_scope() as session:
        apply_import(ParsedInventory.of("canonical-csv", systems=ESTATE), session=session, source="estate",
                     file_name="estate.csv", file_sha256="0" * 64)
        apply_import(ParsedInventory.of("dependency-csv", dependencies=DEPENDENCIES), session=session,
                     source="deps", file_name="deps.csv", file_sha256="1" * 64)
    result, settings = assess_estate.fn(AssessParameters())
    store_assessment.fn(result, settings)


@pytest.fixture
def estate(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    build_estate(sqlite_url, monkeypatch)
    return sqlite_url


@pytest.fixture
def any_estate(db_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """The same estate on SQLite and on PostgreSQL."""
    build_estate(db_url, monkeypatch)
    return db_url


def plan(**params: Any) -> WavePlan:
    """Plan and store (with the pins and freezes asked for), as the flow does."""
    parameters = PlanParameters(start=params.pop("start", START), **params)
    computed = compute_plan.fn(parameters)
    store_plan.fn(computed, pin_reason=parameters.pin_reason)
    return computed.plan


@dataclass(frozen=True)
class Stored:
    """The stored plan by natural keys (names, wave numbers), plus raw row counts."""

    waves: dict[int, tuple[str, dt.date, str, bool, int]]
    wave_of: dict[str, int]
    group_of: dict[str, str]
    excluded: dict[str, str]
    state: dict[str, str]
    pins: dict[str, tuple[int, str]]
    counts: dict[str, int]

    def members(self, number: int) -> set[str]:
        return {name for name, wave in self.wave_of.items() if wave == number}


def stored() -> Stored:
    with session_scope() as session:
        waves = {w.number: (w.name, w.planned_date, w.status, w.frozen, w.systems)
                 for w in session.scalars(select(Wave))}
        members = session.execute(select(col(System.name), col(Wave.number), col(WaveMember.group_key))
                                  .join(WaveMember, col(WaveMember.system_id) == col(System.id))
                                  .join(Wave, col(Wave.id) == col(WaveMember.wave_id))).all()
        excluded = session.execute(select(col(System.name), col(PlanExclusion.reason))
                                   .join(PlanExclusion, col(PlanExclusion.system_id) == col(System.id))).all()
        state = dict(session.execute(select(col(System.name), col(System.state))).all())
        pins = {name: (number, reason) for name, number, reason in session.execute(
            select(col(System.name), col(WavePin.wave_number), col(WavePin.reason))
            .join(WavePin, col(WavePin.system_id) == col(System.id)))}
        counts = {table.__tablename__: int(session.scalar(select(func.count()).select_from(table)) or 0)
                  for table in (Wave, WaveMember, PlanExclusion, WavePin)}
    return Stored(waves=waves, wave_of={name: number for name, number, _ in members},
                  group_of={name: group for name, _, group in members}, excluded=dict(excluded), state=state,
                  pins=pins, counts=counts)


def assessed_names() -> set[str]:
    with session_scope() as session:
        return set(session.scalars(select(col(System.name)).join(
            Assessment, col(Assessment.system_id) == col(System.id))))


def test_every_assessed_system_is_in_one_wave_or_excluded_with_a_reason(estate: str) -> None:
    result = plan(max_systems=3, pilot_max_systems=2)
    after = stored()
    names = assessed_names()
    assert names == {record.name for record in ESTATE}
    assert after.counts["wave_member"] == len(after.wave_of), "one wave_member row per planned system"
    assert set(after.wave_of) == names - RETIRED - RETAINED
    assert set(after.excluded) == RETIRED | RETAINED
    assert all("retire" in after.excluded[name] for name in RETIRED)
    assert all("retain" in after.excluded[name] for name in RETAINED)
    assert {name for name, state in after.state.items() if state == "planned"} == set(after.wave_of)
    assert {name for name, state in after.state.items() if state == "excluded"} == RETIRED | RETAINED
    # The stored waves are the plan's, with their sizes, and a move group stays together.
    assert {n: (d, s) for n, (_, d, _, _, s) in after.waves.items()} == {
        w.number: (w.date, len(w.systems)) for w in result.waves}
    assert len({after.wave_of[name] for name in SHOP}) == 1 and len({after.group_of[n] for n in SHOP}) == 1
    assert all(status == WaveStatus.PLANNED.value for _, _, status, _, _ in after.waves.values())


def test_replanning_gives_the_same_waves_and_no_duplicate_rows(any_estate: str) -> None:
    plan(max_systems=3, pilot_max_systems=2)
    first = stored()
    plan(max_systems=3, pilot_max_systems=2)
    plan(max_systems=3, pilot_max_systems=2)
    again = stored()
    assert again == first
    assert again.counts["wave"] == len(again.waves) and again.counts["wave_member"] == len(again.wave_of)
    assert again.counts["plan_exclusion"] == len(RETIRED | RETAINED)


def _freeze(number: int) -> None:
    """Freeze the wave as `plan --freeze N` does: the same plan again, with the wave frozen."""
    plan(max_systems=2, pilot_max_systems=2, freeze=[number])


def _start(number: int) -> None:
    with session_scope() as session:
        session.execute(update(table_of(Wave)).where(table_of(Wave).c.number == number)
                        .values(status=WaveStatus.STARTED.value))


@pytest.mark.parametrize(("keep", "status", "frozen"), [
    (_freeze, WaveStatus.PLANNED.value, True),
    (_start, WaveStatus.STARTED.value, False),
], ids=["frozen", "started"])
def test_a_kept_wave_keeps_its_members_and_date_when_replanned_with_other_limits(
        any_estate: str, keep: Callable[[int], None], status: str, frozen: bool) -> None:
    plan(max_systems=2, pilot_max_systems=2)
    before = stored()
    assert {0, 1, 2} <= set(before.waves), "the first plan has several waves"
    kept_members, kept_date = before.members(1), before.waves[1][1]
    keep(1)
    later = max(date for _, date, _, _, _ in before.waves.values()) + dt.timedelta(days=7)
    plan(max_systems=50, pilot_max_systems=2, start=later)
    after = stored()
    assert after.members(1) == kept_members and after.waves[1][1] == kept_date
    assert after.waves[1][2:4] == (status, frozen)
    # Every other wave is new: numbered after the kept one, dated from the new start, under the new limits.
    others = {number: wave for number, wave in after.waves.items() if number != 1}
    assert set(others) == {2}, "wave 0 is replaced; everything else now fits one wave of 50"
    assert others[2][1] == later
    assert after.members(2) == before.wave_of.keys() - kept_members
    assert after.counts["wave_member"] == len(before.wave_of)


def test_replanning_before_a_kept_wave_plans_the_rest_after_it(estate: str) -> None:
    plan(max_systems=2, pilot_max_systems=2)
    _freeze(1)
    before = stored()
    kept_date = before.waves[1][1]
    computed = compute_plan.fn(PlanParameters(start=START, max_systems=50))
    store_plan.fn(computed)
    after = stored()
    assert after.members(1) == before.members(1) and after.waves[1][1] == kept_date
    assert all(date > kept_date for number, (_, date, *_rest) in after.waves.items() if number != 1)
    assert computed.policy.start == kept_date + dt.timedelta(days=14)
    assert any("after the kept wave 1" in note for note in computed.notes)


def test_freezing_a_wave_that_does_not_exist_is_bad_input_and_changes_nothing(estate: str) -> None:
    plan(max_systems=2, pilot_max_systems=2)
    before = stored()
    with pytest.raises(BadInputError, match="no wave numbered 99"):
        plan(max_systems=2, pilot_max_systems=2, freeze=[99], pins=[Pin(system="app-01", wave=3)])
    assert stored() == before


def test_a_pin_moves_the_whole_move_group_and_survives_replanning(any_estate: str) -> None:
    plan(max_systems=10, pilot_max_systems=2)
    assert stored().wave_of["app-01"] != 3, "without the pin the group plans elsewhere"
    plan(max_systems=10, pilot_max_systems=2, pins=[Pin(system="APP-01", wave=3)], pin_reason="change board CB-42")
    first = stored()
    assert first.pins == {"app-01": (3, "change board CB-42")}
    assert {first.wave_of[name] for name in SHOP} == {3}, "app-01's move group goes with it"
    assert first.members(3) == SHOP
    plan(max_systems=4, pilot_max_systems=0, cadence_days=7)
    again = stored()
    assert again.pins == first.pins
    assert again.members(3) == SHOP


def test_an_unknown_system_in_pins_is_bad_input_and_changes_nothing(estate: str) -> None:
    plan(max_systems=10, pins=[Pin(system="app-01", wave=3)])
    before = stored()
    with pytest.raises(BadInputError, match="ghost-99") as caught:
        plan(max_systems=10, pins=[Pin(system="web-01", wave=1), Pin(system="ghost-99", wave=2)])
    assert "unknown system 'ghost-99'" in str(caught.value)
    assert stored() == before, "the valid pin recorded before the unknown one is rolled back too"


@pytest.mark.parametrize(("blackout", "expected"), [
    ([START], [START + dt.timedelta(days=1), START + dt.timedelta(days=14), START + dt.timedelta(days=28)]),
    ([START + dt.timedelta(days=14)], [START, START + dt.timedelta(days=15), START + dt.timedelta(days=28)]),
    ([START + dt.timedelta(days=14), START + dt.timedelta(days=15)],
     [START, START + dt.timedelta(days=16), START + dt.timedelta(days=28)]),
], ids=["first-wave", "second-wave", "two-days"])
def test_no_wave_is_planned_on_a_blackout_date(estate: str, blackout: list[dt.date],
                                               expected: list[dt.date]) -> None:
    plan(max_systems=3, pilot_max_systems=2, blackout=blackout)
    dates = sorted(date for _, date, _, _, _ in stored().waves.values())
    assert not set(dates) & set(blackout)
    assert dates[:3] == expected


def test_export_writes_one_row_per_assessed_system_with_typed_and_escaped_cells(any_estate: str,
                                                                               tmp_path: Path) -> None:
    plan(max_systems=3, pilot_max_systems=2)
    csv_path, xlsx_path = tmp_path / "out" / "plan.csv", tmp_path / "out" / "plan.xlsx"
    assert export_plan.fn([str(csv_path), str(xlsx_path)]) == [str(csv_path), str(xlsx_path)]
    names = assessed_names()
    waves = stored().wave_of

    with csv_path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == len(names)
    assert {row["system"] for row in rows} == (names - {"=cmd"}) | {"'=cmd"}
    assert not [cell for row in rows for cell in row.values() if cell.startswith("=")]
    by_name = {row["system"]: row for row in rows}
    assert {name: int(by_name[name]["wave"]) for name in waves if name != "=cmd"} == {
        name: number for name, number in waves.items() if name != "=cmd"}
    assert all(by_name[name]["wave"] == "" and by_name[name]["note"] for name in RETIRED | RETAINED)
    # Why each VM has its size, as the assessment stored it (its target details), for the change board.
    with session_scope() as session:
        reasons = {name: details.get("sizing_reason", "") for name, details in session.execute(
            select(col(System.name), col(TargetMapping.details)).join(
                TargetMapping, col(TargetMapping.system_id) == col(System.id)))}
    sized = {name: reason for name, reason in reasons.items() if reason and name != "=cmd"}
    assert sized, "the estate has VMs sized on a deciding need"
    assert all(by_name[name]["sizing"].startswith(reason) for name, reason in sized.items())

    sheet = load_workbook(xlsx_path)["Plan"]
    header = [cell.value for cell in sheet[1]]
    body = [dict(zip(header, row, strict=True)) for row in sheet.iter_rows(min_row=2)]
    assert len(body) == len(names)
    planned = [row for row in body if row["wave"].value is not None]
    assert len(planned) == len(waves)
    for row in planned:
        assert isinstance(row["wave"].value, int) and row["wave"].data_type == "n"
        assert isinstance(row["storage_gb"].value, int | float) and row["storage_gb"].data_type == "n"
        assert isinstance(row["usd_per_month"].value, float) and row["usd_per_month"].value > 0
        assert isinstance(row["date"].value, dt.datetime)
    hostile = next(row for row in body if "=cmd" in str(row["system"].value))
    assert hostile["system"].data_type == "s", "a name starting with = is text, never a formula"
    assert hostile["system"].value == "=cmd", "and it is the exact name, with no escape character added"
