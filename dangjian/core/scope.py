"""The one permission scope.

A user acts through grants: (role, actions, organisation path). A grant covers the organisation at
that materialized path and its whole subtree, so "what may this user see" is one indexed prefix
query. Core knows nothing of roles or organisations: ``accounts`` registers the grant provider and
each app registers which field of its models holds the organisation path.

Every read that can cross a scope uses :func:`restrict`; every write checks :func:`require`
before and :func:`ensure_in_scope` after, inside the service's transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext as _

from .errors import NotFoundError, ScopeDenied


@dataclass(frozen=True)
class Action:
    """Something a user may do. ``token_scope`` is what an API token must carry to do it;
    ``roles`` are the role names (defined by accounts) whose assignments grant it."""

    name: str
    token_scope: str
    label: str
    roles: frozenset[str]


@dataclass(frozen=True)
class Grant:
    """One role assignment seen by core: the actions it allows and the subtree (path prefix)."""

    role: str
    actions: frozenset[str]
    path: str


_actions: dict[str, Action] = {}
_model_paths: dict[type[models.Model], str] = {}
_path_copies: list[tuple[type[models.Model], str]] = []
_grant_provider: Callable[[object], Iterable[Grant]] | None = None


def register_action(name: str, token_scope: str, label: str, roles: Iterable[str]) -> Action:
    """Declare an action; each app declares its own in ``AppConfig.ready()``."""
    action = Action(name, token_scope, label, frozenset(str(role) for role in roles))
    _actions[name] = action
    return action


def actions_of_role(role: str) -> frozenset[str]:
    return frozenset(name for name, action in _actions.items() if role in action.roles)


def actions() -> dict[str, Action]:
    return dict(_actions)


def register_grant_provider(provider: Callable[[object], Iterable[Grant]]) -> None:
    global _grant_provider
    _grant_provider = provider


def register_scoped_model(model: type[models.Model], path_lookup: str) -> None:
    """Declare the lookup from ``model`` to the organisation path that scopes it."""
    _model_paths[model] = path_lookup


def register_path_copy(model: type[models.Model], field: str) -> None:
    """Declare a column that holds a copy of an organisation path (denormalised for speed), so
    that :func:`carry_paths` rewrites it when the organisation moves."""
    _path_copies.append((model, field))


def carry_paths(old_path: str, new_path: str) -> None:
    """Rewrite every registered path copy under ``old_path`` to lie under ``new_path`` (a move)."""
    from django.db.models import Value
    from django.db.models.functions import Concat, Substr

    for model, field in _path_copies:
        model._default_manager.filter(**{f"{field}__startswith": old_path}).update(
            **{field: Concat(Value(new_path), Substr(field, len(old_path) + 1))}
        )


def path_lookup_for(model: type[models.Model]) -> str:
    try:
        return _model_paths[model]
    except KeyError:
        raise LookupError(f"{model.__name__} is not registered with core.scope") from None


class Scope:
    """The set of subtrees (path prefixes) in which a user may perform one action."""

    def __init__(self, paths: Iterable[str]):
        unique = sorted(set(paths))
        # Drop prefixes already covered by a shorter one: fewer OR terms in every query.
        kept: list[str] = []
        for path in unique:
            if not any(path.startswith(prefix) for prefix in kept):
                kept.append(path)
        self.paths: tuple[str, ...] = tuple(kept)

    def __bool__(self) -> bool:
        return bool(self.paths)

    def __repr__(self) -> str:
        return f"Scope({self.paths!r})"

    def covers(self, path: str | None) -> bool:
        return bool(path) and any(path.startswith(prefix) for prefix in self.paths)

    def q(self, lookup: str = "path") -> Q:
        if not self.paths:
            return Q(pk__in=[])
        condition = Q()
        for prefix in self.paths:
            condition |= Q(**{f"{lookup}__startswith": prefix})
        return condition


def grants(user) -> list[Grant]:
    """The user's grants, computed once per request (cached on the user object)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    cached = getattr(user, "_scope_grants", None)
    if cached is None:
        cached = list(_grant_provider(user)) if _grant_provider else []
        user._scope_grants = cached
    return cached


def forget(user) -> None:
    """Drop the cached grants after the user's role assignments changed."""
    for attribute in ("_scope_grants",):
        if hasattr(user, attribute):
            delattr(user, attribute)


def scope_for(user, action: str) -> Scope:
    if action not in _actions:
        raise LookupError(f"unknown action {action!r}")
    token_scopes = getattr(user, "_api_token_scopes", None)
    if token_scopes is not None and _actions[action].token_scope not in token_scopes:
        return Scope(())
    return Scope(grant.path for grant in grants(user) if action in grant.actions)


def has_action(user, action: str) -> bool:
    """Whether the user may perform the action anywhere at all (navigation, page gates)."""
    return bool(scope_for(user, action))


def restrict(
    user, action: str, queryset: models.QuerySet | None = None, model: type[models.Model] | None = None
) -> models.QuerySet:
    """``queryset`` (or all of ``model``) narrowed to what ``user`` may ``action``."""
    if queryset is None:
        if model is None:
            raise TypeError("restrict() needs a queryset or a model")
        queryset = model._default_manager.all()
    lookup = path_lookup_for(queryset.model)
    return queryset.filter(scope_for(user, action).q(lookup))


def _path_of(obj: models.Model) -> str | None:
    value: object = obj
    for part in path_lookup_for(type(obj)).split("__"):
        value = getattr(value, part, None)
        if value is None:
            return None
    return str(value)


def can(user, action: str, obj: models.Model) -> bool:
    return scope_for(user, action).covers(_path_of(obj))


def require(user, action: str, obj: models.Model) -> None:
    """Refuse unless ``user`` may ``action`` on ``obj``.

    An object the user may not even view answers "not found", so a denial does not reveal that
    it exists; one the user can view but not change answers "forbidden".

    ``user`` None is the platform itself (management commands, scheduled jobs): never a request.
    """
    if user is None or can(user, action, obj):
        return
    view_action = action.rsplit(".", 1)[0] + ".view"
    if view_action != action and view_action in _actions and can(user, view_action, obj):
        raise ScopeDenied(_("You do not have permission to do this here."))
    raise NotFoundError(_("Not found, or outside the organisations you manage."))


def ensure_in_scope(user, action: str, obj: models.Model) -> None:
    """Re-read ``obj`` from the database (inside the caller's transaction) and refuse if the write
    carried it outside the user's scope; the caller's transaction then rolls back."""
    if user is None:
        return
    model = type(obj)
    visible = model._default_manager.filter(pk=obj.pk).filter(scope_for(user, action).q(path_lookup_for(model)))
    if not visible.exists():
        raise ScopeDenied(_("This change would move the record outside the organisations you manage."))


def get_in_scope(user, action: str, model: type[models.Model], **lookup) -> models.Model:
    """Fetch one object the user may ``action``, or raise NotFoundError."""
    try:
        return restrict(user, action, model=model).get(**lookup)
    except model.DoesNotExist:
        raise NotFoundError(_("Not found, or outside the organisations you manage.")) from None


def require_action(user, action: str) -> None:
    """Refuse a user who may not perform ``action`` anywhere (list pages and list endpoints)."""
    if not has_action(user, action):
        raise ScopeDenied(_("You do not have permission to do this here."))
