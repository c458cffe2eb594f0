"""The audit trail over the JSON API (tag ``audit``): read-only, for the audit administrator."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Field, Query, Router, Schema

from dangjian.core import audit_chain, scope
from dangjian.core.api import ERROR_RESPONSES, PageParams, paginate

from . import selectors

router = Router()


class EntryOut(Schema):
    id: int
    created_at: dt.datetime
    actor_id: int | None
    actor_label: str
    action: str
    object_type: str
    object_id: str
    object_repr: str
    changes: dict[str, Any]
    request_id: str
    client_ip: str
    digest: str
    block_seq: int | None


class EntryPage(Schema):
    items: list[EntryOut]
    count: int


class EntryFilters(Schema):
    actor: str = ""
    action: str = ""
    object_type: str = ""
    object_id: str = ""
    since: dt.datetime | None = None
    until: dt.datetime | None = None


@router.get("/entries", response={200: EntryPage, **ERROR_RESPONSES}, summary="Audit entries in your scope")
def list_entries(request, filters: Query[EntryFilters], page: Query[PageParams]):
    scope.require_action(request.user, "audit.view")
    items, count = paginate(selectors.entry_list(request.user, **filters.model_dump()), page)
    return {"items": items, "count": count}


class VerifyOut(Schema):
    ok: bool
    reason: str = Field(
        description="empty when ok; else entry_changed, entry_missing, entry_added, entries_hash, "
        "prev_hash, block_altered, block_missing or entry_stray"
    )
    blocks: int
    sealed_entries: int
    unsealed_entries: int
    problem: str
    entry_id: int | None
    block_seq: int | None
    head_hash: str


@router.get("/verify", response={200: VerifyOut, **ERROR_RESPONSES}, summary="Verify the hash-chained audit trail")
def verify(request):
    scope.require_action(request.user, "audit.view")
    result = audit_chain.verify_chain()
    return {
        "ok": result.ok,
        "reason": result.reason,
        "blocks": result.blocks,
        "sealed_entries": result.sealed_entries,
        "unsealed_entries": result.unsealed_entries,
        "problem": result.problem,
        "entry_id": result.entry_id,
        "block_seq": result.block_seq,
        "head_hash": result.head_hash,
    }
