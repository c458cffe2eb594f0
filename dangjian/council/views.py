"""Pages: published council results (public), raising a topic, the managers' list and detail."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from dangjian.core import scope
from dangjian.core.forms import page_of, run_service

from . import services
from .forms import DecideForm, FollowUpForm, ScheduleForm, TopicForm
from .models import Topic, TopicStatus


def published(request):
    """Decisions and follow-ups, public (没有提出人的姓名)."""
    topics = Topic.objects.filter(status__in=[TopicStatus.DECIDED, TopicStatus.DECLINED]).select_related("org")
    return render(request, "council/published.html", {"page": page_of(request, topics.order_by("-decided_at", "-id"))})


@login_required
def raise_topic(request):
    form = TopicForm(request.POST or None)
    if (
        request.method == "POST"
        and form.is_valid()
        and run_service(form, lambda: services.topic_raise(actor=request.user, **form.cleaned_data))
    ):
        messages.success(request, _("Thank you. Your topic went to the council."))
        return redirect("council:mine")
    return render(request, "council/raise.html", {"form": form})


@login_required
def my_topics(request):
    topics = Topic.objects.filter(raised_by=request.user).select_related("org")
    return render(request, "council/mine.html", {"page": page_of(request, topics)})


@login_required
def manage(request):
    scope.require_action(request.user, "council.view")
    topics = scope.restrict(request.user, "council.view", model=Topic).select_related("org")
    return render(request, "council/manage.html", {"page": page_of(request, topics)})


FORMS = {"schedule": ScheduleForm, "decide": DecideForm, "decline": DecideForm, "follow_up": FollowUpForm}
CALLS = {
    "schedule": services.topic_schedule,
    "decide": services.topic_decide,
    "decline": lambda actor, topic, decision: services.topic_decline(actor=actor, topic=topic, reason=decision),
    "follow_up": services.topic_follow_up,
}


def _form(name: str, data, meetings):
    if name == "schedule":
        return ScheduleForm(data, prefix=name, meetings=meetings)
    return FORMS[name](data, prefix=name)


@login_required
def detail(request, pk):
    topic = scope.get_in_scope(request.user, "council.view", Topic, pk=pk)
    meetings = services.schedulable_meetings(request.user, topic)
    forms = {name: _form(name, None, meetings) for name in FORMS}
    if request.method == "POST":
        which = request.POST.get("form", "")
        if which not in FORMS:
            raise Http404
        scope.require(request.user, "council.manage", topic)
        form = forms[which] = _form(which, request.POST, meetings)
        if form.is_valid() and run_service(
            form, lambda: CALLS[which](actor=request.user, topic=topic, **form.cleaned_data)
        ):
            messages.success(request, _("Saved."))
            return redirect("council:detail", pk=topic.pk)
    return render(
        request,
        "council/detail.html",
        {"topic": topic, "forms": forms, "can_manage": scope.can(request.user, "council.manage", topic)},
    )
