"""The CLI as a user runs it: import, re-import, bad input, status; Prefect runs visible on the server."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import REPO, assert_clean, run_cli

pytestmark = pytest.mark.e2e

HEADER = "*Server name,*Cores,*Memory (In MB),*OS name,CPU utilization percentage,Disk 1 size (In GB)\n"
GOOD = HEADER + "web-01,2,4096,Ubuntu Linux 22.04,12,64\napp-01,4,8192,Windows Server 2019,35,128\n" \
                "db-01,8,32768,Red Hat Enterprise Linux 8,50,512\n"


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_import_reimport_status_and_flow_runs_on_the_server(tmp_path: Path, prefect_server: str) -> None:
    estate = write(tmp_path / "estate.csv", GOOD)
    first = run_cli("--json", "import", str(estate), cwd=tmp_path, api_url=prefect_server)
    assert first.code == 0, first.output
    assert_clean(first)
    result = json.loads(first.stdout)
    assert result["format"] == "azure-migrate"
    assert result["systems"] == {"added": 3, "changed": 0, "unchanged": 0, "removed": 0}
    assert (tmp_path / "lumen-migrate.db").exists(), "the default database is a SQLite file in the working dir"

    again = run_cli("--json", "import", str(estate), cwd=tmp_path, api_url=prefect_server)
    assert json.loads(again.stdout)["systems"] == {"added": 0, "changed": 0, "unchanged": 3, "removed": 0}

    write(estate, HEADER + "web-01,4,4096,Ubuntu Linux 22.04,12,64\napp-01,4,8192,Windows Server 2019,35,128\n")
    changed = json.loads(run_cli("--json", "import", str(estate), cwd=tmp_path, api_url=prefect_server).stdout)
    assert changed["systems"] == {"added": 0, "changed": 1, "unchanged": 1, "removed": 1}

    status = run_cli("--json", "status", cwd=tmp_path)
    assert status.code == 0, status.output
    counts = json.loads(status.stdout)
    assert counts["systems"] == 2 and counts["removed"] == 1 and counts["imports"] == 3

    runs = httpx.post(f"{prefect_server}/flow_runs/filter", json={
        "flows": {"name": {"any_": ["import-inventory"]}}}, timeout=10).json()
    assert sum(run["state_type"] == "COMPLETED" for run in runs) >= 3


def test_bad_input_exits_2_names_file_row_column_and_writes_nothing(tmp_path: Path, prefect_server: str) -> None:
    write(tmp_path / "estate.csv", GOOD)
    assert run_cli("import", "estate.csv", cwd=tmp_path, api_url=prefect_server).code == 0
    bad = write(tmp_path / "bad.csv", HEADER + "x-01,two,4096,Ubuntu,1,10\nx-02,2,-5,Ubuntu,1,10\n")
    result = run_cli("import", str(bad.name), cwd=tmp_path, api_url=prefect_server)
    assert result.code == 2, result.output
    assert_clean(result)
    assert "bad.csv:2:*Cores: expected a whole number, got 'two'" in result.stderr
    assert "bad.csv:3:*Memory (In MB): must be at least 1, got -5" in result.stderr
    status = json.loads(run_cli("--json", "status", cwd=tmp_path).stdout)
    assert status["systems"] == 3 and status["imports"] == 1


def test_missing_file_and_unknown_format_are_bad_input(tmp_path: Path) -> None:
    missing = run_cli("import", "nope.csv", cwd=tmp_path)
    assert missing.code == 2 and "nope.csv: file not found" in missing.stderr
    write(tmp_path / "odd.csv", "alpha,beta\n1,2\n")
    odd = run_cli("--json", "import", "odd.csv", "--format", "nonsense", cwd=tmp_path)
    assert odd.code == 2
    assert "unknown format 'nonsense'" in json.loads(odd.stdout)["problems"][0]


def test_import_on_the_temporary_server_prints_no_prefect_noise(tmp_path: Path) -> None:
    """No PREFECT_API_URL: Prefect starts its temporary server; none of its noise reaches the terminal."""
    write(tmp_path / "estate.csv", GOOD)
    result = run_cli("import", "estate.csv", cwd=tmp_path)
    assert result.code == 0, result.output
    assert_clean(result)
    assert "3 added" in result.stdout
    assert "Starting temporary server" not in result.output
    assert (tmp_path / "lumen-migrate.log").exists(), "Prefect's logs go to the log file"


def test_read_only_commands_never_import_prefect(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from flows.cli import app\n"
        f"result = CliRunner().invoke(app, ['--db', 'sqlite:///{tmp_path / 'x.db'}', '--json', 'status'])\n"
        "assert result.exit_code == 0, result.output\n"
        "print('prefect' in sys.modules)\n"
    )
    completed = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip().splitlines()[-1] == "False"
