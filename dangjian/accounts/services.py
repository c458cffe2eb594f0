"""Every write to accounts: users, roles, tokens, second factor, preferences, login failures."""

from __future__ import annotations

import secrets
from datetime import timedelta

import pyotp
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.core import audit, crypto, fastsql, scope
from dangjian.core.errors import ConflictError, DomainError, ScopeDenied
from dangjian.core.validators import normalise_mobile, validate_mobile

from .choices import SEPARATED_ADMIN_ROLES, Role, TokenScope
from .models import ApiToken, LoginFailure, RoleAssignment, User

TOKEN_MAX_DAYS = 365
USER_AUDIT_FIELDS = ["username", "display_name", "mobile", "home_org_id", "is_active"]
SENSITIVE = frozenset({"mobile"})


def _check_password(password: str, user: User | None = None) -> None:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise DomainError(" ".join(exc.messages), code="weak_password", field="password") from None


def _clean_mobile(mobile: str) -> str:
    mobile = normalise_mobile(mobile)
    if mobile:
        try:
            validate_mobile(mobile)
        except ValidationError as exc:
            raise DomainError(exc.messages[0], code="invalid_mobile", field="mobile") from None
    return mobile


@transaction.atomic
def user_create(
    *, actor: User | None, username: str, password: str, home_org, display_name: str = "", mobile: str = ""
) -> User:
    """Create an account under ``home_org``; ``actor`` None is the bootstrap command."""
    scope.require(actor, "user.manage", home_org)
    username = username.strip()
    if not username:
        raise DomainError(_("Enter a user name."), field="username")
    if User.objects.filter(username__iexact=username).exists():
        raise ConflictError(_("The user name %(name)s is already taken.") % {"name": username}, field="username")
    mobile = _clean_mobile(mobile)
    if mobile and User.objects.filter(mobile=mobile).exists():
        raise ConflictError(_("This mobile number already belongs to another account."), field="mobile")
    user = User(username=username, display_name=display_name.strip(), mobile=mobile, home_org=home_org)
    _check_password(password, user)
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:
        raise ConflictError(_("The user name or mobile number is already taken.")) from None
    audit.record(
        actor=actor,
        action="user.create",
        obj=user,
        org_path=home_org.path,
        changes=audit.changed_fields({}, audit.snapshot(user, USER_AUDIT_FIELDS), SENSITIVE),
    )
    scope.ensure_in_scope(actor, "user.manage", user)
    return user


@transaction.atomic
def user_update(
    *,
    actor: User,
    user: User,
    display_name: str | None = None,
    mobile: str | None = None,
    home_org=None,
    is_active: bool | None = None,
) -> User:
    scope.require(actor, "user.manage", user)
    user = User.objects.select_for_update().get(pk=user.pk)
    before = audit.snapshot(user, USER_AUDIT_FIELDS)
    if display_name is not None:
        user.display_name = display_name.strip()
    if mobile is not None:
        mobile = _clean_mobile(mobile)
        if mobile and User.objects.filter(mobile=mobile).exclude(pk=user.pk).exists():
            raise ConflictError(_("This mobile number already belongs to another account."), field="mobile")
        user.mobile = mobile
    if home_org is not None and home_org.pk != user.home_org_id:
        scope.require(actor, "user.manage", home_org)
        user.home_org = home_org
    if is_active is not None:
        if user.pk == actor.pk and not is_active:
            raise DomainError(_("You cannot deactivate your own account."), field="is_active")
        user.is_active = is_active
    user.save()
    changes = audit.changed_fields(before, audit.snapshot(user, USER_AUDIT_FIELDS), SENSITIVE)
    audit.record(
        actor=actor,
        action="user.update",
        obj=user,
        org_path=user.home_org.path if user.home_org else "",
        changes=changes,
    )
    scope.ensure_in_scope(actor, "user.manage", user)
    return user


@transaction.atomic
def user_reset_password(*, actor: User, user: User, password: str) -> None:
    scope.require(actor, "user.manage", user)
    _check_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    audit.record(
        actor=actor, action="user.reset_password", obj=user, org_path=user.home_org.path if user.home_org else ""
    )


@transaction.atomic
def password_change(*, user: User, old_password: str, new_password: str) -> None:
    if not user.check_password(old_password):
        raise DomainError(_("Your current password is not correct."), code="wrong_password", field="old_password")
    _check_password(new_password, user)
    user.set_password(new_password)
    user.save(update_fields=["password"])
    audit.record(
        actor=user, action="user.change_password", obj=user, org_path=user.home_org.path if user.home_org else ""
    )


# --- Roles -------------------------------------------------------------------------------------------


@transaction.atomic
def role_assign(*, actor: User | None, user: User, role: str, org, note: str = "") -> RoleAssignment:
    """Bind ``user`` to ``role`` over ``org``'s subtree. Enforces the separation of the three
    administrators (三员分立) and refuses self-assignment."""
    if role not in Role.values:
        raise DomainError(_("Unknown role."), field="role")
    if actor is not None:
        scope.require(actor, "role.manage", org)
        if actor.pk == user.pk:
            raise ScopeDenied(_("You cannot change your own roles; ask another security administrator."))
        scope.require(actor, "user.view", user)
    # Lock the user row so two concurrent grants cannot both pass the separation check.
    User.objects.select_for_update().filter(pk=user.pk).first()
    held = set(RoleAssignment.objects.filter(user=user).values_list("role", flat=True))
    if role in SEPARATED_ADMIN_ROLES and (held & SEPARATED_ADMIN_ROLES) - {role}:
        other = Role((held & SEPARATED_ADMIN_ROLES - {role}).pop()).label
        raise ConflictError(
            _(
                "The system, security and audit administrators must be three different people: "
                "this user is already %(role)s."
            )
            % {"role": other},
            code="separation_of_duties",
            field="role",
        )
    if RoleAssignment.objects.filter(user=user, role=role, org=org).exists():
        raise ConflictError(_("This user already holds this role here."), code="duplicate", field="role")
    assignment = RoleAssignment.objects.create(user=user, role=role, org=org, granted_by=actor, note=note.strip())
    audit.record(
        actor=actor,
        action="role.assign",
        obj=assignment,
        org_path=org.path,
        changes={"user": [None, user.username], "role": [None, role], "org": [None, org.pk]},
    )
    scope.ensure_in_scope(actor, "role.manage", assignment)
    scope.forget(user)
    return assignment


@transaction.atomic
def role_revoke(*, actor: User, assignment: RoleAssignment) -> None:
    scope.require(actor, "role.manage", assignment)
    if assignment.user_id == actor.pk:
        raise ScopeDenied(_("You cannot change your own roles; ask another security administrator."))
    audit.record(
        actor=actor,
        action="role.revoke",
        obj=assignment,
        org_path=assignment.org.path,
        changes={"user": [assignment.user.username, None], "role": [assignment.role, None]},
    )
    assignment.delete()


# --- API tokens --------------------------------------------------------------------------------------


def _token_hash(raw: str) -> str:
    return crypto.keyed_digest(settings.SECRET_KEY.encode(), raw.encode())


@transaction.atomic
def token_create(
    *, user: User, name: str, scopes: list[str], days: int = 90, via_token: ApiToken | None = None
) -> tuple[ApiToken, str]:
    """Create a token; returns it with the raw secret, which is shown once and never stored.

    A request authenticated by a token (``via_token``) may only create tokens with fewer or equal
    scopes and no longer life than its own, so a leaked narrow token cannot widen itself."""
    name = name.strip()
    if not name:
        raise DomainError(_("Give the token a name."), field="name")
    unknown = sorted(set(scopes) - set(TokenScope.values))
    if unknown:
        raise DomainError(_("Unknown scope: %(s)s.") % {"s": ", ".join(unknown)}, field="scopes")
    if not scopes:
        raise DomainError(_("Choose at least one scope."), field="scopes")
    if not 1 <= days <= TOKEN_MAX_DAYS:
        raise DomainError(_("A token lives 1 to %(n)d days.") % {"n": TOKEN_MAX_DAYS}, field="days")
    if via_token is not None:
        wider = sorted(set(scopes) - set(via_token.scopes))
        if wider:
            raise ScopeDenied(
                _("A token cannot create a token with more scopes than its own: %(s)s.") % {"s": ", ".join(wider)},
                field="scopes",
            )
        if timezone.now() + timedelta(days=days) > via_token.expires_at:
            raise ScopeDenied(_("A token cannot create a token that outlives it."), field="days")
    prefix = secrets.token_hex(6)
    raw = f"dj_{prefix}_{secrets.token_urlsafe(32)}"
    token = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=prefix,
        token_hash=_token_hash(raw),
        scopes=sorted(set(scopes)),
        expires_at=timezone.now() + timedelta(days=days),
    )
    audit.record(
        actor=user,
        action="token.create",
        obj=token,
        org_path=user.home_org.path if user.home_org else "",
        changes={"scopes": [None, token.scopes], "days": [None, days]},
    )
    return token, raw


def token_authenticate(raw: str) -> ApiToken | None:
    """The active token for ``raw`` or None. Compares hashes in constant time."""
    parts = raw.split("_", 2)
    if len(parts) != 3 or parts[0] != "dj":
        return None
    # Every API request makes this lookup: SQL built once (core.fastsql), same objects as the ORM's.
    token = fastsql.first_with_related(ApiToken, "user", "prefix", parts[1])
    if token is None or not crypto.constant_time_equal(token.token_hash, _token_hash(raw)):
        return None
    if not token.is_active or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=5):
        # Throttled so that a busy client does not turn every read into a write.
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


@transaction.atomic
def token_revoke(*, actor: User, token: ApiToken) -> None:
    if token.user_id != actor.pk:
        raise ScopeDenied(_("You can only revoke your own tokens."))
    if token.revoked_at is not None:
        return
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit.record(actor=actor, action="token.revoke", obj=token, org_path=actor.home_org.path if actor.home_org else "")


# --- Second factor (TOTP) -----------------------------------------------------------------------------


TOTP_CONTEXT = "accounts.user.totp_secret"


def totp_secret_of(user: User) -> str:
    """The user's TOTP secret in clear (it is stored encrypted, like personal data)."""
    return crypto.decrypt(user.totp_secret, TOTP_CONTEXT) if user.totp_secret else ""


def totp_secret_store(user: User, secret: str) -> None:
    user.totp_secret = crypto.encrypt(secret, TOTP_CONTEXT) if secret else ""


@transaction.atomic
def totp_begin(*, user: User) -> str:
    """Start (or restart) enrolment with a fresh secret; confirmed by :func:`totp_confirm`."""
    if user.has_totp:
        raise ConflictError(_("Two-factor authentication is already set up."))
    secret = pyotp.random_base32()
    totp_secret_store(user, secret)
    user.save(update_fields=["totp_secret"])
    return secret


def _totp_step(user: User, code: str) -> int | None:
    code = (code or "").strip().replace(" ", "")
    if not (code.isdigit() and len(code) == 6) or not user.totp_secret:
        return None
    totp = pyotp.TOTP(totp_secret_of(user))
    now = timezone.now()
    for drift in (0, -1, 1):
        at = now + timedelta(seconds=30 * drift)
        if crypto.constant_time_equal(totp.at(at), code):
            return totp.timecode(at)
    return None


@transaction.atomic
def totp_confirm(*, user: User, code: str) -> None:
    user = User.objects.select_for_update().get(pk=user.pk)
    step = _totp_step(user, code)
    if step is None:
        raise DomainError(
            _("The code is not correct. Check the time on your phone and try the newest code."),
            code="bad_code",
            field="code",
        )
    user.totp_confirmed_at = timezone.now()
    user.totp_last_step = step
    user.save(update_fields=["totp_confirmed_at", "totp_last_step"])
    audit.record(actor=user, action="auth.totp_enrol", obj=user, org_path=user.home_org.path if user.home_org else "")


@transaction.atomic
def totp_verify(*, user: User, code: str) -> None:
    """Check a login code; a code already used (same 30-second step) is refused."""
    user = User.objects.select_for_update().get(pk=user.pk)
    step = _totp_step(user, code)
    if step is None or step <= user.totp_last_step:
        raise DomainError(
            _("The code is not correct. Check the time on your phone and try the newest code."),
            code="bad_code",
            field="code",
        )
    user.totp_last_step = step
    user.save(update_fields=["totp_last_step"])


@transaction.atomic
def totp_reset(*, actor: User, user: User) -> None:
    """A security administrator clears a lost second factor; the user enrols again at next login."""
    if user.home_org is None:
        raise ScopeDenied(_("You do not have permission to do this here."))
    scope.require(actor, "role.manage", user.home_org)
    User.objects.filter(pk=user.pk).update(totp_secret="", totp_confirmed_at=None, totp_last_step=0)
    audit.record(actor=actor, action="auth.totp_reset", obj=user, org_path=user.home_org.path)


# --- Preferences ----------------------------------------------------------------------------------------


def preferences_set(*, user: User, elder_mode: bool | None = None, language: str | None = None) -> None:
    fields = []
    if elder_mode is not None:
        user.elder_mode = elder_mode
        fields.append("elder_mode")
    if language is not None:
        if language not in dict(settings.LANGUAGES):
            raise DomainError(_("Unknown language."), field="language")
        user.language = language
        fields.append("language")
    if fields:
        user.save(update_fields=fields)


# --- Login failures and lockout ------------------------------------------------------------------------


def _window_start():
    return timezone.now() - timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)


def login_locked(*, identifier: str, client_ip: str) -> bool:
    since = _window_start()
    limit = settings.LOGIN_LOCKOUT_FAILURES
    recent = LoginFailure.objects.filter(created_at__gte=since)
    return recent.filter(identifier=identifier.lower()).count() >= limit or (
        bool(client_ip) and recent.filter(client_ip=client_ip).count() >= limit
    )


@transaction.atomic
def login_failure_record(*, identifier: str, client_ip: str, user: User | None) -> None:
    LoginFailure.objects.create(identifier=identifier.lower()[:150], client_ip=client_ip)
    org_path = user.home_org.path if user is not None and user.home_org else ""
    audit.record(
        actor=None,
        action="auth.login_failed",
        object_type="accounts.user",
        object_id=str(user.pk) if user else "",
        object_repr=identifier[:200],
        org_path=org_path,
    )


@transaction.atomic
def login_success_record(*, user: User, identifier: str) -> None:
    LoginFailure.objects.filter(identifier=identifier.lower()).delete()
    User.objects.filter(pk=user.pk).update(last_login=timezone.now())
    audit.record(actor=user, action="auth.login", obj=user, org_path=user.home_org.path if user.home_org else "")


def login_failures_prune() -> int:
    """Delete failures older than the lockout window (run from a periodic job)."""
    deleted, _ = LoginFailure.objects.filter(created_at__lt=_window_start()).delete()
    return deleted
