"""The scope matrix: every page and API operation × every role × inside / outside the user's subtree.

Every role is bound at ``street_a``. "in" objects sit under street_a, "out" objects under street_b.
Expected outcomes come from SPEC below (the specification, written out by hand), never from the
code's own registry; a separate test checks that the registry says the same.

Rules checked for each case:
- allowed (role holds the action and the object is in its subtree) → the operation's success status;
- outside the subtree → 404, so a denial never reveals that the object exists;
- inside but the role lacks the action → 403 or 404;
- anonymous → 401 (API) or a redirect to the login page (pages);
- a denied write changes nothing (the checked state and the audit trail stay the same).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.db import transaction
from django.test import Client

from conftest import login, make_user
from dangjian.accounts import services as account_services
from dangjian.accounts.models import RoleAssignment, User
from dangjian.core import scope
from dangjian.core.models import AuditEntry, PolicyValue
from dangjian.members import services as member_services
from dangjian.members.models import Member
from dangjian.orgs import services as org_services
from dangjian.orgs.models import HostEntity, OrgEntityLink, PartyOrganisation

ROLES = [
    "org_admin",
    "secretary",
    "committee_member",
    "member",
    "station_manager",
    "system_admin",
    "security_admin",
    "audit_admin",
]

# The specification: which roles may perform which action (within their subtree).
SPEC: dict[str, set[str]] = {
    "org.view": {
        "org_admin",
        "secretary",
        "committee_member",
        "member",
        "station_manager",
        "system_admin",
        "security_admin",
    },
    "org.create": {"org_admin"},
    "org.change": {"org_admin", "secretary"},
    "org.move": {"org_admin"},
    "entity.view": {"org_admin", "secretary", "committee_member", "station_manager"},
    "entity.create": {"org_admin", "secretary"},
    "entity.change": {"org_admin", "secretary"},
    "coverage.view": {"org_admin", "secretary", "committee_member"},
    "coverage.change": {"org_admin"},
    "user.view": {"system_admin", "security_admin"},
    "user.manage": {"system_admin"},
    "role.view": {"security_admin"},
    "role.manage": {"security_admin"},
    "policy.view": {"system_admin", "security_admin", "org_admin"},
    "policy.change": {"system_admin"},
    "audit.view": {"audit_admin"},
    "member.view": {"org_admin", "secretary", "committee_member"},
    "member.create": {"org_admin", "secretary"},
    "member.change": {"org_admin", "secretary"},
    "member.status": {"org_admin", "secretary"},
    "member.reveal": {"org_admin", "secretary"},
    "member.import": {"org_admin", "secretary"},
    "member.export": {"org_admin", "secretary"},
    "member.code_scan": {"org_admin", "secretary", "committee_member", "station_manager"},
}


def test_registry_matches_specification(db):
    registered = {name: set(action.roles) for name, action in scope.actions().items()}
    assert registered == SPEC


@dataclass
class World:
    orgs: Any
    entity_in: HostEntity
    entity_out: HostEntity
    user_in: User
    user_out: User
    assignment_in: RoleAssignment
    assignment_out: RoleAssignment
    dest_in: PartyOrganisation
    member_in: Member
    member_out: Member
    actors: dict[str, User] = field(default_factory=dict)

    def side(self, name: str, side: str):
        return {
            "org": {"in": self.orgs.branch_a, "out": self.orgs.branch_b},
            "street": {"in": self.orgs.street_a, "out": self.orgs.street_b},
            "dest": {"in": self.dest_in, "out": self.orgs.street_b},
            "entity": {"in": self.entity_in, "out": self.entity_out},
            "user": {"in": self.user_in, "out": self.user_out},
            "assignment": {"in": self.assignment_in, "out": self.assignment_out},
            "member": {"in": self.member_in, "out": self.member_out},
        }[name][side]


def _member(org, name, first17):
    from dangjian.core.validators import id_check_character

    number = first17[:17] + id_check_character(first17[:17])
    return member_services.member_register(
        actor=None,
        org=org,
        name=name,
        id_number=number,
        mobile="13800001111" if name == "张三" else "13800002222",
        political_status="full",
        join_date=dt.date(2015, 7, 1),
        full_member_date=dt.date(2016, 7, 1),
    )


def _consent_state(w):
    from dangjian.members.models import Consent

    return sorted(Consent.objects.values_list("member_id", "purpose", "withdrawn_at"))


def _flow_state(w):
    from dangjian.members.models import FlowRecord

    return sorted(FlowRecord.objects.values_list("member_id", "destination"))


def _lost_state(w):
    return list(Member.objects.order_by("pk").values_list("pk", "lost_contact_since"))


def _code_state(w):
    from dangjian.members.models import MemberCode

    return sorted(MemberCode.objects.values_list("member_id", "revoked_at"))


def _member_state(w):
    return list(Member.objects.order_by("pk").values_list("pk", "name", "status", "org_id", "mobile_masked"))


@pytest.fixture
def world(tree):
    def entity(owner, name):
        return org_services.entity_create(
            actor=None, owner_org=owner, name=name, kind="worker_group", industry="food_delivery"
        )

    user_in = make_user("member", tree.branch_a, username="target_in")
    user_out = make_user("member", tree.branch_b, username="target_out")
    w = World(
        orgs=tree,
        entity_in=entity(tree.street_a, "东街道骑手群体"),
        entity_out=entity(tree.street_b, "西街道骑手群体"),
        user_in=user_in,
        user_out=user_out,
        assignment_in=RoleAssignment.objects.get(user=user_in),
        assignment_out=RoleAssignment.objects.get(user=user_out),
        member_in=_member(tree.branch_a, "张三", "110105199001011237"),
        member_out=_member(tree.branch_b, "李四", "110105199202022341"),
        dest_in=org_services.org_create(
            actor=None,
            parent=tree.street_a,
            name="东街道第二党委",
            code="SA2",
            kind="committee",
            category="comprehensive",
        ),
    )
    for role in ROLES:
        w.actors[role] = make_user(role, tree.street_a, username=f"actor_{role}")
    return w


@dataclass
class Op:
    """One page or API operation. ``target`` names the object kind whose in/out side varies."""

    name: str
    method: str
    url: str  # formatted with {id}
    action: str
    target: str | None = None  # None: a list / form without an object
    view_action: str | None = None  # the action whose holders may see the object (403 vs 404)
    data: dict | None = None
    api: bool = False
    ok: tuple[int, ...] = (200,)
    state: Any = None  # callable(world) -> snapshot that a denied write must not change
    hides: str | None = None  # list ops: text of the out-object that must not appear

    def path(self, world: World, side: str) -> str:
        if self.target is None:
            return self.url
        return self.url.format(id=world.side(self.target, side).pk)

    def payload(self, world: World, side: str) -> dict:
        data = dict(self.data or {})
        for key, value in data.items():
            if isinstance(value, str) and value.startswith("@"):
                kind, which = value[1:].split(":")
                data[key] = world.side(kind, side if which == "side" else which).pk
        return data


def _org_state(w: World):
    return list(PartyOrganisation.objects.order_by("pk").values_list("pk", "name", "path"))


def _entity_state(w: World):
    return list(HostEntity.objects.order_by("pk").values_list("pk", "name", "owner_org_id"))


def _link_state(w: World):
    return sorted(OrgEntityLink.objects.values_list("org_id", "entity_id"))


def _role_state(w: World):
    return sorted(RoleAssignment.objects.values_list("user_id", "role", "org_id"))


def _user_state(w: World):
    return list(User.objects.order_by("pk").values_list("pk", "username", "display_name", "home_org_id", "is_active"))


def _policy_state(w: World):
    return sorted(PolicyValue.objects.values_list("key", "scope_path", "value"))


PAGE_OPS = [
    Op("tree page", "get", "/orgs/", "org.view"),
    Op("org detail", "get", "/orgs/{id}/", "org.view", "org", "org.view"),
    Op("org children", "get", "/orgs/{id}/children", "org.view", "street", "org.view"),
    Op("org edit form", "get", "/orgs/{id}/edit", "org.change", "org", "org.view"),
    Op(
        "org edit",
        "post",
        "/orgs/{id}/edit",
        "org.change",
        "org",
        "org.view",
        data={
            "name": "改名党支部",
            "code": "@org:side",
            "kind": "branch",
            "special_type": "standard",
            "category": "new_employment",
            "member_count": 1,
            "full_member_count": 1,
        },
        ok=(302,),
        state=_org_state,
    ),
    Op("org create form", "get", "/orgs/new?parent={id}", "org.create", "street", "org.view"),
    Op(
        "org create",
        "post",
        "/orgs/new?parent={id}",
        "org.create",
        "street",
        "org.view",
        data={
            "name": "新党支部",
            "code": "NEW-1",
            "kind": "branch",
            "special_type": "standard",
            "category": "new_employment",
            "member_count": 0,
            "full_member_count": 0,
        },
        ok=(302,),
        state=_org_state,
    ),
    Op("org move form", "get", "/orgs/{id}/move", "org.move", "org", "org.view"),
    Op(
        "org move",
        "post",
        "/orgs/{id}/move",
        "org.move",
        "org",
        "org.view",
        data={"parent": "@dest:side"},
        ok=(302,),
        state=_org_state,
    ),
    Op("entity list", "get", "/orgs/entities/", "entity.view", hides="西街道骑手群体"),
    Op("entity detail", "get", "/orgs/entities/{id}/", "entity.view", "entity", "entity.view"),
    Op("entity edit form", "get", "/orgs/entities/{id}/edit", "entity.change", "entity", "entity.view"),
    Op(
        "entity edit",
        "post",
        "/orgs/entities/{id}/edit",
        "entity.change",
        "entity",
        "entity.view",
        data={
            "name": "改名群体",
            "kind": "worker_group",
            "industry": "food_delivery",
            "employee_count": 0,
            "member_count": 0,
            "owner_org": "@street:side",
        },
        ok=(302,),
        state=_entity_state,
    ),
    Op("entity create form", "get", "/orgs/entities/new", "entity.create"),
    Op(
        "entity link",
        "post",
        "/orgs/entities/{id}/link",
        "coverage.change",
        "entity",
        "entity.view",
        data={"org": "@org:side"},
        ok=(302,),
        state=_link_state,
    ),
    Op("coverage page", "get", "/orgs/coverage/", "coverage.view"),
    Op("user list", "get", "/accounts/users/", "user.view", hides="target_out"),
    Op("user edit form", "get", "/accounts/users/{id}/", "user.manage", "user", "user.view"),
    Op(
        "user edit",
        "post",
        "/accounts/users/{id}/",
        "user.manage",
        "user",
        "user.view",
        data={"form": "edit", "display_name": "改名", "mobile": "", "is_active": "on", "home_org": "@org:side"},
        ok=(302,),
        state=_user_state,
    ),
    Op("role list", "get", "/accounts/roles/", "role.view", hides="target_out"),
    Op(
        "role revoke",
        "post",
        "/accounts/roles/{id}/revoke",
        "role.manage",
        "assignment",
        "role.view",
        ok=(302,),
        state=_role_state,
    ),
    Op("audit trail", "get", "/audit/", "audit.view"),
    Op("member list", "get", "/members/", "member.view", hides="李四"),
    Op("member search by ID", "get", "/members/?q=110105199202022341", "member.view", hides="李四"),
    Op("member detail", "get", "/members/{id}/", "member.view", "member", "member.view"),
    Op("member edit form", "get", "/members/{id}/edit", "member.change", "member", "member.view"),
    Op(
        "member edit",
        "post",
        "/members/{id}/edit",
        "member.change",
        "member",
        "member.view",
        data={
            "name": "改名",
            "ethnicity": "汉族",
            "employment_form": "rider",
            "political_status": "full",
            "join_date": "2015-07-01",
            "full_member_date": "2016-07-01",
            "org": "@org:side",
        },
        ok=(302,),
        state=_member_state,
    ),
    Op(
        "member status",
        "post",
        "/members/{id}/status",
        "member.status",
        "member",
        "member.view",
        data={"status": "stopped", "reason": "失联超过六个月"},
        ok=(302,),
        state=_member_state,
    ),
    Op(
        "member reveal",
        "post",
        "/members/{id}/",
        "member.reveal",
        "member",
        "member.view",
        data={"field": "mobile", "reason": "联系本人"},
        state=_member_state,
    ),
    Op("member create form", "get", "/members/new", "member.create"),
    Op("member code page", "get", "/members/{id}/code", "member.change", "member", "member.view"),
    Op("member code scan form", "get", "/members/scan", "member.code_scan"),
    Op("member import form", "get", "/members/import/", "member.import"),
    Op("lost-contact list", "get", "/members/lost-contact/", "member.view", hides="李四"),
    Op("flowing list", "get", "/members/flowing/", "member.view"),
    Op("self-registrations", "get", "/members/registrations/", "member.view"),
    Op("registration code", "get", "/members/join-code", "member.create"),
    Op("flowing outflow form", "get", "/members/{id}/flow", "member.change", "member", "member.view"),
    Op("flowing inflow form", "get", "/members/flowing/in", "member.create"),
    Op("lost-contact case", "get", "/members/{id}/lost-contact", "member.view", "member", "member.view"),
    Op("member export", "get", "/members/export.xlsx", "member.export"),
    Op(
        "member consent add",
        "post",
        "/members/{id}/consents",
        "member.change",
        "member",
        "member.view",
        data={"purpose": "services", "scope_text": "纸质同意书"},
        ok=(302,),
        state=_consent_state,
    ),
    Op("settings", "get", "/settings/policies", "policy.view"),
]

API_OPS = [
    Op("api org list", "get", "/api/v1/orgs", "org.view", api=True, hides="快递党支部"),
    Op("api org get", "get", "/api/v1/orgs/{id}", "org.view", "org", "org.view", api=True),
    Op("api org warnings", "get", "/api/v1/orgs/{id}/warnings", "org.view", "org", "org.view", api=True),
    Op(
        "api org create",
        "post",
        "/api/v1/orgs",
        "org.create",
        "street",
        "org.view",
        api=True,
        ok=(201,),
        data={
            "parent_id": "@street:side",
            "name": "新党支部",
            "code": "NEW-API",
            "kind": "branch",
            "category": "new_employment",
        },
        state=_org_state,
    ),
    Op(
        "api org update",
        "patch",
        "/api/v1/orgs/{id}",
        "org.change",
        "org",
        "org.view",
        api=True,
        data={"name": "改名党支部"},
        state=_org_state,
    ),
    Op(
        "api org move",
        "post",
        "/api/v1/orgs/{id}/move",
        "org.move",
        "org",
        "org.view",
        api=True,
        data={"parent_id": "@dest:side"},
        state=_org_state,
    ),
    Op("api entity list", "get", "/api/v1/orgs/entities", "entity.view", api=True, hides="西街道骑手群体"),
    Op("api entity get", "get", "/api/v1/orgs/entities/{id}", "entity.view", "entity", "entity.view", api=True),
    Op(
        "api entity create",
        "post",
        "/api/v1/orgs/entities",
        "entity.create",
        "street",
        "org.view",
        api=True,
        ok=(201,),
        data={"owner_org_id": "@street:side", "name": "新群体", "kind": "worker_group"},
        state=_entity_state,
    ),
    Op(
        "api entity update",
        "patch",
        "/api/v1/orgs/entities/{id}",
        "entity.change",
        "entity",
        "entity.view",
        api=True,
        data={"name": "改名群体"},
        state=_entity_state,
    ),
    Op(
        "api entity link",
        "post",
        "/api/v1/orgs/entities/{id}/links",
        "coverage.change",
        "entity",
        "entity.view",
        api=True,
        ok=(201,),
        data={"org_id": "@org:side"},
        state=_link_state,
    ),
    Op("api coverage", "get", "/api/v1/orgs/coverage", "coverage.view", api=True),
    Op("api user list", "get", "/api/v1/accounts/users", "user.view", api=True, hides="target_out"),
    Op("api user get", "get", "/api/v1/accounts/users/{id}", "user.view", "user", "user.view", api=True),
    Op(
        "api user update",
        "patch",
        "/api/v1/accounts/users/{id}",
        "user.manage",
        "user",
        "user.view",
        api=True,
        data={"display_name": "改名"},
        state=_user_state,
    ),
    Op(
        "api user create",
        "post",
        "/api/v1/accounts/users",
        "user.manage",
        "street",
        "org.view",
        api=True,
        ok=(201,),
        data={"username": "newbie", "password": "Another-Pass-99", "home_org_id": "@street:side"},
        state=_user_state,
    ),
    Op("api role list", "get", "/api/v1/accounts/role-assignments", "role.view", api=True, hides="target_out"),
    Op(
        "api role assign",
        "post",
        "/api/v1/accounts/role-assignments",
        "role.manage",
        "user",
        "user.view",
        api=True,
        ok=(201,),
        data={"user_id": "@user:side", "role": "secretary", "org_id": "@org:side"},
        state=_role_state,
    ),
    Op(
        "api role revoke",
        "delete",
        "/api/v1/accounts/role-assignments/{id}",
        "role.manage",
        "assignment",
        "role.view",
        api=True,
        ok=(204,),
        state=_role_state,
    ),
    Op("api policies", "get", "/api/v1/settings/policies?org_id={id}", "policy.view", "org", "policy.view", api=True),
    Op(
        "api policy set",
        "put",
        "/api/v1/settings/policies/orgs.branch_max_members",
        "policy.change",
        "street",
        "policy.view",
        api=True,
        data={"org_id": "@street:side", "value": 40},
        state=_policy_state,
    ),
    Op("api audit entries", "get", "/api/v1/audit/entries", "audit.view", api=True),
    Op("api member list", "get", "/api/v1/members", "member.view", api=True, hides="李四"),
    Op("api member get", "get", "/api/v1/members/{id}", "member.view", "member", "member.view", api=True),
    Op(
        "api member create",
        "post",
        "/api/v1/members",
        "member.create",
        "org",
        "org.view",
        api=True,
        ok=(201,),
        data={
            "org_id": "@org:side",
            "name": "王五",
            "id_number": "110105199505052345",
            "political_status": "probationary",
            "join_date": "2024-07-01",
        },
        state=_member_state,
    ),
    Op(
        "api member update",
        "patch",
        "/api/v1/members/{id}",
        "member.change",
        "member",
        "member.view",
        api=True,
        data={"work_area": "东湖商圈"},
        state=_member_state,
    ),
    Op(
        "api member status",
        "post",
        "/api/v1/members/{id}/status",
        "member.status",
        "member",
        "member.view",
        api=True,
        data={"status": "stopped", "reason": "失联"},
        state=_member_state,
    ),
    Op(
        "api member reveal",
        "post",
        "/api/v1/members/{id}/reveal",
        "member.reveal",
        "member",
        "member.view",
        api=True,
        data={"field": "id_number", "reason": "核对身份"},
        state=_member_state,
    ),
    Op(
        "api flowing outflow",
        "post",
        "/api/v1/members/{id}/flow",
        "member.change",
        "member",
        "member.view",
        api=True,
        ok=(201,),
        data={"destination": "杭州", "reason": "务工"},
        state=_flow_state,
    ),
    Op(
        "api lost-contact flag",
        "post",
        "/api/v1/members/{id}/lost-contact/flag",
        "member.status",
        "member",
        "member.view",
        api=True,
        ok=(201,),
        data={"basis": "电话停机"},
        state=_lost_state,
    ),
    Op(
        "api member code issue",
        "post",
        "/api/v1/members/{id}/code",
        "member.change",
        "member",
        "member.view",
        api=True,
        ok=(201,),
        state=_code_state,
    ),
]


def _request(client: Client, op: Op, world: World, side: str):
    path = op.path(world, side)
    data = op.payload(world, side)
    if op.api:
        if op.method == "get":
            return client.get(path)
        return getattr(client, op.method)(path, data=data, content_type="application/json")
    return getattr(client, op.method)(path, data=data)


def _can_view(role: str, op: Op) -> bool:
    return op.view_action is not None and role in SPEC[op.view_action]


def _check(op: Op, world: World, role: str | None, side: str) -> str | None:
    """Run one case inside a savepoint that is rolled back; returns a failure description or None."""
    client = Client() if role is None else login(world.actors[role])
    with transaction.atomic():
        before = op.state(world) if op.state else None
        audit_before = AuditEntry.objects.count()
        response = _request(client, op, world, side)
        status = response.status_code
        allowed = role is not None and role in SPEC[op.action] and (op.target is None or side == "in")
        problem = None
        if role is None:
            expected = (401,) if op.api else (302,)
            if status not in expected or (not op.api and "/accounts/login/" not in response["Location"]):
                problem = f"anonymous got {status}"
        elif allowed:
            if status not in op.ok:
                problem = f"expected {op.ok}, got {status}: {response.content[:300]!r}"
            elif op.hides and op.hides in response.content.decode():
                problem = f"list shows out-of-scope {op.hides!r}"
        elif op.target is not None and side == "out":
            if status != 404:
                problem = f"outside the subtree must be 404, got {status}"
        elif status not in (403, 404):
            problem = f"expected 403/404, got {status}"
        elif op.target is not None and not _can_view(role, op) and status != 404:
            problem = f"role cannot see the object: expected 404, got {status}"
        if not allowed and op.state is not None:
            if op.state(world) != before:
                problem = (problem or "") + " denied write changed data"
            if AuditEntry.objects.count() != audit_before:
                problem = (problem or "") + " denied write was audited as a change"
        transaction.set_rollback(True)
    return f"{op.name} / {role or 'anonymous'} / {side}: {problem}" if problem else None


@pytest.mark.parametrize("op", PAGE_OPS + API_OPS, ids=lambda op: op.name)
def test_scope_matrix(world, op):
    failures = []
    sides = ("in", "out") if op.target else ("in",)
    for role in [None, *ROLES]:
        for side in sides:
            failure = _check(op, world, role, side)
            if failure:
                failures.append(failure)
    assert failures == []


def test_token_scopes_narrow_the_role(world):
    """A token without orgs:write cannot write even for an administrator who could."""
    admin = world.actors["org_admin"]
    _, raw = account_services.token_create(user=admin, name="read only", scopes=["orgs:read"])
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert client.get(f"/api/v1/orgs/{world.orgs.branch_a.pk}").status_code == 200
    response = client.patch(
        f"/api/v1/orgs/{world.orgs.branch_a.pk}", data={"name": "x"}, content_type="application/json"
    )
    assert response.status_code == 404 or response.status_code == 403
    assert PartyOrganisation.objects.get(pk=world.orgs.branch_a.pk).name == "骑手党支部"
