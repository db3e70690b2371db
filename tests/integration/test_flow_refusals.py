"""The planning flows run as Prefect runs (the test harness's server): input they cannot act on ends the run Refused
in one line, before anything is written, while a direct caller still gets every problem; and the demo works in its
own folder and database, leaving the configured one exactly as it was."""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from prefect.client.schemas.objects import State

from flows.assess_flow import assess_flow
from flows.demo_flow import DemoOutcome, demo_flow
from flows.import_flow import import_inventory
from flows.parameters import AssessParameters, DemoParameters, ImportParameters, Pin, PlanParameters
from flows.plan_flow import plan_flow
from flows.run_states import REFUSED
from flows.settings import Settings, get_settings, use_settings
from inventory.db import dispose_engines
from inventory.errors import BadInputError
from tests.integration.test_plan_flow import build_estate, plan, stored

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def harness() -> Iterator[None]:
    """Prefect's test harness: a temporary server for this module's flow runs."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=180):
        yield


@pytest.fixture
def live(harness: None, sqlite_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    """The configured database, holding a planned estate; relative paths of a run go under tmp_path/files."""
    build_estate(sqlite_url, monkeypatch)
    plan(pilot_max_systems=2)
    monkeypatch.setenv("LUMEN_MIGRATE_FILES_DIR", str(tmp_path / "files"))
    return sqlite_url


def refusal(state: State[Any]) -> str:
    """The one line of a Refused run."""
    assert state.is_failed() and state.name == REFUSED, state
    assert state.message and "\n" not in state.message and "Traceback" not in state.message
    return state.message


def test_an_import_of_a_missing_or_rejected_file_is_refused_in_one_line(live: str, tmp_path: Path) -> None:
    before = stored()
    missing = refusal(import_inventory(ImportParameters(path="nope.csv"), return_state=True))
    assert missing == f"{tmp_path / 'files' / 'nope.csv'}: file not found (nothing was written)"

    bad = tmp_path / "files" / "bad.csv"
    bad.parent.mkdir(parents=True)
    bad.write_text("*Server name,*Cores,*Memory (In MB),*OS name\nx-01,two,4096,Ubuntu\nx-02,2,-5,Ubuntu\n",
                   encoding="utf-8")
    rejected = refusal(import_inventory(ImportParameters(path="bad.csv"), return_state=True))
    assert rejected.startswith("rejected, nothing was written: 2 problems, the first ")
    assert "bad.csv:2:*Cores: expected a whole number, got 'two'" in rejected
    # Called directly (the CLI does), the rejection itself is raised: every problem, each on its line.
    with pytest.raises(BadInputError) as caught:
        import_inventory(ImportParameters(path=str(bad)))
    assert [problem.row for problem in caught.value.problems] == [2, 3]
    assert stored() == before


def test_a_plan_or_assessment_it_cannot_apply_is_refused_before_anything_is_written(live: str,
                                                                                    tmp_path: Path) -> None:
    before = stored()
    pins = [Pin(system="app-01", wave=3), Pin(system="ghost-99", wave=2)]
    assert refusal(plan_flow(PlanParameters(pins=pins), return_state=True)) == \
        "--pin: unknown system 'ghost-99': not in the inventory (nothing was written)"
    assert refusal(plan_flow(PlanParameters(freeze=[99]), return_state=True)).startswith(
        "--freeze: no wave numbered 99 in the current plan")
    assert refusal(assess_flow(AssessParameters(rules="my-rules.yaml"), return_state=True)) == \
        f"{tmp_path / 'files' / 'my-rules.yaml'}: rules file not found on the machine that runs the assessment " \
        "(nothing was written)"
    assert stored() == before


def rows(url: str) -> list[str]:
    """Every row of every table, as SQL."""
    with sqlite3.connect(url.removeprefix("sqlite:///")) as connection:
        return list(connection.iterdump())


def test_the_demo_works_in_its_own_database_and_leaves_the_configured_one_as_it_was(
        live: str, tmp_path: Path) -> None:
    configured = Settings(db_url=live)
    use_settings(configured)  # as the CLI installs its settings; the environment names the same database
    try:
        dispose_engines()
        database = Path(live.removeprefix("sqlite:///"))
        before_rows, before_bytes = rows(live), hashlib.sha256(database.read_bytes()).hexdigest()
        outcome = demo_flow(DemoParameters(systems=30, folder="demo-here"))
        assert get_settings() is configured, "the settings installed before the demo are back"
        dispose_engines()
        assert rows(live) == before_rows
        assert hashlib.sha256(database.read_bytes()).hexdigest() == before_bytes
    finally:
        use_settings(None)
    folder = tmp_path / "files" / "demo-here"
    assert isinstance(outcome, DemoOutcome) and outcome.assessment.systems == 30
    demo_rows = rows(f"sqlite:///{folder / 'lumen-migrate.db'}")
    assert sum(line.startswith('INSERT INTO "system"') for line in demo_rows) == 30
    assert (folder / "wave-plan.xlsx").exists() and (folder / "simulator").is_dir()
