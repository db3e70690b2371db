"""Alembic environment: runs on the connection `inventory.db.upgrade_schema` hands over."""

from alembic import context
from sqlmodel import SQLModel

import inventory.tables  # noqa: F401 - registers the tables on SQLModel.metadata

target_metadata = SQLModel.metadata
connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through inventory.db.upgrade_schema, which supplies the connection")

context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
