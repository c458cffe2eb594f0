"""The audit trail page, for the audit administrator only."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from dangjian.core import scope
from dangjian.core.forms import page_of

from . import selectors


@login_required
def entry_list(request):
    scope.require_action(request.user, "audit.view")
    params = {key: request.GET.get(key, "").strip() for key in ("actor", "action", "object_type", "object_id")}
    entries = selectors.entry_list(request.user, **params)
    query = urlencode({k: v for k, v in params.items() if v})
    return render(
        request, "audit/entry_list.html", {"page": page_of(request, entries, 50), "params": params, "query": query}
    )
