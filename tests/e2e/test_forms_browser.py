"""The Prefect UI forms of the planning deployments in headless Chromium, as a new user meets them: every form opens
with its fields (not an "Optional" switch), known lists as dropdowns with their defaults, a typo refused in the
form before any run exists, and the demo started from the UI working in its own folder and database while the
configured one, holding a planned estate, keeps every row.

One UI server and one `lumen-migrate serve` for the module; its database is the planned sample estate.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from flows.parameters import IMPORT_FORMATS
from tests.e2e.conftest import plan_sample_estate, wait_until
from tests.e2e.ui import PrefectUI, Served, field, keep_screenshot, open_form, serving

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

DEPLOYMENTS = ("import-inventory", "assess-estate", "plan-waves", "demo", "refresh-price-catalog")


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, prefect_ui: PrefectUI) -> Iterator[Served]:
    """`lumen-migrate serve` whose configured database holds the planned sample estate; its files folder is
    FOLDER/files."""
    folder = plan_sample_estate(tmp_path_factory.mktemp("forms"), prefect_ui.api)
    with serving(folder, prefect_ui.api, wait_for=DEPLOYMENTS) as running:
        yield running


def dropdown(page: Page, form: Locator, title: str, *, shows: str, options: list[str]) -> None:
    """The field `title` is a dropdown showing `shows`, offering exactly `options`."""
    from playwright.sync_api import expect

    button = form.get_by_role("button", name=f"Select {title}")
    expect(button).to_have_text(shows)
    button.click()
    expect(page.get_by_role("option")).to_have_text(options)
    page.keyboard.press("Escape")
    expect(page.get_by_role("option")).to_have_count(0)


def list_field(form: Locator, title: str) -> Locator:
    """The list field titled `title`: its label, its rows and its Add item button (the nearest block holding both)."""
    return form.get_by_text(title, exact=True).locator(
        "xpath=ancestor::*[.//button[normalize-space()='Add item']][1]")


def runs_of(api: str, deployment: dict[str, Any]) -> list[dict[str, Any]]:
    """The deployment's flow runs. The server shares its SQLite file with serve's polling: a busy moment answers
    5xx, and a client (Prefect's own included) asks again."""
    def answered() -> httpx.Response | None:
        response = httpx.post(f"{api}/flow_runs/filter", timeout=10,
                              json={"deployments": {"id": {"any_": [deployment["id"]]}}})
        return None if response.status_code >= 500 else response

    response = wait_until(answered, timeout=60, what="the server to answer")
    response.raise_for_status()
    runs: list[dict[str, Any]] = response.json()
    return runs


def test_the_import_form_asks_for_the_file_and_offers_the_formats(
        served: Served, page: Page, prefect_ui: PrefectUI) -> None:
    from playwright.sync_api import expect

    form = open_form(page, prefect_ui, served.deployments["import-inventory"]["id"],
                     "One inventory file imported in one transaction")
    path = field(form, "Inventory file")  # required: no "(Optional)"
    expect(path).to_have_value("")
    expect(form.get_by_text(f"A relative path is taken under {served.folder / 'files'} (its")).to_be_visible()
    dropdown(page, form, "Format", shows="auto", options=list(IMPORT_FORMATS))
    expect(field(form, "Source name (empty: the file name) (Optional)")).to_have_value("")
    keep_screenshot(page, "form-import-inventory")


def test_the_assess_form_offers_azure_migrates_settings_as_dropdowns(
        served: Served, page: Page, prefect_ui: PrefectUI) -> None:
    from playwright.sync_api import expect

    from migrations_plan.pricing.store import load_catalog

    form = open_form(page, prefect_ui, served.deployments["assess-estate"]["id"], "Assessment settings under Azure "
                     "Migrate's names")
    dropdown(page, form, "Target location (Azure region)", shows="eastus2", options=list(load_catalog().regions()))
    dropdown(page, form, "Sizing criteria", shows="performance-based", options=["performance-based",
                                                                                "as-on-premises"])
    dropdown(page, form, "Percentile utilization", shows="95", options=["50", "90", "95", "99"])
    dropdown(page, form, "Savings option (compute)", shows="payg", options=["payg", "ri1y", "ri3y"])
    dropdown(page, form, "Environment of systems without one", shows="production",
             options=["production", "staging", "test", "development", "dr"])
    expect(form.get_by_role("button", name="Select Currency")).to_have_text("USD")
    expect(field(form, "Comfort factor (Optional)")).to_have_value("1.3")
    expect(field(form, "Azure Hybrid Benefit (Optional)")).to_have_attribute("aria-checked", "false")
    expect(field(form, "Strategy rules file (empty: the shipped rules) (Optional)")).to_have_value("")
    # Overrides: rows of a system and a strategy (a dropdown of the 7 Rs).
    overrides = list_field(form, "Overrides (Optional)")
    overrides.get_by_role("button", name="Add item").click()
    expect(field(overrides, "System")).to_be_visible()
    overrides.get_by_role("button", name="Select Strategy").click()
    expect(page.get_by_role("option")).to_have_text(["rehost", "replatform", "refactor", "repurchase", "retire",
                                                      "retain", "relocate"])
    page.keyboard.press("Escape")
    keep_screenshot(page, "form-assess-estate")


def test_the_plan_form_shows_its_limits_and_what_an_empty_date_means(
        served: Served, page: Page, prefect_ui: PrefectUI) -> None:
    from playwright.sync_api import expect

    form = open_form(page, prefect_ui, served.deployments["plan-waves"]["id"], "Move groups of dependent systems")
    expect(field(form, "Most systems per wave (Optional)")).to_have_value("50")
    expect(field(form, "Most storage per wave (TB) (Optional)")).to_have_value("20")
    expect(field(form, "Days between waves (Optional)")).to_have_value("14")
    expect(form.get_by_text("First wave's date (empty: 14 days from the run) (Optional)", exact=True)).to_be_visible()
    dropdown(page, form, "What the wave order optimises", shows="cash-12m",
             options=["cash-12m", "cash-36m", "risk-first"])
    expect(field(form, "No production system before wave (Optional)")).to_have_value("")
    pins = list_field(form, "Pinned systems (Optional)")
    pins.get_by_role("button", name="Add item").click()
    expect(field(pins, "System")).to_be_visible()
    expect(field(pins, "Wave")).to_have_attribute("min", "0")
    keep_screenshot(page, "form-plan-waves")


def test_a_typo_is_refused_in_the_form_and_no_run_is_created(
        served: Served, page: Page, prefect_ui: PrefectUI) -> None:
    from playwright.sync_api import expect

    deployment = served.deployments["plan-waves"]
    form = open_form(page, prefect_ui, deployment["id"], "Move groups of dependent systems")
    most = field(form, "Most systems per wave (Optional)")
    most.fill("-5")
    page.get_by_role("button", name="Submit").click()
    # The browser holds the form back, saying why, beside the field.
    assert most.evaluate("input => input.validationMessage") == "Value must be greater than or equal to 1."
    most.fill("40")
    pins = list_field(form, "Pinned systems (Optional)")
    pins.get_by_role("button", name="Add item").click()
    field(pins, "System").fill("crm-01")
    wave = field(pins, "Wave")
    wave.fill("-1")
    page.get_by_role("button", name="Submit").click()
    assert wave.evaluate("input => input.validationMessage") == "Value must be greater than or equal to 0."
    # What the browser cannot check, the schema does: a plan file that is not .xlsx or .csv.
    wave.fill("2")
    files = list_field(form, "Plan files to write (.xlsx or .csv) (Optional)")
    files.get_by_role("button", name="Add item").click()
    files.locator("textarea").fill("plan.pdf")
    page.get_by_role("button", name="Submit").click()
    # Beside the field, and in the server's toast when it answered first: either says it.
    expect(form.get_by_text("'plan.pdf' does not match").first).to_be_visible()
    keep_screenshot(page, "form-plan-waves-refused")
    page.wait_for_timeout(2000)  # a run the form had sent would be there by now (waited through the page, see below)
    assert runs_of(prefect_ui.api, deployment) == []


def rows(database: Path) -> list[str]:
    with sqlite3.connect(database) as connection:
        return list(connection.iterdump())


def test_the_demo_from_the_ui_works_in_its_own_folder_and_database(
        served: Served, page: Page, prefect_ui: PrefectUI) -> None:
    from playwright.sync_api import expect

    configured = served.folder / "lumen-migrate.db"
    before = rows(configured)
    deployment = served.deployments["demo"]
    form = open_form(page, prefect_ui, deployment["id"], "all in the demo's own folder and database")
    folder = field(form, "Demo folder (Optional)")
    expect(folder).to_have_value("lumen-demo")
    expect(form.get_by_text(f"A relative path is taken under {served.folder / 'files'} (its")).to_be_visible()
    systems = field(form, "Systems in the sample estate (Optional)")
    expect(systems).to_have_value("3000")
    systems.fill("40")
    keep_screenshot(page, "form-demo")
    page.get_by_role("button", name="Submit").click()
    # Waited for through the page: its requests pass this process's route handler, which runs only inside a
    # Playwright call (a plain sleep would hold the form's request back).
    expect(page.get_by_text("scheduled to start now")).to_be_visible()

    def finished() -> dict[str, Any] | None:
        runs = runs_of(prefect_ui.api, deployment)
        return runs[0] if runs[0]["state_type"] in ("COMPLETED", "FAILED", "CRASHED") else None

    run = wait_until(finished, timeout=600, what="the demo started from the form")
    assert run["state_type"] == "COMPLETED", served.log()
    assert rows(configured) == before, "the configured database keeps every row"
    demo = served.folder / "files" / "lumen-demo"
    demo_systems = sqlite3.connect(demo / "lumen-migrate.db").execute("select count(*) from system").fetchone()
    assert demo_systems == (40,)
    assert (demo / "wave-plan.xlsx").exists() and (demo / "simulator").is_dir()


def test_the_catalog_refresh_form_lists_regions_and_the_catalog_file(
        served: Served, page: Page, prefect_ui: PrefectUI) -> None:
    from playwright.sync_api import expect

    form = open_form(page, prefect_ui, served.deployments["refresh-price-catalog"]["id"],
                     "Current prices from the Azure Retail Prices API")
    regions = list_field(form, "Regions to refresh (Optional)")
    expect(regions.locator("textarea")).to_have_value("eastus2")
    expect(field(form, "Catalog file (empty: the one assessments use) (Optional)")).to_have_value("")
    keep_screenshot(page, "form-refresh-price-catalog")
