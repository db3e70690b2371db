"""`plan` from the command line through a real Prefect server: the objective and the production limits as the user
gives them, the order's quality in the output, the XLSX's Quality sheet and the Prefect artifact."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from pathlib import Path

import httpx
import pytest
from openpyxl import load_workbook

from tests.e2e.conftest import assert_clean, run_cli

pytestmark = pytest.mark.e2e


def test_plan_with_an_objective_and_production_limits_reports_its_quality_everywhere(
        estate: Path, prefect_server: str) -> None:
    result = run_cli("--json", "plan", "--objective", "cash-36m", "--no-production-before", "2",
                     "--max-production-per-wave", "3", "--pilot-max-systems", "4", "--out", "plan.xlsx",
                     cwd=estate, api_url=prefect_server)
    assert result.code == 0, result.output
    assert_clean(result)
    payload = json.loads(result.stdout)
    assert payload["objective"] == "cash-36m"
    rows = {row["horizon_months"]: row for row in payload["quality"]}
    assert set(rows) == {12, 36}
    for row in rows.values():
        assert row["chosen_net"] <= row["bound_net"] + 0.01, "the bound is an upper bound"
        assert row["chosen_vs_bound"] == pytest.approx(row["chosen_net"] / row["bound_net"], abs=1e-4)
    assert rows[36]["chosen_net"] >= rows[36]["naive_net"], "optimised for 36 months, it beats the naive order there"

    # The limits held in what was stored: no production before wave 2, at most 3 production systems a wave
    # (a bigger group alone), pins aside (none here).
    with sqlite3.connect(estate / "lumen-migrate.db") as connection:
        production = connection.execute(
            "SELECT w.number, COUNT(*), COUNT(DISTINCT m.group_key) FROM wave_member m JOIN wave w ON w.id = m.wave_id "
            "JOIN system s ON s.id = m.system_id WHERE s.environment IN ('production', 'prod') "
            "GROUP BY w.number").fetchall()
    assert production, "the sample estate has production systems"
    assert all(number >= 2 for number, _, _ in production)
    assert all(count <= 3 or groups == 1 for _, count, groups in production)

    book = load_workbook(estate / "plan.xlsx", read_only=True)
    try:
        quality = list(book["Quality"].iter_rows(values_only=True))
    finally:
        book.close()
    assert quality[0] == ("horizon_months", "chosen_net", "naive_net", "bound_net", "chosen_vs_naive",
                          "chosen_vs_bound")
    assert {row[0]: row[1] for row in quality[1:]} == pytest.approx({h: rows[h]["chosen_net"] for h in rows})

    found = httpx.post(f"{prefect_server}/artifacts/filter", timeout=30, json={
        "artifacts": {"key": {"any_": ["wave-plan-quality"]}}, "sort": "CREATED_DESC", "limit": 1}).json()
    assert found, "the quality artifact is published"
    markdown = found[0]["data"]
    assert "**Wave order: cash-36m**" in markdown
    assert f"| 36 | {rows[36]['chosen_net']:,.0f} | {rows[36]['naive_net']:,.0f} |" in markdown

    text = run_cli("plan", "--objective", "risk-first", cwd=estate, api_url=prefect_server)
    assert text.code == 0, text.output
    assert "risk-first, 12 months: net" in text.stdout and "upper bound" in text.stdout


def test_a_change_freeze_given_as_a_range_holds_no_wave(estate: Path, prefect_server: str) -> None:
    result = run_cli("--json", "plan", "--start", "2030-01-07", "--cadence-days", "7", "--max-systems", "8",
                     "--blackout", "2030-01-10..2030-01-25", "--blackout", "2030-02-04", cwd=estate,
                     api_url=prefect_server)
    assert result.code == 0, result.output
    with sqlite3.connect(estate / "lumen-migrate.db") as connection:
        dates = sorted(dt.date.fromisoformat(day) for (day,) in connection.execute("SELECT planned_date FROM wave"))
    frozen = {dt.date(2030, 1, 10) + dt.timedelta(days=n) for n in range(16)} | {dt.date(2030, 2, 4)}
    assert dates and not frozen & set(dates)
    # Weekly from 7 January: the 14th and the 21st fall in the freeze and move past it, to the 26th and (never on
    # or before the wave before) the 27th; the cadence goes on from the planned dates: the 28th, then 4 February
    # is a blackout: the 5th.
    assert dates[:5] == [dt.date(2030, 1, 7), dt.date(2030, 1, 26), dt.date(2030, 1, 27), dt.date(2030, 1, 28),
                         dt.date(2030, 2, 5)]
