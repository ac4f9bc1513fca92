"""Append many rows at once, in the caller's transaction: PostgreSQL COPY, SQLite executemany.

For background jobs that write tens of thousands of rows in one go (the deadline scan's first run
over a backlog): no model instances and no per-field preparation in Python, which is what makes
`bulk_create` cost ~50 µs a row. Callers pass plain values (ints, str, dates, aware datetimes, dicts
for JSON); columns left out get the field's default. No ids come back, and no signals are sent —
use it only for rows nothing reacts to.
"""

import json
from collections.abc import Callable, Iterable, Sequence

from django.db import connection, models


def rows_append(model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence]) -> int:
    """Insert `rows` (tuples in the order of `columns`, field attnames) into `model`'s table."""
    fields = {f.attname: f for f in model._meta.concrete_fields}
    given = [fields[name] for name in columns]
    rest = [f for f in model._meta.concrete_fields if f.attname not in columns and not f.primary_key]
    missing = [f.attname for f in rest if not f.null and f.get_default() is None]
    if missing:
        raise ValueError(f"{model.__name__}: give a value for {', '.join(missing)} (NOT NULL, no default)")
    defaults = tuple(_adapter(f)(f.get_default()) for f in rest)
    adapters = [(i, adapt) for i, f in enumerate(given) if (adapt := _adapter(f)) is not _same]
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    names = ", ".join(quote(f.column) for f in [*given, *rest])
    count = 0
    with connection.cursor() as cursor:
        raw = cursor.cursor  # the DB-API cursor under Django's wrapper, in the same transaction
        if connection.vendor == "postgresql":
            with raw.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(_adapted(row, adapters) + defaults)
                    count += 1
        else:
            marks = ", ".join("?" * (len(given) + len(rest)))
            values = [_adapted(row, adapters) + defaults for row in rows]
            # Table and column names come from the model and are quoted; the values are parameters.
            raw.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", values)  # noqa: S608
            count = len(values)
    return count


def _same(value):
    return value


def _adapter(field: models.Field) -> Callable:
    """How a Python value becomes a column value for this database (only where psycopg/sqlite3 differ)."""
    if isinstance(field, models.JSONField):
        return lambda value: None if value is None else json.dumps(value, ensure_ascii=False)
    if isinstance(field, models.DateTimeField) and connection.vendor != "postgresql":
        return connection.ops.adapt_datetimefield_value
    if isinstance(field, models.DateField) and connection.vendor != "postgresql":
        return connection.ops.adapt_datefield_value
    return _same


def _adapted(row: Sequence, adapters: list[tuple[int, Callable]]) -> tuple:
    if not adapters:
        return tuple(row)
    out = list(row)
    for i, adapt in adapters:
        out[i] = adapt(out[i])
    return tuple(out)
