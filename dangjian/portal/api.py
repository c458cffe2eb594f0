"""Settings per region over the JSON API (tag ``settings``)."""

from __future__ import annotations

from ninja import Router, Schema

from dangjian.core import policy, scope, services
from dangjian.core.api import ERROR_RESPONSES
from dangjian.orgs.models import PartyOrganisation

router = Router()


class PolicyOut(Schema):
    key: str
    label: str
    default: int
    value: int
    minimum: int | None
    maximum: int | None


class PolicyIn(Schema):
    org_id: int
    value: int


@router.get(
    "/policies",
    response={200: list[PolicyOut], **ERROR_RESPONSES},
    summary="Rule numbers in force for an organisation's region",
)
def list_policies(request, org_id: int):
    org = scope.get_in_scope(request.user, "policy.view", PartyOrganisation, pk=org_id)
    definitions = policy.definitions()
    values = policy.values_for(list(definitions), org.path)
    return [
        {
            "key": key,
            "label": str(d.label),
            "default": d.default,
            "value": values[key],
            "minimum": d.minimum,
            "maximum": d.maximum,
        }
        for key, d in definitions.items()
    ]


@router.put(
    "/policies/{key}",
    response={200: PolicyOut, **ERROR_RESPONSES},
    summary="Set a rule number for an organisation's region",
)
def set_policy(request, key: str, payload: PolicyIn):
    org = scope.get_in_scope(request.user, "policy.view", PartyOrganisation, pk=payload.org_id)
    services.policy_set(actor=request.user, key=key, org=org, value=payload.value)
    d = policy.definitions()[key]
    return {
        "key": key,
        "label": str(d.label),
        "default": d.default,
        "value": policy.value(key, org.path),
        "minimum": d.minimum,
        "maximum": d.maximum,
    }
