"""The import and the planning stages on PostgreSQL: the same work as bench_import and bench_pipeline measure on
SQLite, against a fresh database on a PostgreSQL server.

    python -m benchmarks.bench_postgres --systems 100000 [--url postgresql+psycopg://postgres@127.0.0.1:5432/test]

The URL names a database the script may connect to and create another one from (default: the tests' server,
$LUMEN_MIGRATE_TEST_PG_URL); the benchmark database is dropped at the end. No Prefect: the stage work alone.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import uuid
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

from benchmarks.bench_import import DIRECT
from benchmarks.bench_pipeline import STAGE
from benchmarks.harness import Measurement, cli, load_average, machine, measure

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--systems", type=int, default=100_000)
    parser.add_argument("--url", default=os.environ.get("LUMEN_MIGRATE_TEST_PG_URL", DEFAULT_URL))
    args = parser.parse_args()
    admin = make_url(args.url)
    conninfo = admin.set(drivername="postgresql").render_as_string(hide_password=False)
    name = f"lumen_bench_{uuid.uuid4().hex[:8]}"
    db_url = admin.set(database=name).render_as_string(hide_password=False)
    before = load_average()
    results: list[tuple[Measurement, dict[str, float]]] = []
    with psycopg.connect(conninfo, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        with tempfile.TemporaryDirectory() as scratch:
            work = Path(scratch)
            measure("generate", cli("sample-inventory", "--systems", str(args.systems), "--out",
                                    str(work / "estate.csv")), cwd=work)
            for file in ("estate.csv", "estate-dependencies.csv"):
                done = measure(f"import {file}, no Prefect (parse + bulk write)",
                               [sys.executable, "-c", DIRECT, str(work / file), db_url], cwd=work)
                results.append((done, json.loads(done.output.strip().splitlines()[-1])))
            for stage in ("assess", "plan", "report"):
                done = measure(f"{stage}: whole stage in one process, no Prefect",
                               [sys.executable, "-c", STAGE, stage, str(work / "reports")], cwd=work,
                               env={"LUMEN_MIGRATE_DB_URL": db_url})
                results.append((done, json.loads(done.output.strip().splitlines()[-1])))
    finally:
        with psycopg.connect(conninfo, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    print(f"\nPostgreSQL benchmark, {args.systems:,} systems ({machine()}; {before} before)\n")
    print("| step | wall | peak RSS | in process |\n|---|---:|---:|---|")
    for measurement, figures in results:
        inner = ", ".join(f"{key} {value:.1f} s" for key, value in figures.items() if isinstance(value, float))
        print(f"{measurement.row()} {inner} |")


if __name__ == "__main__":
    main()
