"""Pages: the public list of volunteer activities, signing up, the organiser's list, publishing,
and the check-in desk where the organiser scans volunteers' codes."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dangjian.core import scope
from dangjian.core.errors import DomainError
from dangjian.core.forms import page_of, run_service

from . import selectors, services
from .forms import ActivityForm, CancelForm, CheckInForm
from .models import Activity


def activity_list(request):
    """Open activities, soonest first: anyone may browse; signing up needs an account."""
    return render(request, "volunteering/list.html", {"page": page_of(request, selectors.upcoming())})


def detail(request, pk: int):
    activity = selectors.public_detail(pk)
    if activity is None:
        raise Http404
    return render(
        request,
        "volunteering/detail.html",
        {
            "activity": activity,
            "signup": selectors.my_signup(request.user, activity),
            "can_manage": request.user.is_authenticated and scope.can(request.user, "activity.manage", activity),
            "places_left": None if activity.capacity is None else max(activity.capacity - activity.signed_up, 0),
            "is_over": activity.ends_at <= timezone.now(),
        },
    )


@login_required
@require_POST
def signup(request, pk: int):
    activity = selectors.public_detail(pk)
    if activity is None:
        raise Http404
    withdraw = request.POST.get("withdraw") == "1"
    try:
        if withdraw:
            services.signup_withdraw(actor=request.user, activity=activity)
            messages.success(request, _("You have withdrawn. Thank you for letting us know."))
        else:
            services.signup_create(actor=request.user, activity=activity)
            messages.success(request, _("You are signed up. Show your points code to the organiser on the day."))
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("volunteering:detail", pk=pk)


@login_required
def mine(request):
    return render(request, "volunteering/mine.html", selectors.my_activities(request.user))


@login_required
def manage(request):
    scope.require_action(request.user, "activity.manage")
    return render(request, "volunteering/manage.html", {"page": page_of(request, selectors.managed(request.user))})


@login_required
def publish(request):
    scope.require_action(request.user, "activity.manage")
    form = ActivityForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        activity = run_service(form, lambda: services.activity_publish(actor=request.user, **form.cleaned_data))
        if activity is not None:
            messages.success(request, _("Published. Workers can now sign up."))
            return redirect("volunteering:desk", pk=activity.pk)
    return render(request, "volunteering/publish.html", {"form": form})


@login_required
def desk(request, pk: int):
    """The organiser's check-in desk: scan codes one after another, see who has come."""
    activity = scope.get_in_scope(request.user, "activity.manage", Activity, pk=pk)
    form, cancel_form = CheckInForm(), CancelForm(prefix="cancel")
    if request.method == "POST" and request.POST.get("form") == "cancel":
        cancel_form = CancelForm(request.POST, prefix="cancel")
        if cancel_form.is_valid() and run_service(
            cancel_form,
            lambda: services.activity_cancel(actor=request.user, activity=activity, **cancel_form.cleaned_data),
        ):
            messages.success(request, _("The activity has been cancelled."))
            return redirect("volunteering:desk", pk=pk)
    elif request.method == "POST":
        form = CheckInForm(request.POST)
        if form.is_valid():
            done = run_service(
                form, lambda: services.participation_record(actor=request.user, activity=activity, **form.cleaned_data)
            )
            if done is not None:
                if done.points_awarded:
                    text = _("%(name)s is checked in and earned %(n)s points.") % {
                        "name": done.user,
                        "n": done.points_awarded,
                    }
                else:
                    text = _("%(name)s is checked in (today's points limit was already reached).") % {"name": done.user}
                messages.success(request, text)
                return redirect("volunteering:desk", pk=pk)
    activity = selectors.public_detail(pk)
    return render(
        request,
        "volunteering/desk.html",
        {"activity": activity, "form": form, "cancel_form": cancel_form, **selectors.roster(activity)},
    )
