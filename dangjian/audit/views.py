"""The audit trail pages, for the audit administrator only: list, chain status, CSV export."""

from __future__ import annotations

import csv
import datetime as dt
import json
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.core import audit, audit_chain, scope
from dangjian.core.forms import page_of

from . import selectors

TEXT_FILTERS = ("actor", "action", "object_type", "object_id")


def _filters(request) -> tuple[dict, dict]:
    """(values for the form, arguments for the selector); bad dates are ignored with no error."""
    params = {key: request.GET.get(key, "").strip() for key in (*TEXT_FILTERS, "since", "until")}
    args = {key: params[key] for key in TEXT_FILTERS}
    for key in ("since", "until"):
        try:
            day = dt.date.fromisoformat(params[key]) if params[key] else None
        except ValueError:
            params[key] = ""
            day = None
        if day is not None:
            moment = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
            args[key] = moment if key == "since" else moment + dt.timedelta(days=1)
    return params, args


@login_required
def entry_list(request):
    scope.require_action(request.user, "audit.view")
    params, args = _filters(request)
    entries = selectors.entry_list(request.user, **args)
    verify = audit_chain.verify_chain() if request.GET.get("verify") == "1" else None
    query = urlencode({k: v for k, v in params.items() if v})
    return render(
        request,
        "audit/entry_list.html",
        {
            "page": page_of(request, entries, 50),
            "params": params,
            "query": query,
            "chain": selectors.chain_status(),
            "verify": verify,
        },
    )


class _Echo:
    def write(self, value):
        return value


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: str) -> str:
    """Text a spreadsheet would run as a formula gets a leading apostrophe (OWASP "CSV injection"):
    the trail holds text typed by anyone, such as the user name of a failed login."""
    return "'" + value if value.startswith(_FORMULA_START) else value


@login_required
def export_csv(request):
    """The filtered entries in the auditor's scope as CSV (values are stored masked already)."""
    scope.require_action(request.user, "audit.view")
    params, args = _filters(request)
    entries = selectors.entry_list(request.user, **args)
    with transaction.atomic():
        audit.record(
            actor=request.user,
            action="audit.export",
            object_type="core.auditentry",
            object_repr=_("Audit trail export"),
            changes={"filters": [None, params]},
            org_path=request.user.home_org.path if request.user.home_org_id else "",
        )
    writer = csv.writer(_Echo())
    header = [
        "id",
        "time",
        "actor",
        "action",
        "object_type",
        "object_id",
        "object",
        "organisation_path",
        "changes",
        "request_id",
        "client_address",
        "digest",
        "block",
    ]

    def rows():
        yield "\ufeff" + writer.writerow(header)  # BOM: Excel opens UTF-8 Chinese text correctly
        for e in entries.iterator(chunk_size=2000):
            yield writer.writerow(
                [
                    e.pk,
                    e.created_at.isoformat(),
                    _cell(e.actor_label),
                    _cell(e.action),
                    _cell(e.object_type),
                    _cell(e.object_id),
                    _cell(e.object_repr),
                    _cell(e.org_path),
                    json.dumps(e.changes, ensure_ascii=False),
                    _cell(e.request_id),
                    _cell(e.client_ip),
                    e.digest,
                    e.block_seq or "",
                ]
            )

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="audit-{timezone.localdate():%Y%m%d}.csv"'
    return response
