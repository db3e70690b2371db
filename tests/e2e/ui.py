"""The Prefect UI in headless Chromium for browser tests: a real `prefect server start` with its UI on, a page that
never reaches past this machine, `lumen-migrate serve` against it, and screenshots kept as test artifacts.

Test modules use the fixtures through `tests/e2e/conftest.py` (`browser`, `prefect_ui`, `page`) and call
`serving(...)` for a served set of deployments on a folder of their own.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

from tests.e2e.conftest import REPO, stop, wait_until

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

# A page of the UI can take several seconds to hydrate on a busy machine (Playwright's `expect` waits 5 s unless told).
UI_WAIT_MS = 60_000
# Where screenshots are kept for people to look at after a run (CI keeps the folder): LUMEN_MIGRATE_TEST_ARTIFACTS,
# default test-artifacts/ at the top of the checkout (ignored by git).
ARTIFACTS_ENV = "LUMEN_MIGRATE_TEST_ARTIFACTS"


@dataclass(frozen=True)
class PrefectUI:
    url: str  # where a person opens the UI
    home: Path  # the server's PREFECT_HOME; its output is in server.log there

    @property
    def api(self) -> str:
        return f"{self.url}/api"


def artifacts_dir() -> Path:
    folder = Path(os.environ.get(ARTIFACTS_ENV) or REPO / "test-artifacts") / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def keep_screenshot(page: Page, name: str) -> Path:
    """A full-page screenshot of what the test sees now, kept under the artifacts folder as NAME.png."""
    path = artifacts_dir() / f"{re.sub(r'[^A-Za-z0-9_.-]+', '-', name)}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


@dataclass(frozen=True)
class Served:
    """`lumen-migrate serve` running on `folder`: its deployments by name, and its output file."""

    folder: Path
    deployments: dict[str, dict[str, Any]]
    output: Path

    def log(self) -> str:
        return self.output.read_text(errors="replace")


@contextmanager
def serving(folder: Path, api: str, *, wait_for: tuple[str, ...] = ("run-wave",),
            env: dict[str, str] | None = None) -> Iterator[Served]:
    """`lumen-migrate serve` in `folder` (its database the folder's lumen-migrate.db unless `env` names another),
    until the deployments named in `wait_for` are registered."""
    full_env = {**os.environ, "PYTHONPATH": str(REPO), "PREFECT_API_URL": api,
                "PREFECT_HOME": str(folder / ".prefect-home"),
                "LUMEN_MIGRATE_DB_URL": f"sqlite:///{folder / 'lumen-migrate.db'}",
                "LUMEN_MIGRATE_FILES_DIR": str(folder / "files"), **(env or {})}
    output = folder / "serve.out"
    # Another serve of this server (an earlier test's) registered the same deployments: wait for this one's.
    started = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    with output.open("w") as out:
        server = subprocess.Popen([sys.executable, "-m", "flows.cli", "serve"], cwd=folder, env=full_env, stdout=out,
                                  stderr=subprocess.STDOUT)
    try:
        with httpx.Client(base_url=api, timeout=10) as client:
            def registered() -> dict[str, dict[str, Any]] | None:
                found = client.post("/deployments/filter", json={"deployments": {
                    "name": {"any_": list(wait_for)}, "tags": {"all_": ["lumen-migrate"]}}})
                if found.status_code != 200:
                    return None
                by_name = {deployment["name"]: deployment for deployment in found.json()
                           if dt.datetime.fromisoformat(deployment["updated"]) >= started}
                return by_name if set(wait_for) <= set(by_name) else None

            deployments = wait_until(registered, timeout=180, what=f"the served deployments {', '.join(wait_for)}")
        yield Served(folder, deployments, output)
    finally:
        stop(server)


def field(form: Locator, label: str) -> Locator:
    """A form field by its visible label: the label is tied to its input, so this fails if either is missing."""
    return form.get_by_label(label, exact=True)


def open_form(page: Page, prefect_ui: PrefectUI, deployment_id: str, heading: str) -> Locator:
    """A deployment's run form, once its parameters are on screen (`heading`: text of the model's description) and
    the UI has filled them in (typing before that is lost, or not submitted). The parameters are the model's own
    fields: no switch between the model and None in front of them."""
    from playwright.sync_api import expect

    page.goto(f"{prefect_ui.url}/v2/deployments/deployment/{deployment_id}/run")
    form = page.locator("main")
    expect(form.get_by_text(heading, exact=False).first).to_be_visible(timeout=UI_WAIT_MS)
    expect(form.get_by_text("Property is type", exact=False)).to_have_count(0)
    expect(form.get_by_text("params (Optional)", exact=True)).to_have_count(0)
    page.wait_for_load_state("networkidle")
    return form
