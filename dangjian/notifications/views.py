"""Pages: the inbox (通知), mark one read (and open its link), mark all read."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dangjian.core.forms import page_of

from . import selectors, services


@login_required
def inbox(request):
    unread = request.GET.get("unread") == "1"
    return render(
        request,
        "notifications/inbox.html",
        {"page": page_of(request, selectors.inbox(request.user, unread=unread), per_page=20), "unread": unread},
    )


@login_required
@require_POST
def mark_read(request, pk):
    notification = services.notification_mark_read(
        actor=request.user, notification=selectors.notification_get(request.user, pk)
    )
    target = notification.url if request.POST.get("open") == "1" else request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("notifications:inbox")


@login_required
@require_POST
def mark_all_read(request):
    count = services.notification_mark_all_read(actor=request.user)
    if count:
        messages.success(request, _("%(n)d notifications marked read.") % {"n": count})
    return redirect("notifications:inbox")
