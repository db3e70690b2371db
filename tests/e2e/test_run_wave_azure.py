"""`run-wave --backend azure` as an engineer runs it: the CLI in a subprocess, credentials and subscription from the
environment, the real SDK against the local ARM stand-in, a real Prefect server, a shell adapters file. The dry run
creates nothing; a run lands tagged resources and rollback removes them all; a wrong secret is one line; the
secret is nowhere afterwards (output, log file, database, artifacts, Prefect's logs)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import httpx
import pytest

from tests.arm_standin import ArmStandIn
from tests.e2e.conftest import assert_clean, run_cli
from tests.integration.test_execution_azure import zone_env

pytestmark = pytest.mark.e2e

RECORD = "import sys, pathlib; pathlib.Path(sys.argv[1]).open('a').write(' '.join(sys.argv[2:]) + '\\n')"


def adapters_file(folder: Path) -> Path:
    """Every operation appends its name and the workload's values to adapter.log (what a real script would act on)."""
    log = folder / "adapter.log"
    lines = [f"{operation}: [{sys.executable!r}, '-c', {RECORD!r}, {str(log)!r}, '{operation}', '{{system}}', "
             f"'{{resource_group}}', '{{resources}}']"
             for operation in ("replicate", "test_migration", "cutover", "validate", "finalize", "stop_replication",
                               "clean_up_test", "fail_back")]
    path = folder / "adapters.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def env_for(arm: ArmStandIn, **extra: str) -> dict[str, str]:
    return {**zone_env(arm), "LUMEN_MIGRATE_AZURE_POLLING_INTERVAL_S": "0.05", **extra}


def test_the_dry_run_prints_every_what_if_and_creates_nothing(estate: Path, arm: ArmStandIn) -> None:
    result = run_cli("run-wave", "0", "--backend", "azure", "--dry-run", cwd=estate, env=env_for(arm))
    assert result.code == 0, result.output
    assert_clean(result)
    assert result.stdout.startswith("Runbook for wave 0")
    assert "What-if (nothing was created):" in result.stdout
    assert "resource group lm-wave-0 does not exist: it would be created" in result.stdout
    assert "Create    /subscriptions/" in result.stdout and "Microsoft.Compute/virtualMachines" in result.stdout
    assert arm.resource_groups() == [] and arm.resources() == [] and arm.deployments() == []
    as_json = json.loads(run_cli("--json", "run-wave", "0", "--backend", "azure", "--dry-run", cwd=estate,
                                 env=env_for(arm)).stdout)
    assert as_json["what_if"] and all(line["changes"] for line in as_json["what_if"] if not line["problem"])


def test_a_wave_lands_in_azure_and_rolls_back_to_nothing_and_the_secret_is_nowhere(
        estate: Path, arm: ArmStandIn, prefect_server: str) -> None:
    arm.configure(retry_after=0)
    adapters = adapters_file(estate)
    done = run_cli("--json", "run-wave", "0", "--backend", "azure", "--adapters", str(adapters), cwd=estate,
                   api_url=prefect_server, env=env_for(arm))
    assert done.code == 0, done.output
    assert_clean(done)
    outcome = json.loads(done.stdout)
    assert outcome["status"] == "completed" and outcome["migrated"] == outcome["workloads"] > 0
    assert arm.resources(), "resources were deployed"
    assert all(r.tags["lumen-migrate:wave"] == "0" and r.tags["lumen-migrate:run"] == str(outcome["run_id"])
               for r in arm.resources())
    log = (estate / "adapter.log").read_text().splitlines()
    replicated = {line.split()[1] for line in log if line.startswith("replicate ")}
    assert replicated == {line["system"] for line in outcome["results"]}, "each workload was replicated"
    cutover = next(line for line in log if line.startswith("cutover "))
    assert "lm-wave-0" in cutover and "/providers/" in cutover, "the adapter got the group and the resource ids"

    status = json.loads(run_cli("--json", "status", cwd=estate).stdout)
    assert [run["backend"] for run in status["runs"] if run["wave"] == 0] == ["azure"]
    undone = run_cli("--json", "rollback", "0", "--adapters", str(adapters), cwd=estate, api_url=prefect_server,
                     env=env_for(arm))  # the run's backend (azure) without being told
    assert undone.code == 0, undone.output
    assert json.loads(undone.stdout)["status"] == "rolled_back"
    assert arm.resources() == [] and arm.deployments() == [] and arm.resource_groups() == []
    assert any(line.startswith("fail_back ") for line in (estate / "adapter.log").read_text().splitlines())

    secret = arm.client_secret
    assert secret not in done.output + undone.output
    for path in estate.rglob("*"):
        if path.is_file() and ".prefect-home" not in path.parts:
            assert secret.encode() not in path.read_bytes(), f"the secret is in {path.relative_to(estate)}"
    artifacts = httpx.post(f"{prefect_server}/artifacts/filter", json={"limit": 200}, timeout=30).json()
    assert artifacts and secret not in json.dumps(artifacts)
    runs = httpx.post(f"{prefect_server}/flow_runs/filter", json={"limit": 200}, timeout=30).json()
    assert secret not in json.dumps(runs), "not in any flow run's parameters"
    logs = httpx.post(f"{prefect_server}/logs/filter", json={"limit": 200}, timeout=30).json()
    assert logs and secret not in json.dumps(logs)


def test_a_wrong_secret_is_one_line_saying_what_was_tried(estate: Path, arm: ArmStandIn) -> None:
    wrong = "not-the-secret-" + arm.client_secret[::-1]
    result = run_cli("run-wave", "0", "--backend", "azure", "--dry-run", cwd=estate,
                     env=env_for(arm, AZURE_CLIENT_SECRET=wrong))
    assert result.code == 1, result.output
    assert_clean(result)
    said = [line for line in result.stderr.splitlines() if line.strip()]
    assert [line.split(":")[0] for line in said] == ["error", "hint"], result.stderr  # no SDK warning besides
    assert "Azure sign-in failed with service principal" in said[0] and "Invalid client secret" in said[0]
    assert wrong not in result.output and arm.client_secret not in result.output
    assert arm.resource_groups() == []
