"""Which database: the URL from --db, LUMEN_MIGRATE_DB_URL or the SQLite default, and how it is shown.

Kept apart from `inventory.db` so the CLI can resolve and print a URL without importing SQLAlchemy (a third of a
second): bad input is answered before any of that is loaded.
"""

from __future__ import annotations

import os
from pathlib import Path

DB_URL_ENV = "LUMEN_MIGRATE_DB_URL"
DEFAULT_DB_FILE = "lumen-migrate.db"


def default_db_url(directory: Path | None = None) -> str:
    """The embedded default: one SQLite file in the working directory (or `directory`)."""
    return f"sqlite:///{(directory or Path.cwd()) / DEFAULT_DB_FILE}"


def resolve_db_url(url: str | None = None) -> str:
    """An explicit URL wins, then LUMEN_MIGRATE_DB_URL, then the SQLite default."""
    return url or os.environ.get(DB_URL_ENV) or default_db_url()


def redact_url(url: str) -> str:
    """The URL with any password hidden, for messages and logs."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - a malformed URL must still be printable without its secret
        return "<unparseable database URL>"
