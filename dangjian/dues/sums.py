"""Exact sums of money on every database.

SQLite keeps decimals as binary floating point and its SUM adds them as floats, so a ledger total
could come back as 789903.489999999. Summing whole fen instead (each value rounded to an integer
number of fen first, exact in a float up to 2^53 fen) is exact on SQLite, and on PostgreSQL the
same expression stays in exact numeric arithmetic.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import connection
from django.db.models import BigIntegerField, F, Sum, Value
from django.db.models.functions import Cast, Coalesce, Round


def fen_sum(expression, **extra) -> Coalesce:
    """SUM of ``expression`` (yuan) in whole fen, 0 when there are no rows."""
    if isinstance(expression, str):
        expression = F(expression)
    if connection.vendor == "postgresql":  # numeric is exact: sum first, then scale once
        return Coalesce(Cast(Sum(expression, **extra) * 100, BigIntegerField()), Value(0))
    return Coalesce(Sum(Round(expression * 100), output_field=BigIntegerField(), **extra), Value(0))


def to_yuan(fen_total) -> Decimal:
    return Decimal(int(fen_total or 0)).scaleb(-2)
