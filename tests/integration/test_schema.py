"""The Alembic migrations build exactly the schema the tables declare (on SQLite and PostgreSQL), and an older
database upgrades in place."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, text
from sqlmodel import Session, SQLModel, select

import inventory
from inventory.db import get_engine
from inventory.tables import AssessmentRun

pytestmark = pytest.mark.integration


def test_migrations_match_the_tables(db_url: str) -> None:
    engine = get_engine(db_url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": False})
        differences = [diff for diff in compare_metadata(context, SQLModel.metadata)
                       # server defaults that let the columns be added to existing rows are not in the models
                       if diff[0] != "modify_default"]
    assert differences == []


def test_assessment_runs_recorded_before_the_settings_column_upgrade_in_place(db_url: str) -> None:
    """A database at the execution-journal revision, with one assessment run, gains `assessment_run.settings`
    (empty for the old run: its other settings were not recorded) and keeps the row."""
    old = create_engine(db_url)
    config = Config()
    config.set_main_option("script_location", str(Path(inventory.__file__).parent / "migrations"))
    with old.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "5b2f0c9d7a31")
        connection.execute(text(
            "INSERT INTO assessment_run (started_at, region, pricing, ahb, percentile, comfort_factor, rules_source, "
            "catalog_as_of, systems) VALUES ('2026-11-01 10:00:00+00:00', 'eastus2', 'payg', false, 95, 1.3, "
            "'default_rules.yaml', '2026-08-15', 3)"))
    old.dispose()
    with Session(get_engine(db_url)) as session:
        run = session.exec(select(AssessmentRun)).one()
    assert (run.region, run.percentile, run.systems, run.settings) == ("eastus2", 95, 3, {})
