"""The Prefect UI in headless Chromium, against a real `prefect server start` with its UI on: the served run-wave
deployment's form shows RunWaveParameters and starts a run, and a paused wave run's approval form is answered in
the browser (a partial approval, then the rest) until the run completes.

The UI is Prefect 3.9's default one (V2, what the server's root opens), under /v2.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from tests.e2e.conftest import plan_sample_estate, run_cli, wait_until
from tests.e2e.test_run_wave import finish, production_wave, query, start, wait_for
from tests.e2e.ui import UI_WAIT_MS, PrefectUI, field, serving

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

pytestmark = [pytest.mark.browser, pytest.mark.e2e]


@pytest.fixture(scope="module")
def planned(tmp_path_factory: pytest.TempPathFactory, prefect_ui: PrefectUI) -> Path:
    """The sample estate planned against this module's server (the one with the UI)."""
    return plan_sample_estate(tmp_path_factory.mktemp("planned-ui"), prefect_ui.api)


@pytest.fixture
def served(estate: Path, prefect_ui: PrefectUI) -> Iterator[dict[str, Any]]:
    """`lumen-migrate serve` on the estate's database; yields the run-wave deployment once it is registered."""
    with serving(estate, prefect_ui.api) as running:
        yield running.deployments["run-wave"]


def test_the_run_wave_form_shows_the_parameters_and_starts_a_run(
        served: dict[str, Any], page: Page, prefect_ui: PrefectUI, estate: Path) -> None:
    from playwright.sync_api import expect

    wave, _ = production_wave(estate)
    page.goto(f"{prefect_ui.url}/v2/deployments/deployment/{served['id']}/run")
    form = page.locator("main")
    expect(page.get_by_text("What the Prefect UI form and `lumen-migrate run-wave` offer for executing a wave."))\
        .to_be_visible(timeout=UI_WAIT_MS)
    # Each RunWaveParameters field, with its title, description, default and bounds from the pydantic model.
    number = field(form, "Wave")
    expect(number).to_have_value("")
    expect(number).to_have_attribute("min", "0")
    expect(form.get_by_text("Number of the wave to run (see `lumen-migrate status`).")).to_be_visible()
    backend = form.get_by_role("button", name="Select Backend")
    expect(backend).to_have_text("simulator")
    backend.click()
    # expect(...) waits and retries: a list read at once can still hold the options of a closing dropdown
    expect(page.get_by_role("option")).to_have_text(["simulator", "azure"])
    page.keyboard.press("Escape")
    expect(page.get_by_role("option")).to_have_count(0)
    expect(form.get_by_role("button", name="Select Azure Adapter")).to_have_text("shell")
    expect(field(form, "Azure Resource Group (Optional)")).to_have_value("lm-wave-{wave}")
    expect(form.get_by_text("Azure Adapters File (Optional)", exact=True)).to_be_visible()
    expect(field(form, "Dry Run (Optional)")).to_have_attribute("aria-checked", "false")
    expect(form.get_by_text("On Failure (Optional)", exact=True)).to_be_visible()
    on_failure = form.get_by_role("button", name="Select On Failure")  # its aria-label names it, not the label
    expect(on_failure).to_have_text("rollback-workload")
    workers = field(form, "Max Workers (Optional)")
    expect(workers).to_have_value("8")
    expect(workers).to_have_attribute("max", "64")
    expect(field(form, "Approval Timeout Hours (Optional)")).to_have_value("24")
    expect(field(form, "Simulator State (Optional)")).to_have_value("lumen-simulator")
    for label in ("Max Failures (Optional)", "Systems (Optional)", "Simulator Seed (Optional)",
                  "Simulator Faults (Optional)", "Simulator Failure Probability (Optional)",
                  "Simulator Latency Ms (Optional)"):
        expect(form.get_by_text(label, exact=True)).to_be_visible()
    on_failure.click()
    expect(page.get_by_role("option")).to_have_text(["continue", "rollback-workload", "rollback-wave"])
    page.get_by_role("option", name="rollback-wave").click()

    # Submitted, the form's parameters are ones the flow accepts: a dry run of the wave, run by `serve`.
    number.fill(str(wave))
    field(form, "Dry Run (Optional)").click()
    page.get_by_role("button", name="Submit").click()
    page.wait_for_url(f"**/deployments/deployment/{served['id']}?*")
    with httpx.Client(base_url=prefect_ui.api, timeout=10) as api:
        def finished() -> dict[str, Any] | None:
            response = api.post("/flow_runs/filter", json={"deployments": {"id": {"any_": [served["id"]]}}})
            runs = response.json() if response.status_code == 200 else []
            return dict(runs[0]) if runs and runs[0]["state_type"] in ("COMPLETED", "FAILED", "CRASHED") else None

        run = wait_until(finished, timeout=180, what="the run started from the form")
        artifacts = api.post("/artifacts/filter", json={"artifacts": {"key": {"any_": [f"wave-{wave}-runbook"]}}})
    assert run["state_type"] == "COMPLETED", (estate / "serve.out").read_text()
    params = run["parameters"]["params"]
    assert (params["wave"], params["dry_run"], params["on_failure"]) == (wave, True, "rollback-wave")
    (runbook,) = [a for a in artifacts.json() if a["flow_run_id"] == run["id"]]
    assert runbook["data"].startswith(f"```\nRunbook for wave {wave} ")


def resume_form(page: Page, url: str) -> Locator:
    """Open a paused flow run and its Resume dialog (the form Prefect builds from the run's RunInput)."""
    from playwright.sync_api import expect

    page.goto(url)
    expect(page.locator("main").get_by_text("Paused", exact=True)).to_be_visible(timeout=UI_WAIT_MS)
    page.get_by_role("button", name="Open menu").first.click()
    page.get_by_role("menuitem", name="Resume").click()
    dialog = page.get_by_role("dialog", name="Resume Flow Run")
    expect(dialog).to_be_visible()
    return dialog


def test_a_paused_wave_is_approved_in_the_ui_form_partly_then_wholly(
        estate: Path, prefect_ui: PrefectUI, page: Page) -> None:
    from playwright.sync_api import expect

    wave, names = production_wave(estate)
    assert len(names) >= 3
    listed = ", ".join(f"'{name}'" for name in names)
    running = start(estate, prefect_ui.api, "run-wave", str(wave))
    try:
        flow_run_id = wait_for(estate, prefect_ui.api, wave, "paused")["flow_run_id"]
        url = f"{prefect_ui.url}/v2/runs/flow-run/{flow_run_id}"

        dialog = resume_form(page, url)
        # ApprovalInput's fields, with their descriptions and defaults.
        expect(field(dialog, "Approve (Optional)")).to_have_attribute("aria-checked", "true")
        expect(dialog.get_by_text("Approve (true) or reject (false) the workloads below.")).to_be_visible()
        expect(dialog.get_by_text("Systems (Optional)", exact=True)).to_be_visible()
        expect(dialog.get_by_text("Workloads this answer is for (empty: every workload waiting).")).to_be_visible()
        for label in ("Approver (Optional)", "Comment (Optional)", "Change Reference (Optional)"):
            expect(field(dialog, label)).to_have_value("")
        expect(dialog.get_by_text("The change ticket (e.g. CHG-1042).")).to_be_visible()

        # First answer: approve one workload only, with a change reference.
        dialog.get_by_role("button", name="Add item").click()
        dialog.locator("fieldset").filter(has=page.get_by_role("button", name="Add item")).locator("textarea")\
            .fill(names[0])
        field(dialog, "Approver (Optional)").fill("carol")
        field(dialog, "Comment (Optional)").fill("CAB ok, from the UI")
        field(dialog, "Change Reference (Optional)").fill("CHG-2001")
        dialog.get_by_role("button", name="Resume").click()
        expect(dialog).to_be_hidden(timeout=UI_WAIT_MS)
        wait_until(lambda: query(estate, f"SELECT state FROM system WHERE name = '{names[0]}'") == [("migrated",)],
               timeout=120, what="the approved workload's cutover")
        with httpx.Client(base_url=prefect_ui.api, timeout=10) as api:
            wait_until(lambda: api.get(f"/flow_runs/{flow_run_id}").json()["state_type"] == "PAUSED", timeout=120,
                   what="the run to pause again for the others")
        assert query(estate, f"SELECT DISTINCT state FROM system WHERE name IN ({listed}) "
                             f"AND name != '{names[0]}'") == [("migrating",)]

        # Second answer: the defaults (every workload still waiting), approved.
        dialog = resume_form(page, url)
        field(dialog, "Approver (Optional)").fill("dave")
        field(dialog, "Change Reference (Optional)").fill("CHG-2002")
        dialog.get_by_role("button", name="Resume").click()
        expect(dialog).to_be_hidden(timeout=UI_WAIT_MS)
        result = finish(running)
    finally:
        if running.poll() is None:
            running.kill()
            running.communicate()
    assert result.code == 0, result.output
    outcome = json.loads(result.stdout)
    assert outcome["status"] == "completed"
    assert {line["outcome"] for line in outcome["results"] if line["system"] in names} == {"migrated"}
    approvals = {name: (actor, json.loads(detail)) for name, actor, detail in query(
        estate, "SELECT s.name, j.actor, j.detail FROM step_journal j JOIN system s ON s.id = j.system_id "
                "WHERE j.event = 'approved'") if name in names}
    assert approvals == {names[0]: ("carol", {"comment": "CAB ok, from the UI", "change_reference": "CHG-2001"}),
                         **dict.fromkeys(names[1:], ("dave", {"comment": "", "change_reference": "CHG-2002"}))}
    status = json.loads(run_cli("--json", "status", cwd=estate).stdout)
    assert [run["status"] for run in status["runs"] if run["wave"] == wave] == ["completed"]
