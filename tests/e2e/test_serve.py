"""`lumen-migrate serve`: deployments with forms, finance's monthly schedule, a run started through the API."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from flows.deployments import MONTHLY_REPORT_CRON
from tests.e2e.conftest import REPO, run_cli, stop, wait_until

pytestmark = pytest.mark.e2e


def test_served_deployments_have_forms_a_monthly_schedule_and_run(tmp_path: Path, prefect_server: str) -> None:
    estate = tmp_path / "estate.csv"
    estate.write_text("*Server name,*Cores,*Memory (In MB),*OS name\nweb-01,2,4096,Ubuntu Linux 22.04\n"
                      "db-01,4,16384,Windows Server 2019\n", encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(REPO), "PREFECT_API_URL": prefect_server,
           "PREFECT_HOME": str(tmp_path / ".prefect-home"), "LUMEN_MIGRATE_DB_URL": f"sqlite:///{tmp_path / 'x.db'}"}
    with (tmp_path / "serve.out").open("w") as out:
        server = subprocess.Popen([sys.executable, "-m", "flows.cli", "serve"], cwd=tmp_path, env=env, stdout=out,
                                  stderr=subprocess.STDOUT)
    api = httpx.Client(base_url=prefect_server, timeout=10)
    try:
        def served() -> dict[str, dict[str, object]]:
            found = api.post("/deployments/filter", json={"deployments": {"tags": {"all_": ["lumen-migrate"]}}}).json()
            names = {deployment["name"]: deployment for deployment in found}
            wanted = {"monthly-savings-report", "import-inventory", "assess-estate", "run-wave", "run-due-waves"}
            return names if wanted <= set(names) else {}

        deployments = wait_until(served, timeout=180, what="the served deployments")
        monthly = deployments["monthly-savings-report"]
        assert [s["schedule"]["cron"] for s in monthly["schedules"]] == [MONTHLY_REPORT_CRON]
        # A typed form: the parameter schema carries the pydantic model's fields.
        schema = deployments["assess-estate"]["parameter_openapi_schema"]
        assert "AssessParameters" in str(schema) and "comfort_factor" in str(schema)
        wave_form = str(deployments["run-wave"]["parameter_openapi_schema"])
        assert "RunWaveParameters" in wave_form and "on_failure" in wave_form and "approval_timeout_hours" in wave_form
        # No approved wave, no schedule: run-due-waves runs only on the dates of approved waves.
        assert deployments["run-due-waves"]["schedules"] == []

        def created() -> httpx.Response | None:
            # The server shares its SQLite file with the runner's polling: a busy moment answers 5xx, and a client
            # (Prefect's own included) retries those.
            response = api.post(f"/deployments/{deployments['import-inventory']['id']}/create_flow_run",
                                json={"parameters": {"params": {"path": str(estate), "format": "auto"}}})
            if response.status_code >= 500:
                return None
            assert response.status_code in (200, 201), response.text
            return response

        run = wait_until(created, timeout=60, what="the flow run to be created").json()

        def finished() -> str | None:
            response = api.get(f"/flow_runs/{run['id']}")
            state = response.json()["state_type"] if response.status_code == 200 else None
            return state if state in ("COMPLETED", "FAILED", "CRASHED") else None

        assert wait_until(finished, timeout=180, what="the import run") == "COMPLETED"
    finally:
        stop(server)
        api.close()
    status = run_cli("--db", f"sqlite:///{tmp_path / 'x.db'}", "--json", "status", cwd=tmp_path)
    assert '"systems": 2' in status.stdout, (tmp_path / "serve.out").read_text()
