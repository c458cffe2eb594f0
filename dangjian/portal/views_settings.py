"""The settings page: rule numbers per region, for the system administrator."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from dangjian.core import policy, scope, services
from dangjian.core.errors import DomainError
from dangjian.orgs.choices import OrgKind
from dangjian.orgs.models import PartyOrganisation
from dangjian.orgs.selectors import scope_roots


@login_required
def policies_page(request):
    scope.require_action(request.user, "policy.view")
    roots = list(scope_roots(request.user, "policy.view"))
    regions = list(
        scope.restrict(request.user, "policy.view", model=PartyOrganisation)
        .filter(kind=OrgKind.COMMITTEE)
        .order_by("path")[:500]
    )
    org_id = request.POST.get("org") or request.GET.get("org")
    org = (
        scope.get_in_scope(request.user, "policy.view", PartyOrganisation, pk=org_id)
        if org_id
        else (roots[0] if roots else None)
    )
    if request.method == "POST" and org is not None:
        key = request.POST.get("key", "")
        try:
            if request.POST.get("clear"):
                services.policy_clear(actor=request.user, key=key, org=org)
            else:
                services.policy_set(actor=request.user, key=key, org=org, value=request.POST.get("value"))
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request, _("Saved. The new value applies to %(org)s and everything under it.") % {"org": org.name}
            )
        return redirect(f"{request.path}?org={org.pk}")
    rows = []
    if org is not None:
        definitions = policy.definitions()
        values = policy.values_for(list(definitions), org.path)
        rows = [
            {"key": key, "def": d, "value": values[key], "changed": values[key] != d.default}
            for key, d in definitions.items()
        ]
    return render(
        request,
        "portal/policies.html",
        {
            "org": org,
            "regions": regions,
            "rows": rows,
            "can_change": org is not None and scope.can(request.user, "policy.change", org),
        },
    )
