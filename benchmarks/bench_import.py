"""Import benchmark: generate N systems with 3 dependencies each, import them, re-import the unchanged file.

    python -m benchmarks.bench_import --systems 100000

Figures: the import work alone (parse + bulk write, in one process, no Prefect), and the `lumen-migrate import`
command against a running Prefect server (PREFECT_API_URL) and with Prefect's temporary server (start included).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from benchmarks.harness import Measurement, cli, machine, measure, prefect_server

DIRECT = """
import sys
from pathlib import Path
from inventory.db import session_scope
from inventory.importers import parse_file
from inventory.store import apply_import
path = Path(sys.argv[1])
parsed = parse_file(path)
with session_scope(sys.argv[2]) as session:
    summary = apply_import(parsed, session=session, source=path.stem, file_name=path.name, file_sha256="-")
print(summary.as_dict())
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--systems", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    results: list[Measurement] = []
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        estate = work / "estate.csv"
        deps = work / "estate-dependencies.csv"
        results.append(measure(f"generate {args.systems:,} systems (sample-inventory)",
                               cli("sample-inventory", "--systems", str(args.systems), "--seed", str(args.seed),
                                   "--out", str(estate)), cwd=work))
        dep_count = sum(1 for _ in deps.open()) - 1
        direct_db = f"sqlite:///{work / 'direct.db'}"
        results.append(measure("import systems, no Prefect (parse + bulk write)",
                               [sys.executable, "-c", DIRECT, str(estate), direct_db], cwd=work))
        results.append(measure(f"import {dep_count:,} dependencies, no Prefect",
                               [sys.executable, "-c", DIRECT, str(deps), direct_db], cwd=work))
        results.append(measure("re-import unchanged systems, no Prefect",
                               [sys.executable, "-c", DIRECT, str(estate), direct_db], cwd=work))
        home = work / "prefect-home"
        home.mkdir()
        with prefect_server(home) as api_url:
            env: dict[str, str | None] = {"PREFECT_API_URL": api_url, "PREFECT_HOME": str(home)}
            db = f"sqlite:///{work / 'server.db'}"
            results.append(measure("`import` systems, running Prefect server",
                                   cli("--db", db, "import", str(estate)), cwd=work, env=env))
            results.append(measure("`import` dependencies, running Prefect server",
                                   cli("--db", db, "import", str(deps)), cwd=work, env=env))
            results.append(measure("`import` unchanged systems again, running Prefect server",
                                   cli("--db", db, "import", str(estate)), cwd=work, env=env))
        env = {"PREFECT_HOME": str(home), "PREFECT_API_URL": None}
        db = f"sqlite:///{work / 'temp.db'}"
        results.append(measure("`import` systems, temporary Prefect server (start included)",
                               cli("--db", db, "import", str(estate)), cwd=work, env=env))
        results.append(measure("`import` unchanged systems again, temporary Prefect server",
                               cli("--db", db, "import", str(estate)), cwd=work, env=env))
    print(f"Import benchmark, {args.systems:,} systems ({machine()})\n")
    print("| step | wall | peak RSS |\n|---|---:|---:|")
    for result in results:
        print(result.row())


if __name__ == "__main__":
    main()
