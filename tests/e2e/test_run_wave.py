"""Wave execution as engineers run it, against a real `prefect server start`: the approval gate (pause, partial
approval from the CLI, rejection and timeout roll back), one run per wave, status, rollback of a finished wave."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import REPO, Result, assert_clean, run_cli

pytestmark = pytest.mark.e2e


def query(folder: Path, sql: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(folder / "lumen-migrate.db") as connection:
        return connection.execute(sql).fetchall()


def production_wave(folder: Path) -> tuple[int, list[str]]:
    rows = query(folder, "SELECT w.number, s.name FROM wave w JOIN wave_member m ON m.wave_id = w.id "
                         "JOIN system s ON s.id = m.system_id JOIN assessment a ON a.system_id = s.id "
                         "WHERE s.environment = 'production' AND a.strategy IN ('rehost', 'replatform') "
                         "ORDER BY w.number, s.name")
    number = rows[0][0]
    return number, [name for wave, name in rows if wave == number]


def start(folder: Path, api_url: str, *args: str) -> subprocess.Popen[str]:
    env = {"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin", "HOME": str(folder), "PREFECT_API_URL": api_url,
           "PREFECT_HOME": str(folder / ".prefect-home")}
    return subprocess.Popen([sys.executable, "-m", "flows.cli", "--json", *args], cwd=folder, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_for(folder: Path, api_url: str, wave: int, status: str, *, timeout: float = 180) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        runs = json.loads(run_cli("--json", "status", cwd=folder).stdout)["runs"]
        mine = [run for run in runs if run["wave"] == wave]
        if mine and mine[-1]["status"] == status:
            return dict(mine[-1])
        time.sleep(1)
    raise AssertionError(f"wave {wave} never reached {status}")


def finish(process: subprocess.Popen[str]) -> Result:
    stdout, stderr = process.communicate(timeout=300)
    return Result(process.returncode, stdout, stderr)


@pytest.fixture
def background() -> Any:
    """Processes a test started; killed if the test ends before them."""
    started: list[subprocess.Popen[str]] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.kill()
            process.communicate()


def test_approval_gate_partial_approval_then_rejection_and_one_run_per_wave(
        estate: Path, prefect_server: str, background: list[subprocess.Popen[str]]) -> None:
    wave, names = production_wave(estate)
    assert len(names) >= 3
    running = start(estate, prefect_server, "run-wave", str(wave))
    background.append(running)
    paused = wait_for(estate, prefect_server, wave, "paused")
    assert paused["steps"]["approve"]["waiting"] >= len(names)
    listed = ", ".join(f"'{name}'" for name in names)
    assert query(estate, f"SELECT DISTINCT state FROM system WHERE name IN ({listed})") == [("migrating",)], \
        "no production workload is cut over before approval"

    second = run_cli("run-wave", str(wave), cwd=estate, api_url=prefect_server)
    assert second.code == 1 and f"wave {wave} is already running" in second.stderr, second.output
    assert_clean(second)

    approved = run_cli("approve", str(wave), "--system", names[0], "--change-ref", "CHG-1042", "--approver", "alice",
                       "--comment", "CAB ok", cwd=estate, api_url=prefect_server)
    assert approved.code == 0, approved.output
    deadline = time.monotonic() + 120
    while query(estate, f"SELECT state FROM system WHERE name = '{names[0]}'") != [("migrated",)]:
        assert time.monotonic() < deadline, "the approved workload was never cut over"
        time.sleep(1)
    wait_for(estate, prefect_server, wave, "paused")  # the others still wait
    assert query(estate, f"SELECT DISTINCT state FROM system WHERE name IN ({listed}) AND name != '{names[0]}'") \
        == [("migrating",)]
    misspelt = run_cli("approve", str(wave), "--system", names[1] + "-typo", "--change-ref", "CHG-1043",
                       cwd=estate, api_url=prefect_server)
    assert misspelt.code == 2 and "not waiting for approval" in misspelt.stderr and names[1] in misspelt.stderr, \
        misspelt.output
    no_reference = run_cli("approve", str(wave), "--all", cwd=estate, api_url=prefect_server)
    assert no_reference.code == 2 and "--change-ref" in no_reference.stderr, no_reference.output
    rejected = run_cli("approve", str(wave), "--all", "--reject", "--comment", "DBA on leave", "--approver", "bob",
                       "--change-ref", "CHG-1043", cwd=estate, api_url=prefect_server)
    assert rejected.code == 0, rejected.output
    result = finish(running)
    assert result.code == 0, result.output  # a rejection is an answer, not a failure: what moved has moved
    assert_clean(result)
    outcome = json.loads(result.stdout)
    assert (outcome["status"], outcome["rejected"]) == ("completed", len(names) - 1)
    by_system = {line["system"]: line["outcome"] for line in outcome["results"]}
    assert by_system[names[0]] == "migrated"
    assert {by_system[name] for name in names[1:]} == {"rejected"}
    (line,) = query(estate, "SELECT actor, detail FROM step_journal WHERE event = 'approved' AND actor = 'alice'")
    assert json.loads(line[1]) == {"comment": "CAB ok", "change_reference": "CHG-1042"}
    assert query(estate, "SELECT count(DISTINCT system_id) FROM step_journal WHERE event = 'rejected' "
                         "AND actor = 'bob'") == [(len(names) - 1,)]
    with_resources = {row[0] for row in sqlite3.connect(estate / "lumen-simulator" / "simulator.db").execute(
        "SELECT DISTINCT system_id FROM resource")}
    ids = dict(query(estate, f"SELECT name, id FROM system WHERE name IN ({listed})"))
    assert {name for name, system_id in ids.items() if system_id in with_resources} == {names[0]}, \
        "of the production workloads, only the approved one has Azure resources"
    # Failing the cut-over production workload back needs a reason, a change reference and the wave confirmed.
    refused = run_cli("rollback", str(wave), cwd=estate, api_url=prefect_server)
    assert refused.code == 2 and "production workload(s) already cut over" in refused.stderr, refused.output
    assert "nothing was undone" in refused.stderr
    assert query(estate, f"SELECT state FROM system WHERE name = '{names[0]}'") == [("migrated",)]
    undone = run_cli("--json", "rollback", str(wave), "--reason", "CAB reversed", "--change-ref", "CHG-1099",
                     "--approver", "erin", "--confirm", str(wave), cwd=estate, api_url=prefect_server)
    assert undone.code == 0, undone.output
    assert json.loads(undone.stdout)["status"] == "rolled_back"
    assert query(estate, "SELECT DISTINCT actor FROM step_journal WHERE step_key = 'rollback'") == [("erin",)]


def test_a_gate_nobody_answers_times_out_and_rolls_back(estate: Path, prefect_server: str) -> None:
    wave, names = production_wave(estate)
    result = run_cli("--json", "run-wave", str(wave), "--approval-timeout-hours", "0.0003", cwd=estate,
                     api_url=prefect_server)
    assert result.code == 0, result.output
    outcome = json.loads(result.stdout)
    assert {line["outcome"] for line in outcome["results"] if line["system"] in names} == {"rejected"}
    assert query(estate, "SELECT DISTINCT actor FROM step_journal WHERE event = 'rejected'") == [("timeout",)]
    ids = {row[0] for row in query(estate, "SELECT id FROM system WHERE name IN ("
                                           + ", ".join(f"'{name}'" for name in names) + ")")}
    simulator = sqlite3.connect(estate / "lumen-simulator" / "simulator.db")
    assert not ids & {row[0] for row in simulator.execute("SELECT system_id FROM resource")}


def test_pilot_wave_runs_without_a_gate_then_rolls_back_from_the_journal(estate: Path, prefect_server: str) -> None:
    dry = run_cli("run-wave", "0", "--dry-run", cwd=estate)
    assert dry.code == 0 and dry.stdout.startswith("Runbook for wave 0"), dry.output
    done = run_cli("--json", "run-wave", "0", cwd=estate, api_url=prefect_server)
    assert done.code == 0, done.output
    assert_clean(done)
    assert json.loads(done.stdout)["status"] == "completed"
    status = json.loads(run_cli("--json", "status", cwd=estate).stdout)
    assert [w["status"] for w in status["waves"] if w["number"] == 0] == ["completed"]
    simulator = sqlite3.connect(estate / "lumen-simulator" / "simulator.db")
    before = simulator.execute("SELECT id FROM resource ORDER BY id").fetchall()
    planned = run_cli("--json", "rollback", "0", "--dry-run", cwd=estate)  # no Prefect needed: it only reads
    assert planned.code == 0, planned.output
    plan = json.loads(planned.stdout)
    assert plan["dry_run"] and plan["plan"].startswith("Rollback of wave 0 run ")
    assert {resource for row in plan["workloads"] for resource in row["resources"].split(", ") if resource} == \
        {row[0] for row in before}, "the plan names exactly the resources the journal recorded"
    assert simulator.execute("SELECT id FROM resource ORDER BY id").fetchall() == before, "a dry run changes nothing"
    assert [w["status"] for w in json.loads(run_cli("--json", "status", cwd=estate).stdout)["waves"]
            if w["number"] == 0] == ["completed"]
    undone = run_cli("--json", "rollback", "0", cwd=estate, api_url=prefect_server)
    assert undone.code == 0, undone.output
    assert json.loads(undone.stdout)["status"] == "rolled_back"
    simulator = sqlite3.connect(estate / "lumen-simulator" / "simulator.db")
    assert simulator.execute("SELECT count(*) FROM resource").fetchone() == (0,)
    assert simulator.execute("SELECT DISTINCT serving_from FROM legacy").fetchall() == [("legacy",)]


def test_edited_runbook_is_versioned_and_its_shell_step_runs(estate: Path, prefect_server: str) -> None:
    (estate / "edits.yaml").write_text(
        "added:\n"
        "  - {name: dns-switch, kind: shell, anchor: cutover, placement: after, command: [/bin/echo, '{system}']}\n"
        "  - {name: notify-noc, kind: shell, group: initialization, command: [/bin/true]}\n"
        "dropped: [validate]\n", encoding="utf-8")
    stored = run_cli("--json", "runbook", "0", "--edits", "edits.yaml", "--comment", "CAB wants DNS", cwd=estate)
    assert stored.code == 0, stored.output
    payload = json.loads(stored.stdout)
    assert payload["version"] == 2 and "shell 'dns-switch' `/bin/echo {system}`" in payload["runbook"]
    assert "validate" not in payload["runbook"].split("[workloads]", 1)[1]
    (estate / "bad.yaml").write_text("dropped: [cutover]\n", encoding="utf-8")
    refused = run_cli("runbook", "0", "--edits", "bad.yaml", cwd=estate)
    assert refused.code == 2 and "step kind 'cutover' cannot be dropped" in refused.stderr, refused.output
    done = run_cli("--json", "run-wave", "0", cwd=estate, api_url=prefect_server)
    assert done.code == 0, done.output
    lines = query(estate, "SELECT s.name, j.detail FROM step_journal j JOIN system s ON s.id = j.system_id "
                          "WHERE j.step_key LIKE '%shell:dns-switch' AND j.event = 'succeeded'")
    assert lines and all(json.loads(detail)["stdout"].strip() == name for name, detail in lines)
    assert query(estate, "SELECT count(*) FROM step_journal WHERE step_key = 'initialization/shell:notify-noc' "
                         "AND event = 'succeeded'") == [(1,)]
    assert query(estate, "SELECT max(runbook_version) FROM wave_run") == [(2,)]
