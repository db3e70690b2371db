"""The store on a real database: all-or-nothing imports, in-place re-imports, dependency resolution."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from inventory.bulk import BulkStatement
from inventory.db import get_engine, session_scope
from inventory.errors import BadInputError
from inventory.importers.common import ParsedInventory
from inventory.records import CostLines, DependencyRecord, Disk, SystemRecord
from inventory.store import apply_import, estate_status, record_digest
from inventory.tables import CostAssumption, Dependency, ImportRun, System, table_of, utcnow

pytestmark = pytest.mark.integration


def server(name: str, **fields: object) -> SystemRecord:
    base: dict[str, object] = {"external_id": name, "name": name, "cores": 2, "memory_mb": 4096,
                               "os_name": "Red Hat Enterprise Linux 8 (64-bit)", "disks": [Disk(size_gb=64)]}
    base.update(fields)
    return SystemRecord.model_validate(base)


def load(db_url: str, parsed: ParsedInventory, *, source: str = "estate"):  # type: ignore[no-untyped-def]
    with session_scope(db_url) as session:
        return apply_import(parsed, session=session, source=source, file_name=f"{source}.csv", file_sha256="0" * 64)


def snapshot(db_url: str) -> list[tuple[object, ...]]:
    with Session(get_engine(db_url)) as session:
        systems = session.execute(select(System.id, System.external_id, System.row_hash, System.removed_at)
                                  .order_by(System.id)).all()
        deps = session.execute(select(Dependency.source_system_id, Dependency.target_system_id, Dependency.port,
                                      Dependency.observations).order_by(Dependency.id)).all()
    return [tuple(row) for row in systems] + [tuple(row) for row in deps]


def test_first_import_writes_every_field(db_url: str) -> None:
    record = server("bss-db-01", kind="database", environment="PRD", db_engine="Oracle", db_size_gb=512.5,
                    costs=CostLines(hardware=1200.0, licences=9000.0), tags={"owner": "billing"},
                    ip_addresses=("10.0.0.5", "10.0.0.6"), disks=[Disk(size_gb=100, read_iops=500), Disk(size_gb=50)])
    summary = load(db_url, ParsedInventory.of("canonical-csv", systems=(record,)))
    assert (summary.added, summary.changed, summary.unchanged, summary.removed) == (1, 0, 0, 0)
    with Session(get_engine(db_url)) as session:
        row = session.scalars(select(System)).one()
    assert row.kind == "database" and row.environment == "production" and row.os_family == "linux"
    assert row.cost_hardware == 1200.0 and row.cost_licences == 9000.0 and row.cost_labour is None
    assert row.disk_count == 2 and row.storage_gb == 150.0
    assert row.disks == [{"size_gb": 100.0, "read_iops": 500.0}, {"size_gb": 50.0}]
    assert row.ip_addresses == ["10.0.0.5", "10.0.0.6"] and row.tags == {"owner": "billing"}
    assert row.name_key == "bss-db-01" and row.db_size_gb == 512.5


def test_reimport_unchanged_is_a_no_op_and_changes_update_in_place(db_url: str) -> None:
    first = ParsedInventory.of("canonical-csv", systems=(server("a"), server("b"), server("c")))
    load(db_url, first)
    before = snapshot(db_url)
    again = load(db_url, first)
    assert (again.added, again.changed, again.unchanged, again.removed) == (0, 0, 3, 0)
    assert snapshot(db_url) == before

    changed = ParsedInventory.of("canonical-csv", systems=(server("a", cores=8), server("b"), server("d")))
    summary = load(db_url, changed)
    assert (summary.added, summary.changed, summary.unchanged, summary.removed) == (1, 1, 1, 1)
    with Session(get_engine(db_url)) as session:
        rows = {row.external_id: row for row in session.scalars(select(System))}
    assert len(rows) == 4, "a re-import never duplicates"
    assert rows["a"].cores == 8 and rows["a"].id == before[0][0], "updated in place, same id"
    assert rows["c"].removed_at is not None and rows["d"].removed_at is None

    back = load(db_url, first)
    assert (back.added, back.changed, back.removed) == (0, 2, 1), "c returns (changed), a reverts, d removed"
    with Session(get_engine(db_url)) as session:
        assert session.scalar(select(func.count()).select_from(System).where(System.removed_at.is_(None))) == 3


def test_sources_are_independent(db_url: str) -> None:
    load(db_url, ParsedInventory.of("rvtools", systems=(server("a"),)), source="vcenter-1")
    summary = load(db_url, ParsedInventory.of("rvtools", systems=(server("b"),)), source="vcenter-2")
    assert summary.removed == 0
    with session_scope(db_url) as session:
        assert estate_status(session=session).systems == 2


def test_dependencies_resolve_by_name_or_address_and_aggregate(db_url: str) -> None:
    load(db_url, ParsedInventory.of("canonical-csv", systems=(
        server("web-01", ip_addresses=("10.1.0.1",)), server("DB-01", ip_addresses=("10.1.0.2",)))))
    deps = (
        DependencyRecord(source="web-01", target="db-01", port=1433, observations=2),
        DependencyRecord(source="web-01", target="10.1.0.2", port=1433, observations=3),
        DependencyRecord(source="web-01", target="52.1.2.3", port=443),
    )
    summary = load(db_url, ParsedInventory.of("azure-migrate-dependencies", dependencies=deps,
                                           dependency_rows=(2, 3, 4)), source="deps")
    assert summary.dependencies_added == 1
    assert any("1 connection(s) to addresses outside the inventory" in warning for warning in summary.warnings)
    with Session(get_engine(db_url)) as session:
        edge = session.scalars(select(Dependency)).one()
    assert (edge.port, edge.observations) == (1433, 5)

    again = load(db_url, ParsedInventory.of("dependency-csv", dependencies=deps[:1]), source="deps")
    assert (again.dependencies_changed, again.dependencies_added, again.dependencies_removed) == (1, 0, 0)


def test_unknown_server_in_dependencies_rejects_the_whole_file(db_url: str) -> None:
    load(db_url, ParsedInventory.of("canonical-csv", systems=(server("web-01"), server("db-01"))))
    load(db_url, ParsedInventory.of("dependency-csv", dependencies=(
        DependencyRecord(source="web-01", target="db-01", port=1433),)), source="deps")
    before = snapshot(db_url)
    with Session(get_engine(db_url)) as session:
        runs_before = session.scalar(select(func.count()).select_from(ImportRun))
    bad = ParsedInventory.of("dependency-csv", dependencies=(
        DependencyRecord(source="web-01", target="db-01", port=5432),
        DependencyRecord(source="web-01", target="ghost-99", port=80),
        DependencyRecord(source="nobody", target="db-01", port=80),
    ), dependency_rows=(2, 3, 4))
    with pytest.raises(BadInputError) as caught:
        load(db_url, bad, source="deps")
    assert str(caught.value) == (
        "deps.csv:3:target: unknown server 'ghost-99': not in the inventory (import it first)\n"
        "deps.csv:4:source: unknown server 'nobody': not in the inventory (import it first)"
    )
    assert snapshot(db_url) == before, "a rejected file writes nothing"
    with Session(get_engine(db_url)) as session:
        assert session.scalar(select(func.count()).select_from(ImportRun)) == runs_before


def test_ambiguous_names_across_sources_are_rejected(db_url: str) -> None:
    load(db_url, ParsedInventory.of("rvtools", systems=(server("app-01"),)), source="vc1")
    load(db_url, ParsedInventory.of("rvtools", systems=(server("app-01"), server("db-01"))), source="vc2")
    with pytest.raises(BadInputError, match="ambiguous server name 'app-01': 2 systems have it"):
        load(db_url, ParsedInventory.of("dependency-csv", dependencies=(
            DependencyRecord(source="app-01", target="db-01"),)), source="deps")


def test_status_counts(db_url: str) -> None:
    load(db_url, ParsedInventory.of("canonical-csv", systems=(
        server("a", environment="prod"), server("b", environment="dev"), server("c", kind="database"))))
    with session_scope(db_url) as session:
        status = estate_status(session=session)
    assert status.systems == 3 and status.imports == 1
    assert status.by_kind == {"database": 1, "server": 2}
    assert status.by_environment == {"development": 1, "production": 1, "unknown": 1}
    assert status.by_state == {"imported": 3}
    assert status.last_import is not None and status.last_import["added"] == 3


def _estate(count: int) -> list[SystemRecord]:
    return [server(f"host-{index:05d}", cores=index % 32, memory_mb=512.0 * index, ip_addresses=(f"10.{index}",),
                   tags={"owner": "ops"}, os_end_of_support="2030-01-31" if index % 2 else None)
            for index in range(count)]


def test_a_file_larger_than_a_write_chunk_imports_and_reimports_in_place(db_url: str) -> None:
    records = _estate(5_003)
    calls: list[tuple[int, int]] = []
    with session_scope(db_url) as session:
        first = apply_import(ParsedInventory.of("canonical-csv", systems=records), session=session,
                             source="big", file_name="big.csv", file_sha256="0" * 64,
                             progress=lambda *call: calls.append(call))
    assert (first.added, first.changed, first.unchanged, first.removed) == (5_003, 0, 0, 0)
    assert calls[0] == (5_000, 5_003) and calls[-1] == (5_003, 5_003)

    edited = list(records)
    edited[0] = server("host-00000", disks=[Disk(size_gb=1, write_iops=2)])
    edited[5_001] = server("host-05001", os_end_of_support="2031-12-31", tags={"owner": "dba"})
    del edited[7]
    edited.append(server("host-new"))
    again = load(db_url, ParsedInventory.of("canonical-csv", systems=edited), source="big")
    assert (again.added, again.changed, again.unchanged, again.removed) == (1, 2, 5_000, 1)
    with Session(get_engine(db_url)) as session:
        rows = {row.external_id: row for row in session.scalars(select(System))}
    assert len(rows) == 5_004
    assert rows["host-00000"].disks == [{"size_gb": 1.0, "write_iops": 2.0}] and rows["host-00000"].cores == 2
    assert str(rows["host-05001"].os_end_of_support) == "2031-12-31" and rows["host-05001"].tags == {"owner": "dba"}
    assert rows["host-00007"].removed_at is not None and rows["host-new"].state == "imported"
    sample = rows["host-04999"]
    assert (sample.memory_mb, sample.ip_addresses, sample.state, sample.source) == (
        512.0 * 4_999, ["10.4999"], "imported", "big")
    assert sample.row_hash == record_digest(records[4_999]) and sample.created_at is not None


def test_bulk_statement_refuses_keys_that_do_not_match_its_parameters(db_url: str) -> None:
    with session_scope(db_url) as session, pytest.raises(ValueError, match="do not match the row keys"):
        BulkStatement(session, insert(System.metadata.tables["dependency"]), ("source", "port"))


AWKWARD = ("tab\there", "new\nline", "back\\slash", "\\N", "quote \" and ' and ,", "ünïcødé €", "", " ")
TAGS = {f"tag-{i}": text for i, text in enumerate(AWKWARD) if text.strip()}  # the importer drops blank tags


def test_bulk_inserts_keep_every_value_exactly(db_url: str) -> None:
    """Plain inserts run as COPY on PostgreSQL and as executemany on SQLite: both store text with tabs,
    newlines, backslashes and COPY's own null marker, JSON, NULLs, floats and datetimes as given."""
    record = server("edge-01", application="back\\slash\tapp", business_unit="\\N",
                    tags=TAGS, costs=CostLines(hardware=0.1 + 0.2))
    load(db_url, ParsedInventory.of("canonical-csv", systems=(record,)))
    with Session(get_engine(db_url)) as session:
        row = session.scalars(select(System)).one()
    assert (row.application, row.business_unit) == ("back\\slash\tapp", "\\N")
    assert row.tags == TAGS
    assert row.cost_hardware == 0.1 + 0.2 and row.cost_licences is None and row.removed_at is None

    when = utcnow()
    rows = [(f"key-{i}", text, float(i) / 3, text, when) for i, text in enumerate(AWKWARD)]
    with session_scope(db_url) as session:
        statement = BulkStatement(session, insert(table_of(CostAssumption)),
                                  ("key", "unit", "value", "source", "updated_at"))
        assert (statement._copy is not None) == db_url.startswith("postgresql"), "COPY exactly on PostgreSQL"
        statement.run(rows)
    with Session(get_engine(db_url)) as session:
        stored = [(r.key, r.unit, r.value, r.source, r.updated_at) for r in
                  session.scalars(select(CostAssumption).order_by(CostAssumption.id))]
    assert [(k, u, v, s) for k, u, v, s, _ in stored] == [(k, u, v, s) for k, u, v, s, _ in rows]
    # SQLite hands back the UTC time without its zone; PostgreSQL the same instant in the session's zone.
    assert all((stamp if stamp.tzinfo else stamp.replace(tzinfo=dt.UTC)) == when for *_, stamp in stored)


def test_a_failing_bulk_insert_leaves_nothing_behind(db_url: str) -> None:
    when = utcnow()
    with pytest.raises(IntegrityError), session_scope(db_url) as session:
        statement = BulkStatement(session, insert(table_of(CostAssumption)),
                                  ("key", "unit", "value", "source", "updated_at"))
        statement.run([("kept?", "USD", 1.0, "s", when), ("twice", "USD", 2.0, "s", when),
                       ("twice", "USD", 3.0, "s", when)])
    with Session(get_engine(db_url)) as session:
        assert session.scalar(select(func.count()).select_from(CostAssumption)) == 0
