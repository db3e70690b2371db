"""`lumen-migrate assess` on the demo's 3,000-system estate, first with the local server of `lumen-migrate server
start`, then (the server stopped) with Prefect's temporary server: the difference is what the temporary server's
start costs every command.

    python -m benchmarks.bench_local_server --systems 3000 --repeat 3

Each figure is a fresh process (see harness.py), in a scratch folder with its own PREFECT_HOME, PREFECT_API_URL
unset. The estate is generated, imported (through the local server) and assessed once untimed, so that every
timed `assess` does the same work: a re-assessment of the same estate. The temporary server is timed twice: on
the PREFECT_HOME the local server used (its database exists, as on a user's second day) and on a new one each
time (the database is created first, as on a first run).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from pathlib import Path

from benchmarks.harness import Measurement, cli, load_average, machine, measure


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--systems", type=int, default=3000)
    parser.add_argument("--repeat", type=int, default=1, help="timed `assess` runs with each server")
    args = parser.parse_args()
    print(f"{machine()}; {load_average()} before", flush=True)
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        env: dict[str, str | None] = {"LUMEN_MIGRATE_DB_URL": f"sqlite:///{work / 'estate.db'}",
                                      "PREFECT_HOME": str(work / "prefect-home"), "PREFECT_API_URL": None}
        measure("setup: sample", cli("sample-inventory", "--systems", str(args.systems), "--out",
                                     str(work / "estate.csv")), cwd=work, env=env)
        start = measure("`server start`", cli("server", "start", "--port", str(free_port())), cwd=work, env=env)
        try:
            for name in ("estate.csv", "estate-dependencies.csv"):
                measure(f"setup: import {name}", cli("import", str(work / name)), cwd=work, env=env)
            measure("setup: first assess", cli("assess"), cwd=work, env=env)
            local = [measure("`assess`, local server", cli("assess"), cwd=work, env=env) for _ in range(args.repeat)]
        finally:
            measure("`server stop`", cli("server", "stop"), cwd=work, env=env)
        temporary = [measure("`assess`, temporary server (start included)", cli("assess"), cwd=work, env=env)
                     for _ in range(args.repeat)]
        fresh = [measure("`assess`, temporary server, new PREFECT_HOME", cli("assess"), cwd=work,
                         env={**env, "PREFECT_HOME": str(work / f"new-prefect-home-{run}")})
                 for run in range(args.repeat)]
    print(f"{load_average()} after\n")
    print(f"`lumen-migrate assess`, {args.systems:,} systems, {args.repeat} run(s) each\n")
    print("| step | wall | peak RSS |\n|---|---:|---:|")
    for result in (start, *local, *temporary, *fresh):
        print(result.row())
    print(f"\nmedian with the local server {median(local):.1f} s; with the temporary server {median(temporary):.1f} s "
          f"({median(temporary) - median(local):.1f} s more), on a new PREFECT_HOME {median(fresh):.1f} s "
          f"({median(fresh) - median(local):.1f} s more)")


def median(results: list[Measurement]) -> float:
    return statistics.median(result.seconds for result in results)


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


if __name__ == "__main__":
    main()
