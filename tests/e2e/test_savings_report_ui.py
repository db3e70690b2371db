"""Finance's savings report from the Prefect UI, in headless Chromium against a real `prefect server start` with its
UI and `lumen-migrate serve`: the savings-report form shows its fields with their defaults, a run started from it
writes its files under the files folder (never serve's working folder) in the currency picked, its artifact and its
log name them with the headline in that currency, and a second run under the same file name writes new files
without touching the first run's.

The UI is Prefect 3.9's default one (V2), under /v2.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from tests.e2e.conftest import plan_sample_estate, wait_until
from tests.e2e.ui import PrefectUI, Served, field, keep_screenshot, open_form, serving

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

SCENARIOS = ["assessment", "payg", "ri1y", "ri3y", "payg_ahb", "ri1y_ahb", "ri3y_ahb"]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, prefect_ui: PrefectUI) -> Iterator[Served]:
    """A planned sample estate and one `lumen-migrate serve` on it for the module (files under FOLDER/files)."""
    folder = plan_sample_estate(tmp_path_factory.mktemp("finance"), prefect_ui.api)
    with serving(folder, prefect_ui.api, wait_for=("savings-report",)) as running:
        yield running


# The savings-report form's description (ReportParameters), shown above its fields.
SAVINGS_FORM = "A savings report for finance: the monthly cash-flow projection, written as files"


def submit_and_wait(page: Page, prefect_ui: PrefectUI, deployment: dict[str, Any], before: set[str]) -> dict[str, Any]:
    """Submit the form; the new flow run of the deployment once it has finished."""
    page.get_by_role("button", name="Submit").click()
    page.wait_for_url(f"**/deployments/deployment/{deployment['id']}?*")
    with httpx.Client(base_url=prefect_ui.api, timeout=10) as api:
        def finished() -> dict[str, Any] | None:
            response = api.post("/flow_runs/filter", json={"deployments": {"id": {"any_": [deployment["id"]]}}})
            runs = [run for run in (response.json() if response.status_code == 200 else []) if run["id"] not in before]
            return dict(runs[0]) if runs and runs[0]["state_type"] in ("COMPLETED", "FAILED", "CRASHED") else None

        return wait_until(finished, timeout=240, what="the report run started from the form")


def summary_artifact(prefect_ui: PrefectUI, run: dict[str, Any]) -> dict[str, Any]:
    with httpx.Client(base_url=prefect_ui.api, timeout=10) as api:
        artifacts = api.post("/artifacts/filter", json={"artifacts": {"flow_run_id": {"any_": [run["id"]]}}}).json()
    (summary,) = [artifact for artifact in artifacts if artifact["key"] == "savings-summary"]
    return dict(summary)


def files_named(markdown: str) -> list[Path]:
    """The absolute paths the artifact lists, one "- `/path`" a line."""
    return [Path(path) for path in re.findall(r"^- `(/[^`]+)`$", markdown, re.MULTILINE)]


def test_the_form_shows_its_fields_and_each_run_writes_its_own_files_in_the_currency_picked(
        served: Served, page: Page, prefect_ui: PrefectUI) -> None:
    from playwright.sync_api import expect

    deployment = served.deployments["savings-report"]
    form = open_form(page, prefect_ui, deployment["id"], SAVINGS_FORM)
    # ReportParameters' fields, with the titles, descriptions and defaults the model gives them.
    months = field(form, "Horizon (months) (Optional)")
    expect(months).to_have_value("12")
    expect(months).to_have_attribute("min", "1")
    expect(form.get_by_text("First month (empty: the month of the run) (Optional)", exact=True)).to_be_visible()
    scenario = form.get_by_role("button", name="Select Azure pricing")
    expect(scenario).to_have_text("assessment")
    scenario.click()
    expect(page.get_by_role("option")).to_have_text(SCENARIOS)
    page.keyboard.press("Escape")
    expect(page.get_by_role("option")).to_have_count(0)
    expect(form.get_by_role("button", name="Remove xlsx tag")).to_be_visible()
    expect(form.get_by_role("button", name="Remove html tag")).to_be_visible()
    expect(field(form, "Folder (Optional)")).to_have_value("reports")
    expect(field(form, "File name (Optional)")).to_have_value("savings-{date}-{run}")
    expect(field(form, "Replace files of the same name (Optional)")).to_have_attribute("aria-checked", "false")
    currency = form.get_by_role("button", name="Select Currency of the files")
    expect(currency).to_have_text("assessment")
    currency.click()
    expect(page.get_by_role("option", name="EUR", exact=True)).to_be_visible()
    expect(page.get_by_role("option")).to_have_count(17)  # assessment and the shipped table's 16 currencies
    page.get_by_role("option", name="EUR", exact=True).click()
    expect(currency).to_have_text("EUR")
    keep_screenshot(page, "savings-report-form")

    first = submit_and_wait(page, prefect_ui, deployment, set())
    assert first["state_type"] == "COMPLETED", served.log()
    assert first["parameters"]["params"]["currency"] == "EUR"
    artifact = summary_artifact(prefect_ui, first)
    markdown = artifact["data"]
    assert re.search(r"\*\*Net cash flow over the next 12 months: [+-]EUR [\d,]+\*\*", markdown), markdown
    assert "Money in EUR, converted from USD (the model's currency) at 0.877578 EUR per USD, rate of 2026-08-03" \
        in markdown
    files = files_named(markdown)
    reports = served.folder / "files" / "reports"
    stem = files[0].stem
    assert files == [reports / f"{stem}.xlsx", reports / f"{stem}.html"], markdown
    assert re.fullmatch(rf"savings-\d{{4}}-\d\d-\d\d-{re.escape(first['name'])}", stem)
    assert all(file.is_file() and file.stat().st_size > 1000 for file in files)
    assert not (served.folder / "reports").exists(), "nothing in serve's working folder"
    assert "EUR " in files[1].read_text(encoding="utf-8")
    with httpx.Client(base_url=prefect_ui.api, timeout=10) as api:
        def headline_logged() -> list[str]:  # a run's logs reach the server in batches, a moment after it ends
            logs = api.post("/logs/filter", json={"logs": {"flow_run_id": {"any_": [first["id"]]}}}).json()
            return [log["message"] for log in logs if "12-month net cash flow" in log["message"]]

        (line,) = wait_until(headline_logged, timeout=60, what="the run's headline in its log")
    assert re.match(r"12-month net cash flow [+-]EUR \d{1,3}(,\d{3})*, payback ", line), line
    assert f"in {reports}" in line
    page.goto(f"{prefect_ui.url}/v2/artifacts/artifact/{artifact['id']}")
    shown = page.get_by_test_id("markdown-display")
    expect(shown.get_by_text("Files:", exact=True)).to_be_visible()
    expect(shown.get_by_text(str(files[0]), exact=True)).to_be_visible()
    keep_screenshot(page, "savings-report-artifact")
    before = {file: file.read_bytes() for file in files}
    modified = {file: file.stat().st_mtime_ns for file in files}

    # A second run under the first one's file name, the defaults otherwise: new files beside the first run's.
    form = open_form(page, prefect_ui, deployment["id"], SAVINGS_FORM)
    name = field(form, "File name (Optional)")
    name.fill(stem)
    expect(name).to_have_value(stem)
    second = submit_and_wait(page, prefect_ui, deployment, {first["id"]})
    assert second["state_type"] == "COMPLETED", served.log()
    again = files_named(summary_artifact(prefect_ui, second)["data"])
    assert again == [reports / f"{stem}-2.xlsx", reports / f"{stem}-2.html"]
    assert all(file.is_file() for file in again)
    assert {file: file.read_bytes() for file in files} == before
    assert {file: file.stat().st_mtime_ns for file in files} == modified
    assert "EUR " not in again[1].read_text(encoding="utf-8"), "the assessment's currency (USD) by default"
