"""Report file names: filled per run, and never the name of files already there unless replacing is asked for."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest

from flows.reports.naming import claim_stem, file_name_problem, file_stem

DAY, MONTH = dt.date(2026, 9, 14), dt.date(2026, 9, 1)


@pytest.mark.parametrize(("template", "run", "stem"), [
    ("savings-{date}-{run}", "spectacular-otter", "savings-2026-09-14-spectacular-otter"),
    ("savings-{month}", "x", "savings-2026-09"),
    ("{run}", "odd name/with: slashes", "odd-name-with-slashes"),
    ("{run}", "..", "run"),
    ("plain", "x", "plain"),
    ("a{{b}}", "x", "a{b}"),
])
def test_the_template_is_filled(template: str, run: str, stem: str) -> None:
    assert file_name_problem(template) is None
    assert file_stem(template, run_date=DAY, run_name=run, month=MONTH) == stem


@pytest.mark.parametrize(("template", "problem"), [
    ("", "a file name is needed"),
    ("reports/savings", "is a file name, not a path"),
    (".hidden", "is a file name, not a path"),
    ("s-{when}", "unknown placeholder(s) {when}"),
    ("s-{date:%Y}", "unknown placeholder(s) {date:%Y}"),
    ("s-{", "a literal brace is written {{ or }}"),
])
def test_a_bad_template_is_named(template: str, problem: str) -> None:
    assert problem in (file_name_problem(template) or "")


def files(folder: Path) -> Callable[[str], list[Path]]:
    """A report's files under one name: a workbook, and a CSV with a sibling."""
    return lambda stem: [folder / f"{stem}.xlsx", folder / f"{stem}.csv", folder / f"{stem}_summary.csv"]


def test_a_free_name_is_claimed_by_creating_its_files(tmp_path: Path) -> None:
    assert claim_stem("s", files(tmp_path), replace=False) == "s"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.csv", "s.xlsx", "s_summary.csv"]
    assert all(p.stat().st_size == 0 for p in tmp_path.iterdir())


def test_a_taken_name_gets_the_next_number_and_nothing_is_overwritten(tmp_path: Path) -> None:
    (tmp_path / "s.xlsx").write_bytes(b"first run")
    (tmp_path / "s-2_summary.csv").write_bytes(b"second run")  # any one file of a set takes the name
    assert claim_stem("s", files(tmp_path), replace=False) == "s-3"
    assert (tmp_path / "s.xlsx").read_bytes() == b"first run"
    assert not (tmp_path / "s.csv").exists(), "nothing claimed under a taken name"


def test_replacing_keeps_the_name_and_claims_nothing(tmp_path: Path) -> None:
    (tmp_path / "s.xlsx").write_bytes(b"old")
    assert claim_stem("s", files(tmp_path), replace=True) == "s"
    assert [p.name for p in tmp_path.iterdir()] == ["s.xlsx"]


def test_a_name_taken_between_the_check_and_the_claim_is_let_go(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """Another run creates one of the files after this one looked: this one gives up the name (removing what it
    created) and takes the next."""
    (tmp_path / "s.csv").write_bytes(b"the other run's")
    looked = []
    real_exists = Path.exists

    def exists_before_the_other_run(path: Path, **kwargs: bool) -> bool:
        looked.append(path.name)
        return False if path.name.startswith("s.") else real_exists(path, **kwargs)

    monkeypatch.setattr(Path, "exists", exists_before_the_other_run)
    assert claim_stem("s", files(tmp_path), replace=False) == "s-2"
    monkeypatch.undo()
    assert not (tmp_path / "s.xlsx").exists(), "what it had claimed is given back"
    assert (tmp_path / "s.csv").read_bytes() == b"the other run's"
    assert {"s.xlsx", "s.csv"} <= set(looked)
