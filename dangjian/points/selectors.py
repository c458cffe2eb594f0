"""Reads of volunteer points: a worker's own ledger and per-organisation leaderboards."""

from __future__ import annotations

from django.db.models import Sum

from dangjian.orgs.models import PartyOrganisation

from .models import EntryKind, PointAccount, PointEntry


def my_entries(user, limit: int = 50):
    return PointEntry.objects.filter(account__user=user).select_related("station", "org")[:limit]


def balance(user) -> int:
    return PointAccount.objects.filter(user=user).values_list("balance", flat=True).first() or 0


def leaderboard(org: PartyOrganisation, limit: int = 20) -> list[dict]:
    """Workers by points earned in the organisation's subtree (earn and corrections, not spending)."""
    rows = (
        PointEntry.objects.filter(org__path__startswith=org.path)
        .exclude(kind=EntryKind.REDEEM)
        .values("account__user_id", "account__user__display_name", "account__user__username")
        .annotate(total=Sum("points"))
        .filter(total__gt=0)
        .order_by("-total", "account__user_id")[:limit]
    )
    return [
        {
            "user_id": row["account__user_id"],
            "name": row["account__user__display_name"] or row["account__user__username"],
            "points": row["total"],
        }
        for row in rows
    ]
