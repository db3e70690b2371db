"""The Prefect UI in headless Chromium, against a real `prefect server start` with its UI on: the served run-wave
deployment's form shows RunWaveParameters and starts a run, and a paused wave run's approval form is answered in
the browser (a partial approval, then the rest) until the run completes.

The UI is Prefect 3.9's default one (V2, what the server's root opens), under /v2.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from tests.e2e.conftest import plan_sample_estate, run_cli, wait_until
from tests.e2e.test_run_wave import finish, production_wave, query, start, wait_for
from tests.e2e.ui import UI_WAIT_MS, PrefectUI, field, keep_screenshot, open_form, serving

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

pytestmark = [pytest.mark.browser, pytest.mark.e2e]
# The forms' descriptions (the parameter models' docstrings), shown above their fields.
RUN_WAVE_FORM = "What the Prefect UI form and `lumen-migrate run-wave` offer for executing a wave."
ROLLBACK_FORM = "Undo a wave's latest run from its journal."


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
    expect(form.get_by_text("Number of the wave to run (as in the wave plan).")).to_be_visible()
    backend = form.get_by_role("button", name="Select Backend")
    expect(backend).to_have_text("simulator")
    backend.click()
    # expect(...) waits and retries: a list read at once can still hold the options of a closing dropdown
    expect(page.get_by_role("option")).to_have_text(["simulator", "azure"])
    page.keyboard.press("Escape")
    expect(page.get_by_role("option")).to_have_count(0)
    expect(form.get_by_role("button", name="Select Azure: who replicates and cuts over")).to_have_text("shell")
    expect(field(form, "Azure: resource group (Optional)")).to_have_value("lm-wave-{wave}")
    expect(field(form, "Azure: adapters file (Optional)")).to_have_value("")
    expect(field(form, "Dry run (Optional)")).to_have_attribute("aria-checked", "false")
    on_failure = form.get_by_role("button", name="Select When a workload fails")
    expect(on_failure).to_have_text("rollback-workload")
    workers = field(form, "Workloads at the same time (Optional)")
    expect(workers).to_have_value("8")
    expect(workers).to_have_attribute("max", "64")
    expect(field(form, "Approval timeout (hours) (Optional)")).to_have_value("24")
    expect(field(form, "Simulator state folder (Optional)")).to_have_value("lumen-simulator")
    expect(field(form, "Stop after this many failures (empty: never) (Optional)")).to_have_value("")
    for label in ("Only these workloads (Optional)", "Simulator seed (Optional)",
                  "Simulator: injected faults (Optional)", "Simulator: failure probability (Optional)",
                  "Simulator: latency per step (ms) (Optional)"):
        expect(form.get_by_text(label, exact=True)).to_be_visible()
    expect(form.get_by_text('Property is type "None"')).to_have_count(0)
    on_failure.click()
    expect(page.get_by_role("option")).to_have_text(["continue", "rollback-workload", "rollback-wave"])
    page.get_by_role("option", name="rollback-wave").click()
    keep_screenshot(page, "run-wave-form")

    # Submitted, the form's parameters are ones the flow accepts: a dry run of the wave, run by `serve`.
    number.fill(str(wave))
    field(form, "Dry run (Optional)").click()
    page.get_by_role("button", name="Submit").click()
    page.wait_for_url(f"**/deployments/deployment/{served['id']}?*")
    with httpx.Client(base_url=prefect_ui.api, timeout=10) as api:
        run = wait_until(lambda: final_run(api, served["id"]), timeout=180, what="the run started from the form")
        artifacts = api.post("/artifacts/filter", json={"artifacts": {"key": {"any_": [f"wave-{wave}-runbook"]}}})
    assert (run["state_type"], run["state_name"]) == ("COMPLETED", "Dry run"), (estate / "serve.out").read_text()
    assert run["name"] == f"wave-{wave} run (dry run)"
    params = run["parameters"]["params"]
    assert (params["wave"], params["dry_run"], params["on_failure"]) == (wave, True, "rollback-wave")
    (runbook,) = [a for a in artifacts.json() if a["flow_run_id"] == run["id"]]
    assert runbook["data"].startswith(f"```\nRunbook for wave {wave} ")

    # A wave the plan does not have: refused in one line, and nothing is created (not even its concurrency limit).
    form = open_form(page, prefect_ui, served["id"], RUN_WAVE_FORM)
    field(form, "Wave").fill("999")
    submit(page, prefect_ui, served["id"])
    with httpx.Client(base_url=prefect_ui.api, timeout=10) as api:
        unknown = wait_until(lambda: final_run(api, served["id"], after=1), timeout=180, what="the unknown wave's run")
        limits = api.post("/v2/concurrency_limits/filter", json={}).json()
        # The run's process logs how it ended when it exits: one line, not Prefect's traceback of the state.
        def ended() -> list[str] | None:
            lines = logs_of(api, unknown["id"])
            return lines if any(line.startswith("the run ended Failed: no wave numbered 999") for line in lines) \
                else None

        logs = wait_until(ended, timeout=60, what="the refused run's last log line")
    assert (unknown["state_type"], unknown["state_name"]) == ("FAILED", "Refused")
    assert unknown["state"]["message"].startswith("no wave numbered 999: the plan has waves 0")
    assert "lumen-migrate-wave-999" not in {limit["name"] for limit in limits}
    assert not [line for line in logs if "Traceback" in line], logs


def submit(page: Page, prefect_ui: PrefectUI, deployment_id: str) -> None:
    """Submit the run form; the UI goes to the deployment's page once the run is created. The server shares its
    SQLite file with serve's polling, and a busy moment answers the create with a 5xx (the UI then stays on the form
    with a toast): submitted again, unless the run was created after all."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    def runs() -> int:
        with httpx.Client(base_url=prefect_ui.api, timeout=10) as api:
            found = api.post("/flow_runs/filter", json={"deployments": {"id": {"any_": [deployment_id]}}})
            return len(found.json()) if found.status_code == 200 else -1

    before = runs()
    for attempt in range(3):
        page.get_by_role("button", name="Submit").click()
        try:
            page.wait_for_url(f"**/deployments/deployment/{deployment_id}?*", timeout=UI_WAIT_MS)
            return
        except PlaywrightTimeout:
            keep_screenshot(page, f"submit-not-accepted-{attempt}")
            if runs() > before:
                return
    raise AssertionError("the form was never accepted")


def final_run(api: httpx.Client, deployment_id: str, *, after: int = 0) -> dict[str, Any] | None:
    """The deployment's newest flow run once it is final (and it is the `after`+1-th run), else None."""
    response = api.post("/flow_runs/filter", json={"deployments": {"id": {"any_": [deployment_id]}},
                                                   "sort": "EXPECTED_START_TIME_DESC"})
    runs = response.json() if response.status_code == 200 else []
    if len(runs) <= after:
        return None
    return dict(runs[0]) if runs[0]["state_type"] in ("COMPLETED", "FAILED", "CRASHED", "CANCELLED") else None


def logs_of(api: httpx.Client, flow_run_id: str) -> list[str]:
    response = api.post("/logs/filter", json={"logs": {"flow_run_id": {"any_": [flow_run_id]}}, "limit": 200})
    return [line["message"] for line in response.json()]


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


def test_a_paused_wave_names_who_waits_and_its_resume_form_offers_exactly_them(
        estate: Path, prefect_ui: PrefectUI, page: Page) -> None:
    """Who waits is published when the run pauses; the Resume form offers only the waiting workloads, refuses a
    production approval without a change reference and an unknown name; a partial approval moves one workload, a
    rejection of the rest ends the run Completed with rejections, without a traceback, and what moved is realised."""
    from playwright.sync_api import expect

    wave, names = production_wave(estate)
    assert len(names) >= 3
    listed = ", ".join(f"'{name}'" for name in names)
    running = start(estate, prefect_ui.api, "run-wave", str(wave))
    try:
        flow_run_id = wait_for(estate, prefect_ui.api, wave, "paused")["flow_run_id"]
        url = f"{prefect_ui.url}/v2/runs/flow-run/{flow_run_id}"
        with httpx.Client(base_url=prefect_ui.api, timeout=10) as api:
            waiting = api.post("/artifacts/filter", json={"artifacts": {"key": {"any_": [f"wave-{wave}-waiting"]},
                                                                       "flow_run_id": {"any_": [flow_run_id]}}})
            (table,) = waiting.json()
            rows = json.loads(table["data"]) if isinstance(table["data"], str) else table["data"]
            assert sorted(row["workload"] for row in rows) == sorted(names)
            assert {row["environment"] for row in rows} == {"production"}
            assert all(row["cutover will"].startswith(f"switch {row['workload']} from the legacy system")
                       for row in rows)
            wait_until(lambda: any(f"waits for approval of {len(names)} workload(s)" in line
                                   for line in logs_of(api, flow_run_id)), timeout=60, what="the log line of who waits")
            # The progress bar was posted before the pause: it shows how far the wave got, not 0 %.
            (progress,) = api.post("/artifacts/filter", json={"artifacts": {
                "key": {"any_": [f"wave-{wave}-progress"]}, "flow_run_id": {"any_": [flow_run_id]}}}).json()
            assert 0 < float(progress["data"]) < 100, progress
            tasks = api.post("/task_runs/filter", json={"flow_runs": {"id": {"any_": [flow_run_id]}}}).json()
            assert {task["state"]["name"] for task in tasks if task["name"] in names} == {"Awaiting approval"}
            # A name that does not wait is refused by the server, never ignored.
            unknown = api.post(f"/flow_runs/{flow_run_id}/resume", json={"run_input": {
                "decision": "approve", "systems": [names[0] + "-typo"], "approver": "mallory",
                "change_reference": "CHG-1", "comment": ""}}).json()
            assert unknown["status"] == "REJECT" and names[0] + "-typo" in unknown["details"]["reason"]

        dialog = resume_form(page, url)
        expect(dialog.get_by_text("Decision", exact=True)).to_be_visible()
        expect(dialog.get_by_text("Workloads", exact=True)).to_be_visible()
        expect(field(dialog, "Approver")).to_have_value("")
        expect(field(dialog, "Change reference")).to_have_value("")
        dialog.get_by_role("button", name="Select Decision").click()
        expect(page.get_by_role("option")).to_have_text(["approve", "reject"])
        page.get_by_role("option", name="approve").click()
        choose_workloads(page, dialog, [names[0]], offered=names)
        field(dialog, "Approver").fill("carol")
        field(dialog, "Comment (Optional)").fill("CAB ok, from the UI")
        keep_screenshot(page, "resume-form-without-change-reference")
        dialog.get_by_role("button", name="Resume").click()
        # No change reference for a production cutover: the form is refused and the run keeps waiting.
        expect(page.get_by_text("'change_reference' is a required property")).to_be_visible()
        expect(dialog).to_be_visible()
        keep_screenshot(page, "resume-form-refused")
        assert query(estate, f"SELECT state FROM system WHERE name = '{names[0]}'") == [("migrating",)]
        field(dialog, "Change reference").fill("CHG-2001")
        dialog.get_by_role("button", name="Resume").click()
        expect(dialog).to_be_hidden(timeout=UI_WAIT_MS)
        wait_until(lambda: query(estate, f"SELECT state FROM system WHERE name = '{names[0]}'") == [("migrated",)],
                   timeout=120, what="the approved workload's cutover")
        with httpx.Client(base_url=prefect_ui.api, timeout=10) as api:
            wait_until(lambda: api.get(f"/flow_runs/{flow_run_id}").json()["state_type"] == "PAUSED", timeout=120,
                       what="the run to pause again for the others")
        assert query(estate, f"SELECT DISTINCT state FROM system WHERE name IN ({listed}) "
                             f"AND name != '{names[0]}'") == [("migrating",)]

        # Second answer: the change board rejects the rest.
        dialog = resume_form(page, url)
        dialog.get_by_role("button", name="Select Decision").click()
        page.get_by_role("option", name="reject").click()
        choose_workloads(page, dialog, names[1:], offered=names[1:])
        field(dialog, "Approver").fill("dave")
        field(dialog, "Change reference").fill("CHG-2002")
        dialog.get_by_role("button", name="Resume").click()
        expect(dialog).to_be_hidden(timeout=UI_WAIT_MS)
        result = finish(running)
    finally:
        if running.poll() is None:
            running.kill()
            running.communicate()
    assert result.code == 0, result.output
    outcome = json.loads(result.stdout)
    assert (outcome["status"], outcome["rejected"]) == ("completed", len(names) - 1)
    assert outcome["migrated"] == outcome["workloads"] - len(names) + 1, "the rest of the wave moved"
    assert {line["system"]: line["outcome"] for line in outcome["results"] if line["system"] in names} == \
        {names[0]: "migrated", **dict.fromkeys(names[1:], "rejected")}
    with httpx.Client(base_url=prefect_ui.api, timeout=10) as api:
        ended = api.get(f"/flow_runs/{flow_run_id}").json()
        logs = logs_of(api, flow_run_id)
    assert (ended["state_type"], ended["state"]["name"]) == ("COMPLETED", "Completed with rejections")
    assert not [line for line in logs if "Traceback" in line], logs
    page.goto(url)
    expect(page.locator("main").get_by_text("Completed with rejections").first).to_be_visible()
    keep_screenshot(page, "run-completed-with-rejections")
    approvals = {name: (actor, json.loads(detail)) for name, actor, detail in query(
        estate, "SELECT s.name, j.actor, j.detail FROM step_journal j JOIN system s ON s.id = j.system_id "
                "WHERE j.event IN ('approved', 'rejected') AND j.step_key LIKE '%/approve'") if name in names}
    assert approvals == {names[0]: ("carol", {"comment": "CAB ok, from the UI", "change_reference": "CHG-2001"}),
                         **dict.fromkeys(names[1:], ("dave", {"comment": "", "change_reference": "CHG-2002"}))}
    status = json.loads(run_cli("--json", "status", cwd=estate).stdout)
    assert [w["status"] for w in status["waves"] if w["number"] == wave] == ["completed"]
    savings = run_cli("--json", "report", "savings", "--format", "json", "--out", str(estate / "reports"),
                      cwd=estate)
    assert savings.code == 0, savings.output
    assert json.loads(savings.stdout)["realised_net_horizon"] != 0, "the migrated workload counts as realised"


def choose_workloads(page: Page, dialog: Locator, chosen: list[str], *, offered: list[str]) -> None:
    """Pick workloads in the form's multi-select, checking it offers exactly `offered`."""
    from playwright.sync_api import expect

    picker = dialog.get_by_role("button", name="Select Workloads")
    picker.click()
    expect(page.get_by_role("option")).to_have_text(sorted(offered) if False else offered)
    for name in chosen:
        page.get_by_role("option", name=name, exact=True).click()
    page.keyboard.press("Escape")


def test_a_rollback_from_the_ui_is_a_dry_run_until_confirmed(
        estate: Path, prefect_ui: PrefectUI, page: Page) -> None:
    """The rollback-wave form starts as a dry run: it lists what would be undone and changes nothing; switched off
    without approver, reason, change reference and the wave number again, it is refused and changes nothing."""
    from playwright.sync_api import expect

    wave, names = production_wave(estate)
    running = start(estate, prefect_ui.api, "run-wave", str(wave))
    try:
        wait_for(estate, prefect_ui.api, wave, "paused")
        approved = run_cli("approve", str(wave), "--all", "--change-ref", "CHG-3001", cwd=estate,
                           api_url=prefect_ui.api)
        assert approved.code == 0, approved.output
        assert finish(running).code == 0
    finally:
        if running.poll() is None:
            running.kill()
            running.communicate()
    simulator = estate / "lumen-simulator" / "simulator.db"

    def azure() -> list[tuple[Any, ...]]:
        with sqlite3.connect(simulator) as connection:
            return connection.execute("SELECT id FROM resource ORDER BY id").fetchall() + \
                connection.execute("SELECT system_id, serving_from FROM legacy ORDER BY system_id").fetchall()

    before, states = azure(), query(estate, "SELECT name, state FROM system ORDER BY name")
    assert before and {state for name, state in states if name in names} == {"migrated"}
    with serving(estate, prefect_ui.api, wait_for=("rollback-wave", "run-due-waves")) as served:
        deployment = served.deployments["rollback-wave"]
        form = open_form(page, prefect_ui, deployment["id"], ROLLBACK_FORM)
        dry = field(form, "Dry run (only list what would be undone) (Optional)")
        expect(dry).to_have_attribute("aria-checked", "true")
        expect(form.get_by_text('Property is type "None"')).to_have_count(0)
        field(form, "Wave").fill(str(wave))
        keep_screenshot(page, "rollback-form")
        submit(page, prefect_ui, deployment["id"])
        with httpx.Client(base_url=prefect_ui.api, timeout=10) as api:
            first = wait_until(lambda: final_run(api, deployment["id"]), timeout=180, what="the dry-run rollback")
            plan = api.post("/artifacts/filter", json={"artifacts": {
                "key": {"any_": [f"wave-{wave}-rollback-plan"]}, "flow_run_id": {"any_": [first["id"]]}}}).json()
        assert (first["state_type"], first["state_name"]) == ("COMPLETED", "Dry run"), served.log()
        rows = json.loads(plan[0]["data"]) if isinstance(plan[0]["data"], str) else plan[0]["data"]
        assert set(names) <= {row["workload"] for row in rows if row["undo"] == "fail back"}
        assert azure() == before and query(estate, "SELECT name, state FROM system ORDER BY name") == states, \
            "a dry run changes nothing"

        # Dry run off, nothing else: failing production back is refused, nothing is undone.
        form = open_form(page, prefect_ui, deployment["id"], ROLLBACK_FORM)
        field(form, "Wave").fill(str(wave))
        field(form, "Dry run (only list what would be undone) (Optional)").click()
        submit(page, prefect_ui, deployment["id"])
        with httpx.Client(base_url=prefect_ui.api, timeout=10) as api:
            second = wait_until(lambda: final_run(api, deployment["id"], after=1), timeout=180,
                                what="the unconfirmed rollback")
        assert (second["state_type"], second["state_name"]) == ("FAILED", "Refused"), served.log()
        assert "change reference" in second["state"]["message"] and "nothing was undone" in second["state"]["message"]
        assert azure() == before and query(estate, "SELECT name, state FROM system ORDER BY name") == states
        # The run-due-waves form: its fields shown, its known lists as dropdowns with their defaults.
        page.goto(f"{prefect_ui.url}/v2/deployments/deployment/{served.deployments['run-due-waves']['id']}/run")
        form = page.locator("main")
        on_failure = form.get_by_role("button", name="Select When a workload fails")
        expect(on_failure).to_have_text("rollback-workload")
        expect(form.get_by_role("button", name="Select Backend")).to_have_text("simulator")
        expect(field(form, "Simulator state folder (Optional)")).to_have_value("lumen-simulator")
        expect(form.get_by_text('Property is type "None"')).to_have_count(0)
        on_failure.click()
        expect(page.get_by_role("option")).to_have_text(["continue", "rollback-workload", "rollback-wave"])
        page.keyboard.press("Escape")
        keep_screenshot(page, "run-due-waves-form")

        # The change board approves (freezes) wave 0: run-due-waves is scheduled on its date, and only then.
        assert served.deployments["run-due-waves"]["schedules"] == [], "no approved wave yet: no schedule"
        frozen = run_cli("plan", "--freeze", "0", "--pilot-max-systems", "4", cwd=estate, api_url=prefect_ui.api)
        assert frozen.code == 0, frozen.output
        (day,) = query(estate, "SELECT planned_date FROM wave WHERE number = 0")
        with httpx.Client(base_url=prefect_ui.api, timeout=10) as api:
            due = api.get(f"/deployments/{served.deployments['run-due-waves']['id']}").json()["schedules"]
        assert [schedule["schedule"]["rrule"].splitlines()[0] for schedule in due] == \
            [f"DTSTART:{day[0].replace('-', '')}T060000"]
    # No ERROR in the server's log from our calls (the wave's concurrency limit is read before it is created).
    server_log = (prefect_ui.home / "server.log").read_text(errors="replace")
    assert "UNIQUE constraint failed" not in server_log and "| ERROR" not in server_log, server_log[-3000:]
