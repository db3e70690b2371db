"""The sample telecom estate: determinism, exact sizes, realistic shares, valid dependencies, and the files
written for each format (read back with csv/openpyxl and through the importers)."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import os
import re
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from inventory.importers import parse_file
from inventory.records import (
    COST_LINE_NAMES,
    Criticality,
    DependencyRecord,
    Environment,
    OsFamily,
    PowerState,
    SystemKind,
    SystemRecord,
)
from inventory.sample import SampleEstate, generate_estate
from inventory.sample_writers import write_sample

REPO = Path(__file__).parents[2]
FIXTURES = REPO / "tests" / "fixtures"
TEMPLATE_HEADER = FIXTURES / "azmigrate_import_template_HEADER_ONLY_reconstructed.csv"
N = 2000
HUB_KINDS = ("dns", "directory", "monitoring", "backup", "ntp", "syslog")
BUSINESS_UNITS = {"Network Operations", "OSS", "BSS", "Enterprise IT", "Customer Care",
                  "Wholesale & Interconnect", "Digital"}
FORMULA_START = ("=", "+", "-", "@")


@pytest.fixture(scope="module")
def estate() -> SampleEstate:
    return generate_estate(N, seed=7)


@pytest.fixture(scope="module")
def small() -> SampleEstate:
    return generate_estate(120, seed=5)


def share(estate: SampleEstate, predicate: Callable[[SystemRecord], object]) -> float:
    return sum(1 for s in estate.systems if predicate(s)) / len(estate.systems)


def is_hub(system: SystemRecord) -> bool:
    return system.tags.get("role") == "infrastructure"


def total_cost(system: SystemRecord) -> float:
    return sum(float(getattr(system.costs, line) or 0.0) for line in COST_LINE_NAMES)


# --- determinism and size ------------------------------------------------------------------------------------

def test_same_arguments_give_the_same_estate() -> None:
    first = generate_estate(300, seed=11, dependencies_per_system=2.5)
    second = generate_estate(300, seed=11, dependencies_per_system=2.5)
    assert first == second


def test_the_estate_does_not_depend_on_string_hashing() -> None:
    """Another interpreter with another hash seed draws the same estate (no set or hash order leaks in)."""
    code = ("import hashlib; from inventory.sample import generate_estate; "
            "print(hashlib.sha256(repr(generate_estate(150, seed=3)).encode()).hexdigest())")
    digests = {
        subprocess.run([sys.executable, "-c", code], cwd=REPO, env={**os.environ, "PYTHONHASHSEED": hash_seed},
                       capture_output=True, text=True, check=True).stdout.strip()
        for hash_seed in ("1", "2")
    }
    assert digests == {hashlib.sha256(repr(generate_estate(150, seed=3)).encode()).hexdigest()}


def test_a_different_seed_gives_a_different_estate() -> None:
    first = generate_estate(300, seed=11)
    second = generate_estate(300, seed=12)
    assert first.systems != second.systems
    assert {s.external_id for s in first.systems}.isdisjoint({s.external_id for s in second.systems})
    assert set(first.dependencies) != set(second.dependencies)


@pytest.mark.parametrize(
    ("systems", "per_system", "edges"),
    [
        (0, 3.0, 0),
        (1, 3.0, 0),  # no pair to connect: no edges rather than an error
        (2, 3.0, 6),
        (7, 1.0, 7),
        (50, 0.0, 0),
        (50, 2.5, 125),
        (300, 3.0, 900),
        (300, 8.0, 2400),  # denser than the estate's own patterns: filled with extra integration ports
        (301, 0.5, 150),  # round(150.5) with banker's rounding
    ],
)
def test_exact_system_and_dependency_counts(systems: int, per_system: float, edges: int) -> None:
    estate = generate_estate(systems, dependencies_per_system=per_system)
    assert len(estate.systems) == systems
    assert len(estate.dependencies) == edges


@settings(max_examples=25, deadline=None)
@given(
    systems=st.integers(min_value=0, max_value=80),
    per_system=st.floats(min_value=0, max_value=6, allow_nan=False),
    seed=st.integers(min_value=0, max_value=2**32),
)
def test_any_small_estate_is_consistent(systems: int, per_system: float, seed: int) -> None:
    estate = generate_estate(systems, seed=seed, dependencies_per_system=per_system)
    names = [s.name for s in estate.systems]
    keys = [(d.source, d.target, d.port, d.protocol) for d in estate.dependencies]
    assert len(names) == len(set(names)) == systems
    assert len(keys) == len(set(keys)) == (round(systems * per_system) if systems >= 2 else 0)
    assert all(d.source != d.target and {d.source, d.target} <= set(names) for d in estate.dependencies)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"systems": -1}, "systems must be"),
        ({"systems": 10, "dependencies_per_system": -0.5}, "dependencies_per_system"),
        ({"systems": 10, "dependencies_per_system": float("nan")}, "dependencies_per_system"),
    ],
)
def test_bad_arguments_are_rejected(kwargs: dict[str, float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        generate_estate(**kwargs)  # type: ignore[arg-type]


def test_records_survive_validation_unchanged(estate: SampleEstate) -> None:
    for record in estate.systems[::97]:
        again = SystemRecord.model_validate(record.model_dump())
        assert again == record
        assert again.model_dump_json() == record.model_dump_json()
    for dependency in estate.dependencies[::331]:
        assert DependencyRecord.model_validate(dependency.model_dump()) == dependency


# --- a realistic estate --------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("environment", "low", "high"),
    [
        (Environment.PRODUCTION, 0.38, 0.55),
        (Environment.DR, 0.02, 0.09),
        (Environment.STAGING, 0.05, 0.16),
        (Environment.TEST, 0.13, 0.27),
        (Environment.DEVELOPMENT, 0.13, 0.27),
    ],
)
def test_environment_shares(estate: SampleEstate, environment: Environment, low: float, high: float) -> None:
    assert low <= share(estate, lambda s: s.environment is environment) <= high


def test_applications_have_production_and_other_copies(estate: SampleEstate) -> None:
    environments: dict[str, set[Environment]] = {}
    for s in estate.systems:
        if not is_hub(s):
            environments.setdefault(str(s.application), set()).add(s.environment)
    with_copies = [envs for envs in environments.values() if len(envs) > 1]
    assert len(with_copies) > len(environments) / 2
    assert all(Environment.PRODUCTION in envs for envs in environments.values() if len(envs) > 1)


def test_criticality_is_skewed_by_environment(estate: SampleEstate) -> None:
    def high_share(environment: Environment) -> float:
        levels = [s.criticality for s in estate.systems if s.environment is environment]
        return sum(1 for level in levels if level in (Criticality.HIGH, Criticality.CRITICAL)) / len(levels)

    assert high_share(Environment.PRODUCTION) > 0.5
    assert high_share(Environment.DEVELOPMENT) == 0.0
    assert high_share(Environment.TEST) < high_share(Environment.STAGING) + 0.01 < high_share(Environment.PRODUCTION)


def test_kinds_business_units_and_sites(estate: SampleEstate) -> None:
    kinds = Counter(s.kind for s in estate.systems)
    assert set(kinds) == {SystemKind.SERVER, SystemKind.DATABASE, SystemKind.APPLIANCE, SystemKind.STORAGE}
    assert kinds[SystemKind.SERVER] > N / 2
    assert {s.business_unit for s in estate.systems if not is_hub(s)} == BUSINESS_UNITS
    assert 2 <= len({s.datacenter for s in estate.systems}) <= 4


def test_databases_carry_engine_version_and_size(estate: SampleEstate) -> None:
    databases = [s for s in estate.systems if s.kind is SystemKind.DATABASE]
    assert {s.db_engine for s in databases} == {"SQL Server", "Oracle", "PostgreSQL", "MySQL"}
    assert all(s.db_version and s.db_size_gb and s.db_size_gb > 0 for s in databases)
    assert all(s.os_family is OsFamily.WINDOWS for s in databases if s.db_engine == "SQL Server")
    assert all(s.db_engine is None for s in estate.systems if s.kind is not SystemKind.DATABASE)


def test_appliances_run_linux_based_or_other_systems(estate: SampleEstate) -> None:
    appliances = [s for s in estate.systems if s.kind is SystemKind.APPLIANCE]
    assert {s.workload_type for s in appliances} == {"load-balancer", "firewall", "sbc"}
    assert {s.os_family for s in appliances} <= {OsFamily.LINUX, OsFamily.OTHER}


def test_operating_systems_span_generations(estate: SampleEstate) -> None:
    families = Counter(s.os_family for s in estate.systems)
    assert families[OsFamily.WINDOWS] > 200 and families[OsFamily.LINUX] > 400
    assert 0 < families[OsFamily.UNIX] < N * 0.15
    assert {s.os_arch for s in estate.systems} == {"x64", "x86"}
    assert 0 < share(estate, lambda s: s.os_arch == "x86") < 0.05
    assert all(re.search(r"\((32|64)-bit\)$", str(s.os_name)) for s in estate.systems)
    out_of_support = share(estate, lambda s: s.os_end_of_support and s.os_end_of_support < dt.date(2025, 1, 1))
    assert 0.25 <= out_of_support <= 0.6


@pytest.mark.parametrize(
    ("os_label", "end_of_support"),
    [
        ("Microsoft Windows Server 2008 R2", dt.date(2020, 1, 14)),
        ("Microsoft Windows Server 2012 R2", dt.date(2023, 10, 10)),
        ("Red Hat Enterprise Linux 7", dt.date(2024, 6, 30)),
        ("CentOS 7", dt.date(2024, 6, 30)),
        ("Microsoft Windows Server 2019", dt.date(2029, 1, 9)),
    ],
)
def test_end_of_support_dates_are_the_vendors(estate: SampleEstate, os_label: str, end_of_support: dt.date) -> None:
    matching = [s for s in estate.systems if str(s.os_name).startswith(os_label + " (")]
    assert matching
    assert {s.os_end_of_support for s in matching} == {end_of_support}


def test_sizes_are_in_range(estate: SampleEstate) -> None:
    assert all(s.cores is not None and 1 <= s.cores <= 64 for s in estate.systems)
    assert all(s.memory_mb is not None and 2 * 1024 <= s.memory_mb <= 512 * 1024 for s in estate.systems)
    assert all(1 <= len(s.disks) <= 6 and s.disks[0].size_gb == 40 for s in estate.systems)
    cores = Counter(s.cores for s in estate.systems)
    assert sum(cores[c] for c in (2, 4, 8)) > N / 2


def test_utilisation_is_skewed_and_sometimes_missing(estate: SampleEstate) -> None:
    measured = [s for s in estate.systems if s.cpu_util_pct is not None]
    assert 0.10 <= 1 - len(measured) / N <= 0.20
    assert all(s.util_percentile == 95 and s.memory_util_pct is not None for s in measured)
    assert all(s.util_percentile is None for s in estate.systems if s.cpu_util_pct is None)
    idle = sum(1 for s in measured if s.cpu_util_pct is not None and s.cpu_util_pct <= 10) / len(measured)
    busy = sum(1 for s in measured if s.cpu_util_pct is not None and s.cpu_util_pct >= 40) / len(measured)
    assert idle > 0.4 and 0.03 < busy < idle
    assert all(disk.read_iops is not None for s in measured for disk in s.disks)
    assert 0.01 <= share(estate, lambda s: s.power_state is PowerState.OFF) <= 0.06


def test_legacy_costs_match_a_carriers_spend(estate: SampleEstate) -> None:
    costed = [s for s in estate.systems if s.costs.hardware is not None]
    assert 0.62 <= len(costed) / N <= 0.78
    assert all(getattr(s.costs, line) is not None for s in costed for line in COST_LINE_NAMES)
    assert all(s.costs.labour is None for s in estate.systems if s.costs.hardware is None)
    assert 8_000 <= sum(total_cost(s) for s in costed) / len(costed) <= 15_000


def test_licences_weigh_more_for_windows_and_oracle(estate: SampleEstate) -> None:
    def mean_licences(predicate: Callable[[SystemRecord], bool]) -> float:
        values = [s.costs.licences for s in estate.systems
                  if s.costs.licences is not None and s.kind is SystemKind.SERVER and predicate(s)]
        return sum(values) / len(values)

    assert mean_licences(lambda s: s.os_family is OsFamily.WINDOWS) > mean_licences(
        lambda s: s.os_family is OsFamily.LINUX)
    oracle = [s.costs.licences / s.cores for s in estate.systems
              if s.db_engine == "Oracle" and s.costs.licences and s.cores]
    postgres = [s.costs.licences / s.cores for s in estate.systems
                if s.db_engine == "PostgreSQL" and s.costs.licences and s.cores]
    assert sum(oracle) / len(oracle) > 2 * sum(postgres) / len(postgres)


def test_names_and_addresses_are_unique_and_host_like(estate: SampleEstate) -> None:
    names = [s.name for s in estate.systems]
    assert len(set(names)) == N
    assert all(re.fullmatch(r"[a-z]+(-[a-z]+)+-[prstd]-\d{4,}", name) for name in names)
    addresses = [ip for s in estate.systems for ip in s.ip_addresses]
    assert len(set(addresses)) == len(addresses) == N
    assert all(re.fullmatch(r"10\.\d{1,3}\.\d{1,3}\.\d{1,3}", ip) and ip.split(".")[3] not in ("0", "255")
               for ip in addresses)
    assert all({"owner", "cost_centre"} <= set(s.tags) for s in estate.systems)


@pytest.mark.parametrize("kind", HUB_KINDS)
def test_infrastructure_hubs_are_present_and_tagged(estate: SampleEstate, kind: str) -> None:
    hubs = [s for s in estate.systems if s.workload_type == kind]
    assert hubs
    assert all(is_hub(s) and s.environment is Environment.PRODUCTION for s in hubs)


# --- dependencies --------------------------------------------------------------------------------------------

def test_dependencies_are_unique_and_name_generated_systems(estate: SampleEstate) -> None:
    names = {s.name for s in estate.systems}
    keys = [(d.source, d.target, d.port, d.protocol) for d in estate.dependencies]
    assert len(keys) == len(set(keys)) == 3 * N
    assert all(d.source != d.target for d in estate.dependencies)
    assert all(d.source in names and d.target in names for d in estate.dependencies)
    assert {d.protocol for d in estate.dependencies} == {"tcp", "udp"}


def test_every_system_uses_a_hub(estate: SampleEstate) -> None:
    hubs = {s.name for s in estate.systems if is_hub(s)}
    touching: set[str] = set()
    for d in estate.dependencies:
        if d.target in hubs:
            touching.add(d.source)
        if d.source in hubs:
            touching.add(d.target)
    assert {s.name for s in estate.systems if not is_hub(s)} <= touching


@pytest.mark.parametrize(
    ("source_tier", "target_tier", "ports"),
    [
        ("web", "app", {443, 8080, 8443}),
        ("app", "db", {1433, 1521, 5432, 3306}),
        ("batch", "db", {1433, 1521, 5432, 3306}),
        ("lb", "web", {443}),
    ],
)
def test_tiers_talk_within_their_application(
    estate: SampleEstate, source_tier: str, target_tier: str, ports: set[int]
) -> None:
    by_name = {s.name: s for s in estate.systems}
    found = [
        d for d in estate.dependencies
        if by_name[d.source].tags.get("tier") == source_tier and by_name[d.target].tags.get("tier") == target_tier
        and by_name[d.source].application == by_name[d.target].application
    ]
    assert found
    assert {d.port for d in found} <= ports


def test_applications_integrate_across_business_units(estate: SampleEstate) -> None:
    by_name = {s.name: s for s in estate.systems}
    crossing = Counter(
        (by_name[d.source].business_unit, by_name[d.target].business_unit) for d in estate.dependencies
        if not is_hub(by_name[d.source]) and not is_hub(by_name[d.target])
        and by_name[d.source].business_unit != by_name[d.target].business_unit
    )
    assert crossing[("OSS", "BSS")] > 0 and crossing[("BSS", "OSS")] > 0


# --- files ---------------------------------------------------------------------------------------------------

def read_csv(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


def test_csv_writes_canonical_systems_and_a_dependency_csv(small: SampleEstate, tmp_path: Path) -> None:
    out = tmp_path / "nested" / "dir" / "estate.csv"
    written = write_sample(small, "csv", out)
    assert written == [out, tmp_path / "nested" / "dir" / "estate-dependencies.csv"]
    rows = read_csv(written[1])
    assert rows[0] == ["source", "target", "port", "protocol"]
    assert len(rows) == 1 + len(small.dependencies)
    assert rows[1] == [small.dependencies[0].source, small.dependencies[0].target,
                       str(small.dependencies[0].port), str(small.dependencies[0].protocol)]
    assert len(read_csv(out)) == 1 + len(small.systems)


def test_azure_migrate_writes_the_template_and_the_dependency_export(small: SampleEstate, tmp_path: Path) -> None:
    out = tmp_path / "az" / "import.csv"
    written = write_sample(small, "azure-migrate", out)
    assert written == [out, tmp_path / "az" / "import-dependencies.csv"]
    template = read_csv(TEMPLATE_HEADER)[0]
    rows = read_csv(out)
    assert out.read_bytes()[:1] == b"*"  # no byte-order mark, like Microsoft's filled example
    header = rows[0]
    most_disks = max(len(s.disks) for s in small.systems)
    assert most_disks > 2
    assert header[: len(template)] == template
    assert header[-5] == f"Disk {most_disks} size (In GB)"
    assert len(header) == len(template) + 5 * (most_disks - 2)
    assert len(rows) == 1 + len(small.systems)
    assert all(len(row) == len(header) for row in rows)
    first = dict(zip(header, rows[1], strict=True))
    system = small.systems[0]
    assert first["*Server name"] == system.name
    assert first["*Memory (In MB)"] == str(int(system.memory_mb or 0))
    assert first["Number of disks"] == str(len(system.disks))

    export = written[1].read_bytes()
    assert export.startswith(b"\xef\xbb\xbf") and b"\r\n" in export
    dependency_rows = read_csv(written[1])
    assert dependency_rows[0] == [
        "Time slot", "Source server name", "Source IP", "Source application", "Source process",
        "Destination server name", "Destination IP", "Destination application", "Destination process",
        "Destination port",
    ]
    assert len(dependency_rows) == 1 + len(small.dependencies)
    assert all(re.fullmatch(r"\d{1,2}/\d{1,2}/\d{4} \d{1,2}:00-\d{1,2}:00", row[0]) for row in dependency_rows[1:])
    assert all(row[2].startswith("10.") and row[6].startswith("10.") for row in dependency_rows[1:])


def test_rvtools_writes_a_workbook_and_a_dependency_csv(small: SampleEstate, tmp_path: Path) -> None:
    out = tmp_path / "rv" / "export.xlsx"
    written = write_sample(small, "rvtools", out)
    assert written == [out, tmp_path / "rv" / "export-dependencies.csv"]
    workbook = load_workbook(out, read_only=True)
    try:
        assert workbook.sheetnames == ["vInfo", "vDisk", "vNetwork"]
        info = list(workbook["vInfo"].iter_rows(values_only=True))
        disks = list(workbook["vDisk"].iter_rows(values_only=True))
        network = list(workbook["vNetwork"].iter_rows(values_only=True))
    finally:
        workbook.close()
    for column in ("VM", "Powerstate", "Template", "CPUs", "Memory", "NICs", "Disks", "Provisioned MiB",
                   "In Use MiB", "Primary IP Address", "Datacenter", "Cluster", "Host",
                   "OS according to the configuration file", "OS according to the VMware Tools", "VM UUID",
                   "env", "app", "bu"):
        assert column in info[0]
    assert len(info) == 1 + len(small.systems)
    first = dict(zip(info[0], info[1], strict=True))
    system = small.systems[0]
    assert first["VM"] == system.name and first["VM UUID"] == system.external_id
    assert first["Memory"] == system.memory_mb and first["Powerstate"] in ("poweredOn", "poweredOff")
    assert disks[0] == ("VM", "Disk", "Capacity MiB")
    assert len(disks) == 1 + sum(len(s.disks) for s in small.systems)
    assert disks[1] == (system.name, "Hard disk 1", 40 * 1024)
    assert network[0] == ("VM", "IPv4 Address")
    assert len(network) == 1 + sum(len(s.ip_addresses) for s in small.systems)
    assert read_csv(written[1])[0] == ["source", "target", "port", "protocol"]


def test_unknown_format_lists_the_choices(small: SampleEstate, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="csv, azure-migrate, rvtools"):
        write_sample(small, "xml", tmp_path / "out.xml")
    assert not list(tmp_path.iterdir())


HOSTILE = SampleEstate(
    systems=(
        SystemRecord(external_id="@id", name="=HYPERLINK(\"http://x\")", application="+sum(1)",
                     business_unit="-2+3", os_name="@os", datacenter="=dc", cluster="+c", host="-h",
                     cores=2, memory_mb=4096, ip_addresses=("10.0.0.1",), tags={"owner": "=team"}),
        SystemRecord(external_id="ok", name="-plain", cores=1, memory_mb=2048, ip_addresses=("10.0.0.2",)),
    ),
    dependencies=(DependencyRecord(source="=HYPERLINK(\"http://x\")", target="-plain", port=443, protocol="tcp"),),
)


@pytest.mark.parametrize(("fmt", "name"), [("csv", "x.csv"), ("azure-migrate", "x.csv"), ("rvtools", "x.xlsx")])
def test_no_written_cell_is_a_formula(tmp_path: Path, fmt: str, name: str) -> None:
    cells: list[str] = []
    for path in write_sample(HOSTILE, fmt, tmp_path / name):
        if path.suffix == ".xlsx":
            workbook = load_workbook(path, read_only=True)
            try:
                cells += [str(value) for sheet in workbook for row in sheet.iter_rows(values_only=True)
                          for value in row if isinstance(value, str)]
            finally:
                workbook.close()
        else:
            cells += [cell for row in read_csv(path) for cell in row]
    assert "'=HYPERLINK(\"http://x\")" in cells
    assert not [cell for cell in cells if cell.startswith(FORMULA_START)]


# --- round trips through the importers -----------------------------------------------------------------------

@pytest.mark.parametrize(("fmt", "name"), [("csv", "e.csv"), ("azure-migrate", "e.csv"), ("rvtools", "e.xlsx")])
def test_written_files_import_back(small: SampleEstate, tmp_path: Path, fmt: str, name: str) -> None:
    systems_file, dependencies_file = write_sample(small, fmt, tmp_path / name)
    parsed = parse_file(systems_file)
    assert len(parsed.systems) == len(small.systems)
    assert [s.name for s in parsed.systems] == [s.name for s in small.systems]
    assert [s.cores for s in parsed.systems] == [s.cores for s in small.systems]
    dependencies = parse_file(dependencies_file).dependencies
    assert {(d.source, d.target, d.port) for d in dependencies} == {
        (d.source, d.target, d.port) for d in small.dependencies}


def test_canonical_csv_round_trip_is_exact(small: SampleEstate, tmp_path: Path) -> None:
    systems_file, dependencies_file = write_sample(small, "csv", tmp_path / "e.csv")
    assert parse_file(systems_file).systems == small.systems
    assert parse_file(dependencies_file).dependencies == small.dependencies
