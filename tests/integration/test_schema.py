"""The Alembic migrations build exactly the schema the tables declare (on SQLite and PostgreSQL), and an older
database upgrades in place."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlmodel import SQLModel

from inventory.db import get_engine

pytestmark = pytest.mark.integration


def test_migrations_match_the_tables(db_url: str) -> None:
    engine = get_engine(db_url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": False})
        differences = [diff for diff in compare_metadata(context, SQLModel.metadata)
                       # server defaults that let the columns be added to existing rows are not in the models
                       if diff[0] != "modify_default"]
    assert differences == []
