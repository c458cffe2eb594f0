"""One object and one related object by a fixed condition, with SQL built once per process.

For the few lookups that every request makes (the API token and its user) or that a burst makes
thousands of times a minute (a check-in's attendee and member): the ORM would compile
the same query on every call (~1 ms, most of the lookup's cost). The SQL is built from the models'
metadata on first use; values pass through the same converters the ORM applies, so the objects are
the ones the ORM would return."""

from __future__ import annotations

from functools import cache

from django.db import connection, models


@cache
def _plan(model: type[models.Model], relation: str, vendor: str):
    field = model._meta.get_field(relation)
    related = field.related_model
    quote = connection.ops.quote_name
    own, other = list(model._meta.concrete_fields), list(related._meta.concrete_fields)
    columns = [f"t.{quote(f.column)}" for f in own] + [f"r.{quote(f.column)}" for f in other]
    # Every name comes from the models' metadata, quoted; values are always parameters.
    join = f"r.{quote(field.target_field.column)} = t.{quote(field.column)}"
    sql = f"SELECT {', '.join(columns)} FROM {quote(model._meta.db_table)} t JOIN {quote(related._meta.db_table)} r ON {join}"  # noqa: S608, E501
    converters = []
    for alias, fields in (("t", own), ("r", other)):
        for f in fields:
            expression = f.get_col(alias)
            found = connection.ops.get_db_converters(expression) + f.get_db_converters(connection)
            converters.append((found, expression))
    return sql, own, other, related, converters


def first_with_related(model: type[models.Model], relation: str, column: str, value):
    """``model.objects.select_related(relation).filter(<column>=value).first()`` without ordering
    (the column is unique), or None."""
    return first_where(model, relation, own={column: value})


def first_where(model: type[models.Model], relation: str, *, own: dict, related: dict | None = None):
    """The object (with ``relation`` loaded) whose own columns and related object's columns equal
    the given values ({column name: value}, ANDed), or None. For conditions that match at most one
    row (a unique key); no ordering."""
    sql, own_fields, other, related_model, converters = _plan(model, relation, connection.vendor)
    quote = connection.ops.quote_name
    conditions = [f"t.{quote(column)} = %s" for column in own]
    conditions += [f"r.{quote(column)} = %s" for column in related or {}]
    with connection.cursor() as cursor:
        cursor.execute(f"{sql} WHERE {' AND '.join(conditions)} LIMIT 1", [*own.values(), *(related or {}).values()])
        row = cursor.fetchone()
    if row is None:
        return None
    values = []
    for raw, (found, expression) in zip(row, converters, strict=True):
        for converter in found:
            raw = converter(raw, expression, connection)
        values.append(raw)
    db = connection.alias
    obj = model.from_db(db, [f.attname for f in own_fields], values[: len(own_fields)])
    setattr(obj, relation, related_model.from_db(db, [f.attname for f in other], values[len(own_fields) :]))
    return obj
