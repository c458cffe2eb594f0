"""Accounts over the JSON API (tag ``accounts``): me, tokens, users, role assignments."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status

from dangjian.core import scope
from dangjian.core.api import ERROR_RESPONSES, PageParams, paginate
from dangjian.core.errors import NotFoundError
from dangjian.orgs.models import PartyOrganisation

from . import selectors, services
from .choices import Role, TokenScope
from .models import ApiToken, RoleAssignment, User

router = Router()


class GrantOut(Schema):
    role: Role
    org_id: int
    org_name: str


class MeOut(Schema):
    id: int
    username: str
    display_name: str
    home_org_id: int | None
    elder_mode: bool
    language: str
    two_factor_enabled: bool
    roles: list[GrantOut]
    actions: list[str]


@router.get("/me", response={200: MeOut, **ERROR_RESPONSES}, summary="The current user, roles and actions")
def me(request):
    user = request.user
    rows = RoleAssignment.objects.filter(user=user).select_related("org").order_by("role", "org__path")
    return {
        "id": user.pk,
        "username": user.username,
        "display_name": user.display_name,
        "home_org_id": user.home_org_id,
        "elder_mode": user.elder_mode,
        "language": user.language,
        "two_factor_enabled": user.has_totp,
        "roles": [{"role": r.role, "org_id": r.org_id, "org_name": r.org.name} for r in rows],
        "actions": sorted(name for name in scope.actions() if scope.has_action(user, name)),
    }


class TokenIn(Schema):
    name: str
    scopes: list[TokenScope]
    days: int = 90


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    scopes: list[str]
    created_at: dt.datetime
    expires_at: dt.datetime
    revoked_at: dt.datetime | None
    last_used_at: dt.datetime | None


class TokenCreatedOut(TokenOut):
    token: str


@router.get("/tokens", response={200: list[TokenOut], **ERROR_RESPONSES}, summary="Your API tokens")
def list_tokens(request):
    return list(ApiToken.objects.filter(user=request.user))


@router.post(
    "/tokens",
    response={201: TokenCreatedOut, **ERROR_RESPONSES},
    summary="Create an API token (the secret is shown once)",
)
def create_token(request, payload: TokenIn):
    token, raw = services.token_create(
        user=request.user,
        name=payload.name,
        scopes=[str(s.value) for s in payload.scopes],
        days=payload.days,
        via_token=getattr(request, "api_token", None),
    )
    data = TokenOut.from_orm(token).model_dump()
    return Status(201, {**data, "token": raw})


@router.delete("/tokens/{int:token_id}", response={204: None, **ERROR_RESPONSES}, summary="Revoke an API token")
def revoke_token(request, token_id: int):
    token = ApiToken.objects.filter(pk=token_id, user=request.user).first()
    if token is None:
        raise NotFoundError(_("Not found, or outside the organisations you manage."))
    services.token_revoke(actor=request.user, token=token)
    return Status(204, None)


class UserOut(Schema):
    id: int
    username: str
    display_name: str
    mobile_masked: str
    home_org_id: int | None
    is_active: bool
    two_factor_enabled: bool
    last_login: dt.datetime | None


class UserPage(Schema):
    items: list[UserOut]
    count: int


class UserCreateIn(Schema):
    username: str
    password: str
    display_name: str = ""
    mobile: str = ""
    home_org_id: int


class UserPatchIn(Schema):
    display_name: str | None = None
    mobile: str | None = None
    home_org_id: int | None = None
    is_active: bool | None = None


def _user_out(user: User) -> dict:
    return {
        "id": user.pk,
        "username": user.username,
        "display_name": user.display_name,
        "mobile_masked": selectors.mask_mobile(user.mobile),
        "home_org_id": user.home_org_id,
        "is_active": user.is_active,
        "two_factor_enabled": user.has_totp,
        "last_login": user.last_login,
    }


def _org(request, org_id: int, action: str) -> PartyOrganisation:
    return scope.get_in_scope(request.user, action, PartyOrganisation, pk=org_id)


@router.get("/users", response={200: UserPage, **ERROR_RESPONSES}, summary="User accounts in your scope")
def list_users(request, page: Query[PageParams], q: str = ""):
    scope.require_action(request.user, "user.view")
    items, count = paginate(selectors.user_list(request.user, q=q), page)
    return {"items": [_user_out(u) for u in items], "count": count}


@router.get("/users/{int:user_id}", response={200: UserOut, **ERROR_RESPONSES}, summary="Get a user account")
def get_user(request, user_id: int):
    return _user_out(scope.get_in_scope(request.user, "user.view", User, pk=user_id))


@router.post("/users", response={201: UserOut, **ERROR_RESPONSES}, summary="Create a user account")
def create_user(request, payload: UserCreateIn):
    user = services.user_create(
        actor=request.user,
        username=payload.username,
        password=payload.password,
        display_name=payload.display_name,
        mobile=payload.mobile,
        home_org=_org(request, payload.home_org_id, "org.view"),
    )
    return Status(201, _user_out(user))


@router.patch("/users/{int:user_id}", response={200: UserOut, **ERROR_RESPONSES}, summary="Update a user account")
def update_user(request, user_id: int, payload: UserPatchIn):
    user = scope.get_in_scope(request.user, "user.view", User, pk=user_id)
    data = payload.model_dump(exclude_unset=True)
    home_org_id = data.pop("home_org_id", None)
    home_org = _org(request, home_org_id, "org.view") if home_org_id else None
    user = services.user_update(actor=request.user, user=user, home_org=home_org, **data)
    return _user_out(user)


class AssignmentOut(Schema):
    id: int
    user_id: int
    username: str
    role: Role
    org_id: int
    org_name: str
    granted_at: dt.datetime
    note: str


class AssignmentPage(Schema):
    items: list[AssignmentOut]
    count: int


class AssignmentIn(Schema):
    user_id: int
    role: Role
    org_id: int
    note: str = ""


def _assignment_out(a: RoleAssignment) -> dict:
    return {
        "id": a.pk,
        "user_id": a.user_id,
        "username": a.user.username,
        "role": a.role,
        "org_id": a.org_id,
        "org_name": a.org.name,
        "granted_at": a.granted_at,
        "note": a.note,
    }


@router.get(
    "/role-assignments", response={200: AssignmentPage, **ERROR_RESPONSES}, summary="Role assignments in your scope"
)
def list_assignments(request, page: Query[PageParams], user_id: int | None = None, role: Role | None = None):
    scope.require_action(request.user, "role.view")
    items, count = paginate(selectors.assignment_list(request.user, user_id=user_id, role=role or ""), page)
    return {"items": [_assignment_out(a) for a in items], "count": count}


@router.post("/role-assignments", response={201: AssignmentOut, **ERROR_RESPONSES}, summary="Assign a role")
def create_assignment(request, payload: AssignmentIn):
    user = scope.get_in_scope(request.user, "user.view", User, pk=payload.user_id)
    assignment = services.role_assign(
        actor=request.user,
        user=user,
        role=payload.role,
        org=_org(request, payload.org_id, "org.view"),
        note=payload.note,
    )
    return Status(201, _assignment_out(assignment))


@router.delete(
    "/role-assignments/{int:assignment_id}", response={204: None, **ERROR_RESPONSES}, summary="Revoke a role assignment"
)
def delete_assignment(request, assignment_id: int):
    assignment = scope.get_in_scope(request.user, "role.view", RoleAssignment, pk=assignment_id)
    services.role_revoke(actor=request.user, assignment=assignment)
    return Status(204, None)
