"""Pages of the personal code: the member's own code (QR, print, reissue), the branch's issue and
revoke buttons on the member page, and the scan page for authorised users."""

from __future__ import annotations

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from dangjian.core import scope
from dangjian.core.errors import DomainError
from dangjian.core.forms import run_service

from . import codes
from .forms import CodeRevokeForm, CodeScanForm
from .models import Member
from .views import _member


def qr_svg(request, token: str) -> str:
    """The QR (inline SVG) of the scan address, so any phone camera opens the scan page."""
    url = request.build_absolute_uri(reverse("members:scan_token", args=[token]))
    return mark_safe(segno.make(url, error="m").svg_inline(scale=5, dark="#000", light="#fff"))  # noqa: S308 segno's own SVG


@login_required
def my_code(request):
    member = Member.objects.select_related("org").filter(user=request.user).first()
    code = codes.current_code(member) if member else None
    if member is not None and request.method == "POST":
        try:
            replaced = code is not None
            code = codes.code_issue(actor=request.user, member=member)
            if replaced:
                messages.success(request, _("A new code was issued; the previous one no longer works."))
            return redirect("members:my_code")
        except DomainError as exc:
            messages.error(request, exc.message)
    token = codes.token_for(code) if code else ""
    return render(
        request,
        "members/my_code.html",
        {"member": member, "code": code, "token": token, "qr": qr_svg(request, token) if token else ""},
    )


@login_required
def member_code(request, pk):
    """The branch's view of a member's code: issue or reissue (to print), revoke."""
    member = _member(request, pk)
    scope.require(request.user, "member.change", member)
    form = CodeRevokeForm(request.POST or None)
    if request.method == "POST":
        if request.POST.get("op") == "issue":
            try:
                codes.code_issue(actor=request.user, member=member)
                messages.success(request, _("A new code was issued; the previous one no longer works."))
                return redirect("members:code", pk=member.pk)
            except DomainError as exc:
                messages.error(request, exc.message)
        elif form.is_valid():
            done = run_service(form, lambda: codes.code_revoke(actor=request.user, member=member, **form.cleaned_data))
            if done is not None:
                messages.success(request, _("The code was revoked."))
                return redirect("members:code", pk=member.pk)
    code = codes.current_code(member)
    token = codes.token_for(code) if code else ""
    return render(
        request,
        "members/code.html",
        {
            "member": member,
            "code": code,
            "token": token,
            "qr": qr_svg(request, token) if token else "",
            "form": form,
            "history": list(member.codes.all()[:10]),
        },
    )


@login_required
def scan(request, token: str = ""):
    """An authorised user (secretary, station manager …) scans a code: the masked card and the
    next steps this user may take, or a clear refusal."""
    scope.require_action(request.user, "member.code_scan")
    form = CodeScanForm(request.POST or None, initial={"token": token})
    if request.method == "POST" and form.is_valid():
        token = form.cleaned_data["token"].strip().rstrip("/").rsplit("/", 1)[-1]
        return redirect("members:scan_token", token=token)
    code = refusal = None
    if token:
        try:
            code = codes.code_scan(actor=request.user, token=token)
        except codes.CodeRefused as exc:
            refusal = exc
    return render(
        request,
        "members/scan.html",
        {
            "form": form,
            "code": code,
            "member": code.member if code else None,
            "refusal": refusal,
            "actions": codes.scan_actions(request.user, code.member) if code else [],
        },
        status=400 if refusal else 200,
    )
