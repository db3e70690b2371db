"""End-to-end fixtures: the installed CLI in a subprocess, against a real Prefect server started once."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest

REPO = Path(__file__).resolve().parents[2]
T = TypeVar("T")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def stop(process: subprocess.Popen[Any], *, timeout: float = 30) -> None:
    """Ask a process to end; kill it if it has not within `timeout` seconds."""
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextlib.contextmanager
def prefect_server_process(home: Path, *, ui: bool = False) -> Iterator[str]:
    """A real `prefect server start` on a free port, its state in `home`; yields its address
    (http://127.0.0.1:PORT, the API under /api). With `ui`, the UI is served too and told where the API is."""
    port = _free_port()
    address = f"http://127.0.0.1:{port}"
    env = {**os.environ, "PREFECT_HOME": str(home), "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
           "PREFECT_UI_ENABLED": "true" if ui else "false", "PREFECT_SERVER_LOGGING_LEVEL": "WARNING"}
    if ui:
        env["PREFECT_UI_API_URL"] = f"{address}/api"
    env.pop("PREFECT_API_URL", None)
    log = (home / "server.log").open("w")
    process = subprocess.Popen([sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1",
                                "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 120
    try:
        while True:
            try:
                if httpx.get(f"{address}/api/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"prefect server did not start; see {home / 'server.log'}")
            time.sleep(0.5)
        yield address
    finally:
        stop(process, timeout=20)
        log.close()


@pytest.fixture(scope="session")
def prefect_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real `prefect server start` for the session (what a team runs); yields its API URL."""
    with prefect_server_process(tmp_path_factory.mktemp("prefect-home")) as address:
        yield f"{address}/api"


@dataclass(frozen=True)
class Result:
    code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def run_cli(*args: str, cwd: Path, api_url: str | None = None, timeout: float = 600,
            env: dict[str, str] | None = None) -> Result:
    """Run `lumen-migrate` as a user would (the installed console script's module), in `cwd`."""
    full_env = {**os.environ, "PREFECT_HOME": str(cwd / ".prefect-home"), **(env or {})}
    full_env.pop("LUMEN_MIGRATE_DB_URL", None)
    if api_url:
        full_env["PREFECT_API_URL"] = api_url
    else:
        full_env.pop("PREFECT_API_URL", None)
    completed = subprocess.run([sys.executable, "-m", "flows.cli", *args], cwd=cwd, env={
        **full_env, "PYTHONPATH": str(REPO)}, capture_output=True, text=True, timeout=timeout)
    return Result(completed.returncode, completed.stdout, completed.stderr)


def wait_until(predicate: Callable[[], T | None], *, timeout: float, what: str) -> T:
    """Poll `predicate` every second until it returns something true; that value, or AssertionError naming `what`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(1)
    raise AssertionError(f"timed out waiting for {what}")


def plan_sample_estate(folder: Path, api_url: str) -> Path:
    """A 60-system sample estate, assessed and planned (pilot wave 0 non-production, then production waves)."""
    for args in (("sample-inventory", "--systems", "60", "--out", "estate.csv"), ("import", "estate.csv"),
                 ("import", "estate-dependencies.csv"), ("assess",), ("plan", "--pilot-max-systems", "4")):
        result = run_cli(*args, cwd=folder, api_url=api_url)
        assert result.code == 0, result.output
    return folder


@pytest.fixture(scope="module")
def planned(tmp_path_factory: pytest.TempPathFactory, prefect_server: str) -> Path:
    """The sample estate, planned once per test module (each test works on a copy: `estate`)."""
    return plan_sample_estate(tmp_path_factory.mktemp("planned"), prefect_server)


@pytest.fixture
def estate(planned: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "estate"
    shutil.copytree(planned, folder, ignore=shutil.ignore_patterns(".prefect-home"))
    return folder


def assert_clean(result: Result) -> None:
    """No Prefect noise on the terminal: no traceback, no ERROR lines."""
    for line in result.output.splitlines():
        assert "Traceback" not in line, result.output
        assert "ERROR" not in line, result.output


# ---------------------------------------------------------------- the Prefect UI in a browser (tests/e2e/ui.py)
@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from tests.e2e.browser import chromium

    with chromium() as launched:
        yield launched


@pytest.fixture(scope="module")
def prefect_ui(browser: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """`prefect server start` with its UI on (the session's server has it off); needs the browser first, so a
    machine without one skips before paying for a server start."""
    from tests.e2e.ui import PrefectUI

    home = tmp_path_factory.mktemp("prefect-ui-home")
    with prefect_server_process(home, ui=True) as address:
        yield PrefectUI(address, home)


@pytest.fixture
def page(browser: Any, prefect_ui: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A page that reaches nothing beyond this machine; its last view is kept as a screenshot when the test ends."""
    from urllib.parse import urlsplit

    from playwright.sync_api import expect

    from tests.e2e.ui import UI_WAIT_MS, keep_screenshot

    context = browser.new_context(viewport={"width": 1400, "height": 1400})
    # The UI loads an analytics SDK that fetches its configuration from the internet: nothing leaves this machine.
    context.route(lambda url: urlsplit(url).hostname != "127.0.0.1", lambda route: route.abort())
    context.set_default_timeout(UI_WAIT_MS)
    expect.set_options(timeout=UI_WAIT_MS)  # every assertion waits as long as a busy machine needs to render
    opened = context.new_page()
    try:
        yield opened
    finally:
        try:
            keep_screenshot(opened, f"{request.node.name}-last")
        except Exception:  # noqa: BLE001 - a screenshot that cannot be taken must not hide the test's own result
            pass
        context.close()
