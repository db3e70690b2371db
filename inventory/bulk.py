"""Bulk writes through the database driver: one statement compiled once, executed for many rows.

The ORM (and even Core's per-row parameter handling) costs tens of seconds on 100,000 rows; the driver's
executemany costs seconds. On PostgreSQL (psycopg), plain inserts go through COPY instead, several times faster
again. Every bulk writer of the project (imports, assessments, plans) goes through here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, cast

import orjson
from sqlalchemy import JSON, Insert, Table, Update
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session


def json_text(value: Any) -> str:
    """A JSON column's value as BulkStatement takes it."""
    return orjson.dumps(value).decode()


class BulkStatement:
    """One INSERT or UPDATE run for many rows at once by the database driver (executemany).

    SQLAlchemy compiles the statement once for the session's dialect and each value is prepared as SQLAlchemy
    prepares it (the column type's bind processor), but none of its per-row statement machinery runs: 100,000
    rows take seconds instead of tens of seconds. `keys` name the values of each row, in order: column keys or
    the statement's own bind parameters (such as `row_id` in a WHERE clause); `constants` are the same for every
    row and prepared once. JSON columns take JSON text.
    """

    def __init__(
        self, session: Session, statement: Insert | Update, keys: Sequence[str], *,
        constants: Mapping[str, Any] | None = None,
    ) -> None:
        self._connection = session.connection()
        dialect = self._connection.dialect
        table = cast(Table, statement.table)
        fixed = dict(constants or {})
        every_key = (*keys, *fixed)
        columns = [key for key in every_key if key in table.c]
        compiled = statement.compile(dialect=dialect, column_keys=columns, for_executemany=True)
        names = list(compiled.positiontup or ()) if compiled.positional else list(compiled.binds)
        if sorted(names) != sorted(every_key):
            raise ValueError(f"bulk statement parameters {names} do not match the row keys {list(every_key)}")
        self._sql = str(compiled)
        processors = {key: _bind_processor(table, key, dialect) for key in columns}
        self._constants = tuple(_prepared(processors.get(key), value) for key, value in fixed.items())
        self._processors = [(position, processor) for position, key in enumerate(keys)
                            if (processor := processors.get(key)) is not None]
        self._keys = every_key
        index = {key: position for position, key in enumerate(every_key)}
        self._order = [index[name] for name in names] if compiled.positional else None
        self._copy = _copy_statement(statement, table, every_key, dialect)

    def run(self, rows: Iterable[Sequence[Any]]) -> None:
        """Execute the statement once per row (each row: values in `keys` order)."""
        prepared = self._prepared(rows)
        if self._copy is not None:
            self._run_copy(prepared, self._copy)
            return
        order, keys = self._order, self._keys
        params = [tuple([values[position] for position in order]) if order is not None
                  else dict(zip(keys, values, strict=True)) for values in prepared]
        if params:
            self._connection.exec_driver_sql(self._sql, params)

    def _prepared(self, rows: Iterable[Sequence[Any]]) -> Iterator[list[Any]]:
        """Each row's values followed by the constants, in `keys` order, through the columns' bind processors."""
        processors, constants = self._processors, self._constants
        for row in rows:
            values = [*row, *constants]
            for position, process in processors:
                values[position] = process(values[position])
            yield values

    def _run_copy(self, prepared: Iterable[list[Any]], sql: str) -> None:
        """COPY ... FROM STDIN on the session's own connection (so inside its transaction), the columns listed in
        `keys` order as the prepared values are."""
        dialect = self._connection.dialect
        cursor = self._connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
        try:
            with cursor.copy(sql) as copy:
                for values in prepared:
                    copy.write_row(values)
        except dialect.loaded_dbapi.Error as e:
            # As SQLAlchemy raises them for its own statements (IntegrityError for a duplicate key...).
            raise DBAPIError.instance(sql, None, e, dialect.loaded_dbapi.Error, dialect=dialect) from e
        finally:
            cursor.close()


def _copy_statement(statement: Insert | Update, table: Table, keys: Sequence[str], dialect: Dialect) -> str | None:
    """`COPY table (columns) FROM STDIN` when the statement is a plain INSERT of `keys` on PostgreSQL through
    psycopg 3 (which has COPY); None otherwise (then executemany runs the statement)."""
    if not isinstance(statement, Insert) or dialect.name != "postgresql" or dialect.driver != "psycopg":
        return None
    if statement._returning or statement._post_values_clause is not None:  # noqa: SLF001 - no public accessor
        return None
    preparer = dialect.identifier_preparer
    columns = ", ".join(preparer.quote(table.c[key].name) for key in keys)
    return f"COPY {preparer.format_table(table)} ({columns}) FROM STDIN"


def _bind_processor(table: Table, key: str, dialect: Dialect) -> Callable[[Any], Any] | None:
    """How SQLAlchemy prepares a value of this column for the driver (None: as it is; JSON: given as text)."""
    column_type = table.c[key].type
    if isinstance(column_type, JSON):
        return None
    processor: Callable[[Any], Any] | None = column_type.dialect_impl(dialect).bind_processor(dialect)
    return processor


def _prepared(processor: Callable[[Any], Any] | None, value: Any) -> Any:
    return value if processor is None else processor(value)


