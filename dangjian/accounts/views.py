"""Pages: login with lockout and the second factor, profile, users, role assignments."""

from __future__ import annotations

import time

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login, logout
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dangjian.core import context, ratelimit, scope
from dangjian.core.errors import DomainError
from dangjian.core.forms import page_of, run_service

from . import selectors, services
from .forms import (
    CodeForm,
    LoginForm,
    PasswordChangeForm,
    PasswordResetForm,
    RoleAssignForm,
    TokenForm,
    UserCreateForm,
    UserEditForm,
)
from .middleware import SESSION_2FA
from .models import ApiToken, RoleAssignment, User
from .roles import requires_second_factor

PENDING_USER = "dangjian_pending_user"
PENDING_AT = "dangjian_pending_at"
PENDING_IDENT = "dangjian_pending_ident"
PENDING_NEXT = "dangjian_pending_next"
PENDING_SECONDS = 300


def _safe_next(request, target: str | None) -> str:
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return reverse(settings.LOGIN_REDIRECT_URL)


def _locked_message() -> str:
    return _("Too many failed attempts. Login is locked for %(m)d minutes; try again later.") % {
        "m": settings.LOGIN_LOCKOUT_MINUTES
    }


def _finish_login(request, user: User, identifier: str, next_url: str):
    login(request, user, backend="dangjian.accounts.backends.UsernameOrMobileBackend")
    request.session[SESSION_2FA] = user.has_totp
    services.login_success_record(user=user, identifier=identifier)
    return redirect(_safe_next(request, next_url))


@ratelimit.limit("login")
def login_view(request):
    if request.user.is_authenticated:
        return redirect(_safe_next(request, request.GET.get("next")))
    form = LoginForm(request.POST or None)
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if request.method == "POST" and form.is_valid():
        identifier = form.cleaned_data["identifier"].strip()
        ip = context.client_ip.get()
        if services.login_locked(identifier=identifier, client_ip=ip):
            form.add_error(None, _locked_message())
        else:
            user = authenticate(request, username=identifier, password=form.cleaned_data["password"])
            if user is None:
                known = User.objects.filter(username__iexact=identifier).select_related("home_org").first()
                services.login_failure_record(identifier=identifier, client_ip=ip, user=known)
                form.add_error(None, _("The user name, mobile number or password is not correct."))
            elif requires_second_factor(user):
                request.session.cycle_key()
                request.session.update(
                    {
                        PENDING_USER: user.pk,
                        PENDING_AT: int(time.time()),
                        PENDING_IDENT: identifier,
                        PENDING_NEXT: next_url,
                    }
                )
                return redirect("accounts:second_factor")
            else:
                return _finish_login(request, user, identifier, next_url)
    return render(request, "accounts/login.html", {"form": form, "next": next_url})


def _pending_user(request) -> User | None:
    user_id = request.session.get(PENDING_USER)
    started = request.session.get(PENDING_AT, 0)
    if not user_id or time.time() - started > PENDING_SECONDS:
        return None
    return User.objects.filter(pk=user_id, is_active=True).select_related("home_org").first()


@ratelimit.limit("login")
def second_factor(request):
    """Ask for the TOTP code, or set TOTP up first when the administrator has none yet."""
    user = _pending_user(request)
    if user is None:
        messages.warning(request, _("Please log in again."))
        return redirect("accounts:login")
    identifier = request.session.get(PENDING_IDENT, user.username)
    form = CodeForm(request.POST or None)
    enrolling = not user.has_totp
    if enrolling and not user.totp_secret:
        services.totp_begin(user=user)
    if request.method == "POST" and form.is_valid():
        ip = context.client_ip.get()
        if services.login_locked(identifier=identifier, client_ip=ip):
            form.add_error(None, _locked_message())
        else:
            call = services.totp_confirm if enrolling else services.totp_verify
            try:
                call(user=user, code=form.cleaned_data["code"])
            except DomainError as exc:
                services.login_failure_record(identifier=identifier, client_ip=ip, user=user)
                form.add_error("code", exc.message)
            else:
                user.refresh_from_db()
                next_url = request.session.get(PENDING_NEXT, "")
                for key in (PENDING_USER, PENDING_AT, PENDING_IDENT, PENDING_NEXT):
                    request.session.pop(key, None)
                response = _finish_login(request, user, identifier, next_url)
                request.session[SESSION_2FA] = True
                return response
    context_data = {"form": form, "enrolling": enrolling, "pending": user}
    if enrolling:
        import pyotp

        secret = services.totp_secret_of(user)
        uri = pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name=settings.TOTP_ISSUER)
        context_data["qr"] = segno.make(uri, error="m").svg_data_uri(scale=5)
        context_data["secret"] = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
    return render(request, "accounts/second_factor.html", context_data)


@require_POST
def logout_view(request):
    logout(request)
    messages.success(request, _("You have logged out."))
    return redirect("accounts:login")


@login_required
def profile(request):
    user = request.user
    password_form = PasswordChangeForm(request.POST if request.POST.get("form") == "password" else None)
    token_form = TokenForm(request.POST if request.POST.get("form") == "token" else None)
    new_token = None
    if request.method == "POST":
        if request.POST.get("form") == "password" and password_form.is_valid():
            done = run_service(
                password_form,
                lambda: (
                    services.password_change(
                        user=user,
                        old_password=password_form.cleaned_data["old_password"],
                        new_password=password_form.cleaned_data["new_password"],
                    )
                    or True
                ),
            )
            if done:
                from django.contrib.auth import update_session_auth_hash

                update_session_auth_hash(request, user)
                messages.success(request, _("Your password was changed."))
                return redirect("accounts:profile")
        elif request.POST.get("form") == "token" and token_form.is_valid():
            created = run_service(token_form, lambda: services.token_create(user=user, **token_form.cleaned_data))
            if created:
                new_token = created[1]
                token_form = TokenForm()
    rows = RoleAssignment.objects.filter(user=user).select_related("org").order_by("role")
    return render(
        request,
        "accounts/profile.html",
        {
            "password_form": password_form,
            "token_form": token_form,
            "new_token": new_token,
            "tokens": ApiToken.objects.filter(user=user),
            "assignments": rows,
            "mobile_masked": selectors.mask_mobile(user.mobile),
        },
    )


@login_required
@require_POST
def token_revoke(request, pk):
    token = ApiToken.objects.filter(pk=pk, user=request.user).first()
    if token is not None:
        services.token_revoke(actor=request.user, token=token)
        messages.success(request, _("The token was revoked."))
    return redirect("accounts:profile")


# --- System administrator: user accounts ---------------------------------------------------------------


@login_required
def user_list(request):
    scope.require_action(request.user, "user.view")
    q = request.GET.get("q", "").strip()
    form = (
        UserCreateForm(request.POST or None, user=request.user)
        if scope.has_action(request.user, "user.manage")
        else None
    )
    if request.method == "POST" and form is not None and form.is_valid():
        created = run_service(form, lambda: services.user_create(actor=request.user, **form.cleaned_data))
        if created is not None:
            messages.success(request, _("Account %(name)s was created.") % {"name": created.username})
            return redirect("accounts:user_edit", pk=created.pk)
    return render(
        request,
        "accounts/user_list.html",
        {"page": page_of(request, selectors.user_list(request.user, q=q)), "q": q, "form": form},
    )


@login_required
def user_edit(request, pk):
    target = scope.get_in_scope(request.user, "user.manage", User, pk=pk)
    form = UserEditForm(
        request.POST if request.POST.get("form") == "edit" else None,
        user=request.user,
        initial={
            "display_name": target.display_name,
            "mobile": target.mobile,
            "is_active": target.is_active,
            "home_org": target.home_org_id,
        },
    )
    reset_form = PasswordResetForm(request.POST if request.POST.get("form") == "reset" else None)
    if request.method == "POST":
        if request.POST.get("form") == "edit" and form.is_valid():
            if run_service(form, lambda: services.user_update(actor=request.user, user=target, **form.cleaned_data)):
                messages.success(request, _("Changes saved."))
                return redirect("accounts:user_edit", pk=target.pk)
        elif request.POST.get("form") == "reset" and reset_form.is_valid():
            password = reset_form.cleaned_data["password"]
            reset = run_service(
                reset_form,
                lambda: services.user_reset_password(actor=request.user, user=target, password=password) or True,
            )
            if reset:
                messages.success(request, _("The password was reset."))
                return redirect("accounts:user_edit", pk=target.pk)
    return render(
        request,
        "accounts/user_edit.html",
        {
            "target": target,
            "form": form,
            "reset_form": reset_form,
            "mobile_masked": selectors.mask_mobile(target.mobile),
        },
    )


# --- Security administrator: role assignments ------------------------------------------------------------


@login_required
def role_list(request):
    scope.require_action(request.user, "role.view")
    form = RoleAssignForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        target = selectors.user_list(request.user).filter(username__iexact=form.cleaned_data["username"]).first()
        if target is None:
            form.add_error("username", _("No account with this user name in your scope."))
        elif run_service(
            form,
            lambda: services.role_assign(
                actor=request.user,
                user=target,
                role=form.cleaned_data["role"],
                org=form.cleaned_data["org"],
                note=form.cleaned_data["note"],
            ),
        ):
            messages.success(request, _("Role assigned."))
            return redirect("accounts:roles")
    role = request.GET.get("role", "")
    rows = selectors.assignment_list(request.user, role=role)
    return render(request, "accounts/role_list.html", {"page": page_of(request, rows), "form": form, "role": role})


@login_required
@require_POST
def role_revoke(request, pk):
    assignment = scope.get_in_scope(request.user, "role.view", RoleAssignment, pk=pk)
    services.role_revoke(actor=request.user, assignment=assignment)
    messages.success(request, _("Role revoked."))
    return redirect("accounts:roles")


@login_required
@require_POST
def totp_reset(request, pk):
    target = scope.get_in_scope(request.user, "user.view", User, pk=pk)
    services.totp_reset(actor=request.user, user=target)
    messages.success(request, _("Two-factor authentication was reset; the user sets it up again at next login."))
    return redirect("accounts:roles")
