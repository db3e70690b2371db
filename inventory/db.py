"""Engine and schema: SQLite by default, any SQLAlchemy URL via --db / LUMEN_MIGRATE_DB_URL.

Nothing connects at import time; `get_engine(url)` builds (and caches) an engine and upgrades the schema
with Alembic, so an existing database is migrated rather than recreated.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, create_engine

from inventory.errors import LumenError

DB_URL_ENV = "LUMEN_MIGRATE_DB_URL"
DEFAULT_DB_FILE = "lumen-migrate.db"

_engines: dict[str, Engine] = {}
_lock = threading.Lock()


class DatabaseError(LumenError):
    """The database cannot be reached or its schema cannot be brought up to date."""


def default_db_url(directory: Path | None = None) -> str:
    """The embedded default: one SQLite file in the working directory (or `directory`)."""
    return f"sqlite:///{(directory or Path.cwd()) / DEFAULT_DB_FILE}"


def resolve_db_url(url: str | None = None) -> str:
    """An explicit URL wins, then LUMEN_MIGRATE_DB_URL, then the SQLite default."""
    return url or os.environ.get(DB_URL_ENV) or default_db_url()


def redact_url(url: str) -> str:
    """The URL with any password hidden, for messages and logs."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - a malformed URL must still be printable without its secret
        return "<unparseable database URL>"


def _json_dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


# orjson reads and writes the JSON columns (disks, tags, costs by option) several times faster than json.
_JSON = {"json_serializer": _json_dumps, "json_deserializer": orjson.loads}


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def get_engine(url: str | None = None) -> Engine:
    """The engine for `url`, built once per process, with the schema upgraded to the newest revision."""
    resolved = resolve_db_url(url)
    with _lock:
        engine = _engines.get(resolved)
        if engine is None:
            engine = _build_engine(resolved)
            upgrade_schema(engine)
            _engines[resolved] = engine
    return engine


def _build_engine(url: str) -> Engine:
    try:
        parsed = make_url(url)
    except Exception as e:
        raise DatabaseError(f"not a database URL: {redact_url(url)}") from e
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False}, **_JSON)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, **_JSON)


def upgrade_schema(engine: Engine) -> None:
    """Run Alembic migrations up to head on `engine`."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
    except Exception as e:
        raise DatabaseError(f"cannot open or upgrade the database {redact_url(str(engine.url))}: {e}") from e


def dispose_engines() -> None:
    """Close every cached engine (tests, and workers that fork)."""
    with _lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()


@contextmanager
def session_scope(url: str | None = None) -> Iterator[Session]:
    """One transaction: committed when the block ends normally, rolled back on any error."""
    with Session(get_engine(url), expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
