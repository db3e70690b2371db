"""Import benchmark: generate N systems with 3 dependencies each, import them, re-import the unchanged files.

    python -m benchmarks.bench_import --systems 100000 [--repeat 3] [--no-prefect]

Figures: the import work alone (parse + bulk write, in one process, no Prefect), and the `lumen-migrate import`
command against a running Prefect server (PREFECT_API_URL) and with Prefect's temporary server (start included).
Every figure is a fresh process (wall time, its own peak RSS); with --repeat each sequence runs again on a
fresh database and the table shows the median (and the range), which keeps a busy machine's noise visible.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from benchmarks.harness import Measurement, cli, load_average, machine, measure, prefect_server

DIRECT = """
import json, sys, time
from pathlib import Path
started = time.perf_counter()
from inventory.db import get_engine, session_scope
from inventory.importers import parse_file
from inventory.store import apply_import
path = Path(sys.argv[1])
get_engine(sys.argv[2])
parse_started = time.perf_counter()
parsed = parse_file(path)
write_started = time.perf_counter()
with session_scope(sys.argv[2]) as session:
    summary = apply_import(parsed, session=session, source=path.stem, file_name=path.name, file_sha256="-")
done = time.perf_counter()
print(json.dumps({"summary": summary.as_dict(), "parse_s": write_started - parse_started,
                  "write_s": done - write_started, "start_s": parse_started - started}))
"""

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--systems", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=1, help="run every figure this many times (median shown)")
    parser.add_argument("--no-prefect", action="store_true", help="only the figures without Prefect")
    args = parser.parse_args()
    before = load_average()
    runs: dict[str, list[Measurement]] = {}
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        estate, deps = work / "estate.csv", work / "estate-dependencies.csv"
        generated = measure(f"generate {args.systems:,} systems (sample-inventory)",
                            cli("sample-inventory", "--systems", str(args.systems), "--seed", str(args.seed),
                                "--out", str(estate)), cwd=work)
        runs[generated.label] = [generated]
        dep_count = sum(1 for _ in deps.open(encoding="utf-8")) - 1
        for attempt in range(args.repeat):
            run_dir = work / f"run-{attempt}"
            run_dir.mkdir()
            _direct(run_dir, estate, deps, dep_count, runs)
            if not args.no_prefect:
                _with_prefect(run_dir, estate, deps, dep_count, runs)
    print(f"Import benchmark, {args.systems:,} systems, {dep_count:,} dependencies; {machine()}")
    print(f"{before} before, {load_average()} after; median of {args.repeat} run(s)\n")
    print(_table(runs))


def _direct(run_dir: Path, estate: Path, deps: Path, dep_count: int, runs: dict[str, list[Measurement]]) -> None:
    """parse_file + apply_import in a fresh process per file: the import work itself."""
    db = f"sqlite:///{run_dir / 'direct.db'}"
    for label, path in (
        ("import systems, no Prefect (parse + bulk write)", estate),
        (f"import {dep_count:,} dependencies, no Prefect", deps),
        ("re-import unchanged systems, no Prefect", estate),
        ("re-import unchanged dependencies, no Prefect", deps),
    ):
        result = measure(label, [sys.executable, "-c", DIRECT, str(path), db], cwd=run_dir)
        runs.setdefault(label, []).append(result)


def _with_prefect(
    run_dir: Path, estate: Path, deps: Path, dep_count: int, runs: dict[str, list[Measurement]]
) -> None:
    """The `lumen-migrate import` command: on a running server, then on Prefect's temporary server."""
    home = run_dir / "prefect-home"
    home.mkdir()
    with prefect_server(home) as api_url:
        env: dict[str, str | None] = {"PREFECT_API_URL": api_url, "PREFECT_HOME": str(home)}
        db = f"sqlite:///{run_dir / 'server.db'}"
        for label, path in (
            ("`import` systems, running Prefect server", estate),
            (f"`import` {dep_count:,} dependencies, running Prefect server", deps),
            ("`import` unchanged systems again, running Prefect server", estate),
        ):
            runs.setdefault(label, []).append(measure(label, cli("--db", db, "import", str(path)), cwd=run_dir,
                                                      env=env))
    env = {"PREFECT_HOME": str(home), "PREFECT_API_URL": None}
    db = f"sqlite:///{run_dir / 'temp.db'}"
    for label in ("`import` systems, temporary Prefect server (start included)",
                  "`import` unchanged systems again, temporary Prefect server"):
        runs.setdefault(label, []).append(measure(label, cli("--db", db, "import", str(estate)), cwd=run_dir,
                                                  env=env))


def _table(runs: dict[str, list[Measurement]]) -> str:
    lines = ["| step | wall | wall range | peak RSS | parse / write (in process) |",
             "|---|---:|---:|---:|---:|"]
    for label, results in runs.items():
        walls = [result.seconds for result in results]
        spread = f"{min(walls):.1f}–{max(walls):.1f} s" if len(walls) > 1 else ""
        peak = statistics.median(result.peak_mib for result in results)
        lines.append(f"| {label} | {statistics.median(walls):.1f} s | {spread} | {peak:.0f} MiB | "
                     f"{_phases(results)} |")
    return "\n".join(lines)


def _phases(results: Sequence[Measurement]) -> str:
    """Median parse and write seconds reported by the DIRECT script ("" for other steps)."""
    phases = [json.loads(result.output.strip().splitlines()[-1]) for result in results
              if result.output.strip().startswith("{")]
    if not phases:
        return ""
    parse = statistics.median(phase["parse_s"] for phase in phases)
    write = statistics.median(phase["write_s"] for phase in phases)
    return f"{parse:.1f} s / {write:.1f} s"


if __name__ == "__main__":
    main()
