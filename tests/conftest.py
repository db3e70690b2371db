"""Shared fixtures: each test owns a fresh database (SQLite file, or a fresh PostgreSQL database)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from inventory.db import dispose_engines

pytest_plugins = ["tests.arm_standin.fixture"]  # `arm` / `arm_standin`: a local ARM for the Azure SDK clients

FIXTURES = Path(__file__).parent / "fixtures"
PG_URL_ENV = "LUMEN_MIGRATE_TEST_PG_URL"
DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@pytest.fixture
def sqlite_url(tmp_path: Path) -> Iterator[str]:
    yield f"sqlite:///{tmp_path / 'lumen.db'}"
    dispose_engines()


def _postgres_admin_url() -> str:
    return os.environ.get(PG_URL_ENV, DEFAULT_PG_URL)


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A brand-new PostgreSQL database for one test, dropped afterwards."""
    try:
        import psycopg
    except ImportError:  # pragma: no cover - psycopg is in the dev extra
        pytest.skip("psycopg is not installed (pip install -e '.[dev]')")
    from sqlalchemy.engine import make_url

    admin = make_url(_postgres_admin_url())
    conninfo = admin.set(drivername="postgresql").render_as_string(hide_password=False)
    try:
        connection = psycopg.connect(conninfo, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as e:
        pytest.skip(f"PostgreSQL not reachable at {admin.render_as_string(hide_password=True)} ({PG_URL_ENV}): {e}")
    name = f"lumen_test_{uuid.uuid4().hex[:12]}"
    with connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield admin.set(database=name).render_as_string(hide_password=False)
    finally:
        dispose_engines()
        with psycopg.connect(conninfo, autocommit=True) as cleanup:
            cleanup.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest) -> str:
    """Run a test on SQLite and on PostgreSQL."""
    fixture = "sqlite_url" if request.param == "sqlite" else "postgres_url"
    url: str = request.getfixturevalue(fixture)
    return url
