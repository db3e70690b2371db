"""Engine and schema: SQLite by default, any SQLAlchemy URL via --db / LUMEN_MIGRATE_DB_URL.

Nothing connects at import time; `get_engine(url)` builds (and caches) an engine and upgrades the schema
with Alembic, so an existing database is migrated rather than recreated.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, create_engine

from inventory.db_url import DB_URL_ENV as DB_URL_ENV
from inventory.db_url import redact_url, resolve_db_url
from inventory.errors import LumenError

_engines: dict[str, Engine] = {}
_lock = threading.Lock()


class DatabaseError(LumenError):
    """The database cannot be reached or its schema cannot be brought up to date."""


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
        # Execution writes from several threads: wait for the write lock rather than fail after 5 s.
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, **_JSON)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    # A server that does not answer fails the command in seconds instead of hanging it.
    connect_args = {"connect_timeout": 10} if parsed.get_backend_name() == "postgresql" else {}
    return create_engine(url, pool_pre_ping=True, connect_args=connect_args, **_JSON)


def upgrade_schema(engine: Engine) -> None:
    """Run Alembic migrations up to head on `engine`; a database written by a newer version is refused, untouched."""
    from alembic import command
    from alembic.config import Config
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    scripts = ScriptDirectory.from_config(config)
    known = {revision.revision for revision in scripts.walk_revisions()}
    try:
        with engine.begin() as connection:
            current = MigrationContext.configure(connection).get_current_heads()
            unknown = [revision for revision in current if revision not in known]
            if unknown:
                raise DatabaseError(
                    f"the database {redact_url(str(engine.url))} is at schema revision {', '.join(unknown)}, which "
                    f"this lumen-migrate does not know (its newest is {scripts.get_current_head()}): it was written "
                    "by a newer version; upgrade lumen-migrate or use another --db")
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
    except DatabaseError:
        raise
    except Exception as e:
        # The driver's own first line ("connection refused", "password authentication failed"), not SQLAlchemy's
        # wrapping and its link: the message is one line at the command line.
        detail = (str(getattr(e, "orig", None) or e).strip().splitlines() or [type(e).__name__])[0]
        raise DatabaseError(f"cannot open or upgrade the database {redact_url(str(engine.url))}: {detail}") from e


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
