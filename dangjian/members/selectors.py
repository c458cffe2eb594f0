"""Reads of the member registry, narrowed through core.scope."""

from __future__ import annotations

from django.db.models import QuerySet, Value
from django.db.models.functions import Concat

from dangjian.core import crypto, scope
from dangjian.core.validators import normalise_id_number, normalise_mobile
from dangjian.orgs.models import PartyOrganisation

from .models import ID_CONTEXT, MOBILE_CONTEXT, Member

_ID_LIKE = 18
_MOBILE_LIKE = 11


def member_list(
    user,
    *,
    q: str = "",
    status: str = "",
    employment_form: str = "",
    category: str = "",
    flowing: str = "",
    political_status: str = "",
    under: PartyOrganisation | None = None,
) -> QuerySet[Member]:
    """Members the user may see. ``q`` matches a name (contains), or exactly an ID number or a
    mobile number (through the blind index: the database never sees the number itself)."""
    members = scope.restrict(user, "member.view", model=Member).select_related("org", "employer")
    q = (q or "").strip()
    order = ["name", "id"]
    if q:
        as_id = normalise_id_number(q)
        as_mobile = normalise_mobile(q)
        if len(as_id) == _ID_LIKE and as_id[:17].isdigit():
            members = members.filter(id_number_bidx__in=crypto.blind_indexes(as_id, ID_CONTEXT))
        elif len(as_mobile) == _MOBILE_LIKE and as_mobile.isdigit():
            members = members.filter(mobile_bidx__in=crypto.blind_indexes(as_mobile, MOBILE_CONTEXT))
        else:
            members = members.filter(name__icontains=q)
            # The same order, as an expression member_name_id_idx does not cover. The text searched
            # for is usually a surname, the start of the name, so the matches sit together in that
            # index: walking it "until 50 match" would first read every earlier name (seconds at
            # province scale). Sorting the matches is what a substring search needs.
            order = [Concat("name", Value("")), "id"]
    if status:
        members = members.filter(status=status)
    if employment_form:
        members = members.filter(employment_form=employment_form)
    if category:
        members = members.filter(org__category=category)
    if flowing in ("1", "0"):
        members = members.filter(is_flowing=flowing == "1")
    if political_status:
        members = members.filter(political_status=political_status)
    if under is not None:
        members = members.filter(org__path__startswith=under.path)
    return members.order_by(*order)


def counts_by_status(user, under: PartyOrganisation | None = None) -> dict[str, int]:
    from django.db.models import Count

    members = scope.restrict(user, "member.view", model=Member)
    if under is not None:
        members = members.filter(org__path__startswith=under.path)
    return dict(members.order_by().values_list("status").annotate(n=Count("id")))
