"""Pages: the compliance table of a subtree with drill-down, an organisation's record book and
calendar, and the list of irregular organisational life."""

from __future__ import annotations

from collections import defaultdict

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone

from dangjian.core import scope
from dangjian.core.forms import page_of
from dangjian.meetings.choices import MeetingKind
from dangjian.orgs.models import PartyOrganisation

from . import rules, selectors
from .views_common import children_summary, parse_year, root_for


@login_required
def table(request):
    year = parse_year(request.GET.get("year"), strict=False)
    root = root_for(request.user, request.GET.get("under"))
    scope.require_action(request.user, "compliance.view")
    rows = selectors.compute(request.user, under=root, year=year)
    rows.sort(key=lambda r: (not r.irregular, -r.missed, -r.minutes_missing, r.path))
    rates = [r.themed_rate for r in rows if r.themed_rate is not None]
    totals = {
        "units": len(rows),
        "irregular": sum(1 for r in rows if r.irregular),
        "missed": sum(r.missed for r in rows),
        "minutes_missing": sum(r.minutes_missing for r in rows),
        "themed_rate": rules.rate(sum(r.themed_present for r in rows), sum(r.themed_expected for r in rows)),
        "rates_known": len(rates),
    }
    parent = None
    if root is not None and root.depth > 1:
        candidate = PartyOrganisation.objects.filter(path=root.path[: -PartyOrganisation.steplen]).first()
        if candidate is not None and scope.can(request.user, "compliance.view", candidate):
            parent = candidate
    return render(
        request,
        "compliance/table.html",
        {
            "year": year,
            "root": root,
            "parent": parent,
            "children": children_summary(root, rows),
            "page": page_of(request, rows, 50),
            "totals": totals,
        },
    )


@login_required
def book(request, org_id):
    org = scope.get_in_scope(request.user, "compliance.view", PartyOrganisation, pk=org_id)
    year = parse_year(request.GET.get("year"), strict=False)
    rows = selectors.compute(request.user, under=org, year=year)
    status = next((row for row in rows if row.org_id == org.pk), None)
    lines = selectors.meeting_lines(request.user, org, year)
    by_kind: dict[str, list] = defaultdict(list)
    by_month: dict[int, list] = defaultdict(list)
    for line in lines:
        by_kind[line.kind].append(line)
        by_month[timezone.localtime(line.starts_at).month].append(line)
    months = [{"month": m, "lines": by_month.get(m, [])} for m in range(1, 13)]
    return render(
        request,
        "compliance/book.html",
        {
            "org": org,
            "parent_id": org.path[: -PartyOrganisation.steplen]
            and PartyOrganisation.objects.filter(path=org.path[: -PartyOrganisation.steplen])
            .values_list("pk", flat=True)
            .first(),
            "year": year,
            "status": status,
            "kinds": [(str(label), by_kind.get(kind, [])) for kind, label in MeetingKind.choices if kind in by_kind],
            "months": months,
            "lines": lines,
        },
    )


@login_required
def alerts(request):
    year = parse_year(request.GET.get("year"), strict=False)
    root = root_for(request.user, request.GET.get("under"))
    scope.require_action(request.user, "compliance.view")
    found = selectors.alerts(request.user, under=root, year=year)
    return render(request, "compliance/alerts.html", {"year": year, "root": root, "page": page_of(request, found, 50)})
