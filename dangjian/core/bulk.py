"""Inserting many rows at once (imports). On PostgreSQL rows go through ``COPY``, several times
faster than a multi-row ``INSERT`` for wide rows (no per-value SQL parameters); the primary keys
are taken from the table's sequence first, so the objects come back with them like from
``bulk_create``. Other databases use ``bulk_create``."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connection, models

SIMPLE = (str, int, float, bool, type(None))


def insert(model: type[models.Model], objs: Sequence[models.Model], *, batch_size: int = 500) -> None:
    """Insert ``objs`` (new, unsaved) and set their primary keys. Fields holding JSON or other
    adapted values are not supported by the COPY path (they fall back to ``bulk_create``)."""
    if not objs:
        return
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    if connection.vendor != "postgresql" or any(isinstance(f, models.JSONField) for f in fields):
        model.objects.bulk_create(objs, batch_size=batch_size)
        return
    pk = model._meta.pk
    table = model._meta.db_table
    timed = [f for f in fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)]
    for obj in objs:
        for field in timed:
            field.pre_save(obj, True)  # sets the timestamp on the object, like save() and bulk_create
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [table, pk.column, len(objs)],
        )
        ids = [row[0] for row in cursor.fetchall()]
        quote = connection.ops.quote_name
        columns = ", ".join(quote(f.column) for f in [pk, *fields])
        names = [f.attname for f in fields]
        with cursor.cursor.copy(f"COPY {quote(table)} ({columns}) FROM STDIN") as copy:
            for obj, new_id in zip(objs, ids, strict=True):
                copy.write_row([new_id, *(getattr(obj, name) for name in names)])
    for obj, new_id in zip(objs, ids, strict=True):
        obj.pk = new_id
        obj._state.adding = False
        obj._state.db = connection.alias
