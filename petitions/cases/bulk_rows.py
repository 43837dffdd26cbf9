"""Inserting prepared rows (批量写入): many rows of one model as value tuples, not model instances.

The batch filing (`filing.file_cases`) writes about 40 rows a case (the case, its deadlines,
petitioners, categories, duplicate keys, audit entry). Django's ``bulk_create`` builds its
INSERT from model instances, preparing every field of every row (``pre_save``,
``get_db_prep_save``) and making an instance of each row first; for an import of 100,000 rows
that was most of the commit. Here the caller gives the values as Django would store them for
the plain types (text, numbers, booleans, a relation's id), and only the fields whose Python
value is not what the driver takes (dates and times, JSON, decimals, UUIDs) are converted,
through the field's own ``get_db_prep_save``, so a row is written exactly as the ORM writes it.
One INSERT: on PostgreSQL with one array a column (``UNNEST``, as Django's own bulk insert),
on SQLite with multi-row VALUES, split only at the build's limit of parameters a statement.

No signal is sent and no field's ``pre_save`` runs (no ``auto_now``, no file saved to storage):
the caller gives those values itself, as for ``bulk_create``'s signals.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from itertools import chain, islice
from typing import Any, cast
from uuid import UUID

from django.db import connection
from django.db.models import Field, Model
from django.utils import timezone

#: The field types whose values the database driver does not take as they are.
CONVERTED_TYPES = frozenset(
    {
        "DateField",
        "DateTimeField",
        "DecimalField",
        "DurationField",
        "JSONField",
        "TimeField",
        "UUIDField",
    }
)


#: The types whose equal values the database stores alike (a date, an instant, a number at the
#: field's places, a UUID): converted once per value in a call, not once per row.
_BY_VALUE = (dt.date, dt.time, dt.timedelta, Decimal, UUID)


def _converter(field: Field) -> Callable[[list[Any]], list[Any]] | None:
    """What converts a column of `field`'s values (a list, in order), or None if its values go
    as they are."""
    if field.get_internal_type() not in CONVERTED_TYPES:
        return None
    prepare = field.get_db_prep_save
    # Converted values of this call, by value where equal values are stored alike, else by
    # the object itself (kept, so that its id stays its own): the rows of a batch repeat their
    # days, a case's time of receipt (its duplicate keys), a shared deadline's calculation.
    by_value: dict[tuple[Any, ...], Any] = {}
    by_object: dict[int, tuple[Any, Any]] = {}

    def convert(values: list[Any]) -> list[Any]:
        converted: list[Any] = []
        append = converted.append
        last_in, last_out = object(), None
        for value in values:
            if value is last_in:  # a case's rows one after another (its duplicate keys)
                append(last_out)
                continue
            if value is None:
                out = None
            elif isinstance(value, _BY_VALUE):
                # The type is in the key (1 == Decimal(1)), and a time's zone and fold: equal
                # wall times of one zone compare equal across a change of clocks.
                key = (
                    type(value),
                    value,
                    getattr(value, "tzinfo", None),
                    getattr(value, "fold", 0),
                )
                out = by_value.get(key, by_value)
                if out is by_value:
                    out = by_value[key] = prepare(value, connection)
            elif (seen := by_object.get(id(value))) is not None:
                out = seen[1]
            else:
                out = prepare(value, connection)
                by_object[id(value)] = (value, out)
            last_in, last_out = value, out
            append(out)
        return converted

    return convert


#: On PostgreSQL, as many rows as go in one INSERT … VALUES; more go as arrays (UNNEST).
_FEW_ROWS = 20


def _sqlite_max_params() -> int:
    """How many parameters one statement may carry: the build's own limit (32766 since
    SQLite 3.32), where Django assumes the old 999."""
    connection.ensure_connection()
    return connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)


def insert_rows(
    model: type[Model],
    fields: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    returning_ids: bool = False,
    ignore_conflicts: bool = False,
) -> list[int]:
    """Insert `rows` (one value per field of `fields`, in order) into `model`'s table.

    A relation is named by its field (``case``) and given by its id. Returns the new rows'
    primary keys in the order given when `returning_ids` (``RETURNING``, as ``bulk_create``
    on SQLite 3.35+ and PostgreSQL), else an empty list. With `ignore_conflicts` a row that
    would break a unique constraint is left out (``ON CONFLICT DO NOTHING``, both databases),
    as ``bulk_create(ignore_conflicts=True)`` does; no ids are returned then.
    """
    if returning_ids and ignore_conflicts:
        raise ValueError("the ids of rows left out cannot be returned")
    meta = model._meta
    model_fields = [cast(Field, meta.get_field(name)) for name in fields]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(str(f.column)) for f in model_fields)
    converters = [(i, c) for i, f in enumerate(model_fields) if (c := _converter(f)) is not None]
    table = quote(meta.db_table)
    pk_column = str(meta.pk.column) if meta.pk is not None else "id"
    returning = f" RETURNING {quote(pk_column)}" if returning_ids else ""
    if ignore_conflicts:
        returning = " ON CONFLICT DO NOTHING"
    ids: list[int] = []

    def execute(sql: str, params: list[Any]) -> None:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            if returning_ids:
                ids.extend(row[0] for row in cursor.fetchall())

    width = len(model_fields)
    as_arrays = False
    if connection.vendor == "postgresql":
        rows = list(rows)  # counted; on SQLite they are taken a statement's worth at a time
        as_arrays = len(rows) > _FEW_ROWS
    if as_arrays:
        # One array a column, as Django's own bulk insert on PostgreSQL: a statement of a few
        # parameters, where VALUES would make the driver split a query of thousands. A few
        # rows (a single filing's) go as VALUES: the driver builds arrays in far more steps.
        arrays = [list(column) for column in zip(*rows, strict=True)]
        if arrays:
            for i, convert in converters:
                arrays[i] = convert(arrays[i])
            types = ", ".join(
                "(%s)::" + str(f.db_type(connection)).split("(")[0] + "[]" for f in model_fields
            )
            execute(
                f"INSERT INTO {table} ({columns}) SELECT * FROM UNNEST({types}){returning}",  # noqa: S608 (names of the model; values are parameters)
                arrays,
            )
        return ids

    per_statement = (
        max(1, _sqlite_max_params() // width) if connection.vendor == "sqlite" else _FEW_ROWS
    )
    one = "(" + ", ".join(["%s"] * width) + ")"
    insert = f"INSERT INTO {table} ({columns}) VALUES "  # noqa: S608 (names of the model)
    remaining = iter(rows)
    while chunk := list(islice(remaining, per_statement)):
        params = list(chain.from_iterable(chunk))
        if len(params) != width * len(chunk):
            raise ValueError(f"{meta.label}: a row has not {width} values")
        # Column by column: every width-th parameter is the same field's.
        for i, convert in converters:
            params[i::width] = convert(params[i::width])
        execute(insert + ", ".join([one] * len(chunk)) + returning, params)
    return ids


def insert_instances(objects: Sequence[Model], *, returning_ids: bool = False) -> None:
    """Insert instances made in memory (a case and its petitioners, deadlines) as the rows of
    their fields' values, every concrete field but the automatic primary key.

    With `returning_ids` the instances get their ids and are marked saved, as ``bulk_create``
    does. Nothing is pre-saved: ``auto_now`` and ``auto_now_add`` fields must be set already.
    """
    if not objects:
        return
    model = type(objects[0])
    fields = [
        f
        for f in model._meta.concrete_fields
        if not (f.primary_key and f.get_internal_type() in ("AutoField", "BigAutoField"))
    ]
    names = [f.attname for f in fields]
    ids = insert_rows(
        model,
        [f.name for f in fields],
        ([getattr(obj, name) for name in names] for obj in objects),
        returning_ids=returning_ids,
    )
    if not returning_ids:
        return
    for obj, pk in zip(objects, ids, strict=True):
        obj.pk = pk
        obj._state.adding = False
        obj._state.db = connection.alias


def insert_new(
    model: type[Model],
    rows: Iterable[Mapping[str, Any]],
    *,
    now: dt.datetime | None = None,
    ignore_conflicts: bool = False,
) -> None:
    """Insert rows given as {field name: value} (a relation by its id), every other field at
    its default as a new instance has it, ``auto_now``/``auto_now_add`` fields at `now`
    (default: this moment), the automatic primary key left to the database."""
    fields = [
        f
        for f in model._meta.concrete_fields
        if not (f.primary_key and f.get_internal_type() in ("AutoField", "BigAutoField"))
    ]
    at = now or timezone.now()
    defaults = {
        f.name: at
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
        # A callable default (dict, list) is made once: the rows share it, unchanged.
        else f.get_default()
        for f in fields
    }
    names = [f.name for f in fields]

    def values() -> Iterator[list[Any]]:
        for given in rows:
            if unknown := given.keys() - defaults.keys():
                raise ValueError(f"{model._meta.label} has no field {sorted(unknown)}")
            yield [given.get(name, defaults[name]) for name in names]

    insert_rows(model, names, values(), ignore_conflicts=ignore_conflicts)
