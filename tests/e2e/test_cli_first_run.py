"""A new user's first commands: bad input is answered before Prefect starts, global options go anywhere, a slow or
missing Prefect server is one clear line, and Azure Migrate's own discovery workbook imports."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from flows.cli import assess_fields, hoist_global_options
from tests.e2e.conftest import REPO, assert_clean, run_cli
from tests.unit.test_import_azure_migrate_discovery import report

pytestmark = pytest.mark.e2e

GOOD = "*Server name,*Cores,*Memory (In MB),*OS name\nweb-01,2,4096,Ubuntu Linux 22.04\n"


def run_in_process(tmp_path: Path, *args: str) -> tuple[int, str, bool]:
    """Run the CLI inside a fresh interpreter; report its exit code, its output and whether Prefect was imported
    (nothing can start a Prefect server without importing it)."""
    code = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from flows.cli import app\n"
        f"result = CliRunner().invoke(app, {list(args)!r})\n"
        "sys.stdout.write(repr((result.exit_code, result.output, 'prefect' in sys.modules)))\n"
    )
    completed = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True,
                               timeout=120, env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin",
                                                 "HOME": str(tmp_path)})
    assert completed.returncode == 0, completed.stderr
    exit_code, output, imported = eval(completed.stdout)  # noqa: S307 - our own repr of a tuple
    return exit_code, output, imported


@pytest.mark.parametrize(("args", "expected"), [
    (["import", "nope.csv"], "error: nope.csv: file not found (nothing was written)"),
    (["import", "odd.csv"], "error: odd.csv:1: unknown format: the header matches none of the supported CSV formats"),
    (["import", "good.csv", "--format", "excel"], "error: good.csv: unknown format 'excel'; expected one of"),
    (["import", "costs.xlsx"], "error: costs.xlsx: no vInfo sheet: not an RVTools export, and no Discovery_Report"),
    (["assess", "--region", "marsnorth"], "error: --region: unknown region 'marsnorth': the price catalog"),
    (["assess", "--override", "web-01=retire"], "error: --reason: an override needs a reason"),
    (["assess", "--savings-option", "SavingsPlan3Year"], "error: --savings-option: savings option "
     "'SavingsPlan3Year': the price catalog has pay-as-you-go and reserved-instance prices only"),
    (["assess", "--percentile", "80"], "error: --percentile: expected one of 50, 90, 95, 99"),
    (["assess", "--performance-history", "400"], "error: --performance-history: Input should be less than or equal "
     "to 31"),
    (["assess", "--series", "Dsv5,Zzv9"], "error: --series: no size of VM series Zzv9 is priced in eastus2"),
    (["assess", "--discount", "10", "--pricing", "ri3y"], "error: --discount with --savings-option: the discount "
     "applies to pay-as-you-go"),
    (["assess", "--settings", "discount.yaml", "--savings-option", "ri1y"], "error: discount.yaml with "
     "--savings-option: the discount applies to pay-as-you-go"),
    (["assess", "--settings", "mars.yaml"], "error: mars.yaml: unknown region 'marsnorth'"),
    (["assess", "--sizing", "gut-feeling"], "error: --sizing: expected performance-based or as-on-premises"),
    (["assess", "--settings", "am.yaml", "--comfort-factor", "1.5"],
     "error: am.yaml:2:Savings options (compute): savings option 'SavingsPlan1Year'"),
    (["report", "savings", "--scenario", "cheap"], "error: --scenario: unknown scenario 'cheap'; expected one of"),
    (["plan", "--start", "next monday"], "error: --start: expected a date as YYYY-MM-DD, got 'next monday'"),
    (["plan", "--blackout", "2026-12-31..2026-12-20"], "error: --blackout: a change freeze ends on or after it "
     "starts, got '2026-12-31..2026-12-20'"),
    (["plan", "--blackout", "2026-12-20..2028-01-04"], "error: --blackout: a change freeze of 381 days"),
    (["plan", "--blackout", "2026-12-20..soon"], "error: --blackout: expected a date as YYYY-MM-DD, got 'soon'"),
    (["plan", "--objective", "cash-6m"], "error: --objective: unknown objective 'cash-6m'; expected one of cash-12m, "
     "cash-36m, risk-first"),
    (["demo", "--db", "sqlite:///live.db"], "error: --db: the demo works in its own database (sqlite:///"),
    (["--db", "postgresql+psycopg://nobody@127.0.0.1:1/none", "import", "good.csv"],
     "error: cannot open or upgrade the database postgresql+psycopg://nobody@127.0.0.1:1/none"),
])
def test_bad_input_exits_2_in_one_line_without_importing_prefect(tmp_path: Path, args: list[str],
                                                                 expected: str) -> None:
    (tmp_path / "odd.csv").write_text("alpha,beta\n1,2\n", encoding="utf-8")
    (tmp_path / "good.csv").write_text(GOOD, encoding="utf-8")
    (tmp_path / "am.yaml").write_text("Comfort factor: 1.3\nSavings options (compute): SavingsPlan1Year\n",
                                      encoding="utf-8")
    (tmp_path / "discount.yaml").write_text("Discount (%): 10\n", encoding="utf-8")
    (tmp_path / "mars.yaml").write_text("Target location: Mars North\n", encoding="utf-8")
    import openpyxl

    book = openpyxl.Workbook()
    book.active.title = "Budget"
    book.save(tmp_path / "costs.xlsx")
    code, output, prefect_imported = run_in_process(tmp_path, *args)
    assert code == 2, output
    assert output.startswith(expected), output
    assert len(output.strip().splitlines()) == 1, output
    assert not prefect_imported, "bad input must be answered before Prefect is even imported"


def test_a_settings_file_is_rejected_with_every_problem_at_once(tmp_path: Path) -> None:
    (tmp_path / "am.yaml").write_text("Comfort factor: 0.8\nPercentile utilization: 80th\nColour: blue\n",
                                      encoding="utf-8")
    code, output, prefect_imported = run_in_process(tmp_path, "assess", "--settings", "am.yaml")
    assert code == 2 and not prefect_imported, output
    assert "rejected, nothing was written (3 problem(s))" in output
    for line in ("am.yaml:1:Comfort factor: expected 1.0 to 5.0", "am.yaml:2:Percentile utilization: expected one "
                 "of 50th, 90th, 95th, 99th", "am.yaml:3:Colour: unknown setting"):
        assert line in output, output


def test_a_database_written_by_a_newer_version_is_refused_untouched(tmp_path: Path) -> None:
    (tmp_path / "good.csv").write_text(GOOD, encoding="utf-8")
    assert run_in_process(tmp_path, "status")[0] == 0  # creates the database at today's schema
    with sqlite3.connect(tmp_path / "lumen-migrate.db") as connection:
        connection.execute("UPDATE alembic_version SET version_num = 'f00dfacef00d'")
    code, output, prefect_imported = run_in_process(tmp_path, "import", "good.csv")
    assert code == 2 and not prefect_imported, output
    assert "is at schema revision f00dfacef00d, which this lumen-migrate does not know" in output
    with sqlite3.connect(tmp_path / "lumen-migrate.db") as connection:
        assert connection.execute("SELECT version_num FROM alembic_version").fetchall() == [("f00dfacef00d",)]
        assert connection.execute("SELECT count(*) FROM system").fetchone() == (0,)


@pytest.mark.parametrize(("args", "expected"), [
    (["status", "--json"], ["--json", "status"]),
    (["report", "savings", "--months", "36", "--debug", "--db=sqlite:///x.db"],
     ["--debug", "--db=sqlite:///x.db", "report", "savings", "--months", "36"]),
    (["import", "a.csv", "--db", "sqlite:///x.db", "--log-file", "p.log"],
     ["--db", "sqlite:///x.db", "--log-file", "p.log", "import", "a.csv"]),
    (["assess", "--reason", "why", "--", "--json"], ["assess", "--reason", "why", "--", "--json"]),
    (["--json", "status"], ["--json", "status"]),
])
def test_global_options_are_moved_before_the_command(args: list[str], expected: list[str]) -> None:
    assert hoist_global_options(args) == expected


def test_status_json_prints_the_same_before_and_after_the_command(tmp_path: Path) -> None:
    (tmp_path / "good.csv").write_text(GOOD, encoding="utf-8")
    db = f"sqlite:///{tmp_path / 'x.db'}"
    after = run_cli("status", "--json", "--db", db, cwd=tmp_path)
    before = run_cli("--json", "--db", db, "status", cwd=tmp_path)
    assert after.code == before.code == 0, after.output + before.output
    assert after.stdout == before.stdout and json.loads(after.stdout)["ok"] is True


def test_a_temporary_server_that_does_not_start_in_time_is_one_line_naming_the_setting(tmp_path: Path) -> None:
    (tmp_path / "good.csv").write_text(GOOD, encoding="utf-8")
    result = run_cli("import", "good.csv", cwd=tmp_path,
                     env={"PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "1"})
    assert result.code == 1, result.output
    assert_clean(result)
    assert result.stderr.splitlines()[0] == (
        "error: Prefect's temporary server did not answer within 1 s; raise "
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS (e.g. to 600), or run `prefect server start` and set "
        "PREFECT_API_URL=http://127.0.0.1:4200/api")


def test_an_unreachable_prefect_api_url_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "good.csv").write_text(GOOD, encoding="utf-8")
    result = run_cli("import", "good.csv", cwd=tmp_path, api_url="http://127.0.0.1:9/api")
    assert result.code == 1, result.output
    assert_clean(result)
    assert result.stderr.startswith("error: no Prefect server answers at PREFECT_API_URL=http://127.0.0.1:9/api")


def test_users_get_a_generous_startup_timeout_unless_they_set_one(monkeypatch: pytest.MonkeyPatch,
                                                                  tmp_path: Path) -> None:
    from flows.prefect_env import DEFAULT_STARTUP_TIMEOUT_SECONDS, STARTUP_TIMEOUT_ENV, prepare_prefect

    monkeypatch.delenv(STARTUP_TIMEOUT_ENV, raising=False)
    prepare_prefect(tmp_path / "p.log")
    assert DEFAULT_STARTUP_TIMEOUT_SECONDS >= 120
    import os

    assert os.environ[STARTUP_TIMEOUT_ENV] == str(DEFAULT_STARTUP_TIMEOUT_SECONDS)
    monkeypatch.setenv(STARTUP_TIMEOUT_ENV, "45")
    prepare_prefect(tmp_path / "p.log")
    assert os.environ[STARTUP_TIMEOUT_ENV] == "45"


def test_the_discovery_workbook_imports_power_state_included(tmp_path: Path, prefect_server: str) -> None:
    path = report(tmp_path / "AzureMigrate_Discovery_Report.xlsx")
    result = run_cli("--json", "import", path.name, cwd=tmp_path, api_url=prefect_server)
    assert result.code == 0, result.output
    assert_clean(result)
    payload = json.loads(result.stdout)
    assert payload["format"] == "azure-migrate-discovery"
    assert payload["systems"]["added"] == 4
    with sqlite3.connect(tmp_path / "lumen-migrate.db") as connection:
        states = dict(connection.execute("SELECT name, power_state FROM system").fetchall())
    assert states == {"FABSQLSRV01": "on", "FABWEBSRV1": "on", "lnx-app-03": "unknown", "old-fax-01": "off"}
    again = json.loads(run_cli("--json", "import", path.name, cwd=tmp_path, api_url=prefect_server).stdout)
    assert again["systems"] == {"added": 0, "changed": 0, "unchanged": 4, "removed": 0}


def test_assess_flags_win_over_the_settings_file_and_regions_are_read_as_azure_migrate_names(
        tmp_path: Path) -> None:
    path = tmp_path / "am.yaml"
    path.write_text("Target location: West Europe\nComfort factor: 1.5\nPercentile utilization: P90\n",
                    encoding="utf-8")
    fields, source = assess_fields(path, comfort_factor=1.2, region=None, percentile=None)
    assert (fields["region"], fields["comfort_factor"], fields["percentile"]) == ("westeurope", 1.2, 90)
    assert source == {"region": str(path), "comfort_factor": "--comfort-factor", "percentile": str(path)}
    fields, source = assess_fields(None, region="East US 2")
    assert fields == {"region": "eastus2"} and source == {"region": "--region"}
