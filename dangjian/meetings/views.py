"""Pages of organisational life: the list, planning, the meeting page (live code and quorum),
leave and make-up study, and the member's own page."""

from __future__ import annotations

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dangjian.core import scope
from dangjian.core.errors import DomainError, NotFoundError
from dangjian.core.forms import page_of, run_service
from dangjian.members.models import Member
from dangjian.orgs.models import PartyOrganisation

from . import attendance, checkin, codes, selectors, services
from .choices import AttendeeStatus, MeetingKind, MeetingStatus
from .forms import (
    CancelForm,
    DecisionForm,
    LeaveDecideForm,
    LeaveForm,
    MakeUpForm,
    MeetingForm,
    MemberCodeForm,
    OrgPickForm,
    SeriesForm,
)
from .models import LeaveRequest, MakeUpTask, Meeting
from .quorum import quorum_of


@login_required
def meeting_list(request):
    scope.require_action(request.user, "meeting.view")
    when = request.GET.get("when", "upcoming")
    when = when if when in selectors.WHEN else "upcoming"
    kind = request.GET.get("kind", "")
    kind = kind if kind in MeetingKind.values else ""
    meetings = selectors.meeting_list(request.user, kind=kind, when=when, q=request.GET.get("q", "").strip())
    return render(
        request,
        "meetings/list.html",
        {
            "page": page_of(request, meetings),
            "when": when,
            "kind": kind,
            "kinds": MeetingKind.choices,
            "q": request.GET.get("q", ""),
            "can_manage": scope.has_action(request.user, "meeting.manage"),
        },
    )


def _planning_org(request) -> PartyOrganisation | None:
    """The organisation being planned for: ?org=, or the only one the user manages."""
    managed = scope.restrict(request.user, "meeting.manage", model=PartyOrganisation)
    org_id = request.GET.get("org") or request.POST.get("org_id")
    if org_id and str(org_id).isdigit():
        return managed.filter(pk=org_id).first()
    roots = list(managed.order_by("depth", "path")[:2])
    return roots[0] if len(roots) == 1 else None


def _plan(request, form_class, template: str, make):
    scope.require_action(request.user, "meeting.manage")
    org = _planning_org(request)
    if org is None:
        return render(request, "meetings/pick_org.html", {"form": OrgPickForm(request.GET or None, user=request.user)})
    form = form_class(request.POST or None, org=org)
    if request.method == "POST" and form.is_valid():
        created = run_service(form, lambda: make(org, form))
        if created is not None:
            return created
    return render(request, template, {"form": form, "org": org})


@login_required
def meeting_plan(request):
    def make(org, form):
        starts_at, ends_at = form.times()
        meeting = services.meeting_plan(
            actor=request.user,
            org=org,
            publish=form.cleaned_data["publish"],
            starts_at=starts_at,
            ends_at=ends_at,
            **form.meeting_fields(),
        )
        messages.success(request, _("The meeting was planned."))
        return redirect("meetings:detail", pk=meeting.pk)

    return _plan(request, MeetingForm, "meetings/plan.html", make)


@login_required
def series_plan(request):
    def make(org, form):
        data = form.cleaned_data
        fields = form.meeting_fields()
        fields.pop("kind")
        title = fields.pop("title")
        series = services.series_plan(
            actor=request.user,
            org=org,
            kind=data["kind"],
            title=title,
            frequency=data["frequency"],
            day_of_month=data.get("day_of_month"),
            weekday=data.get("weekday"),
            starts_on=data["starts_on"],
            ends_on=data["ends_on"],
            start_time=data["start_time"],
            duration_minutes=data["duration_minutes"],
            holiday_rule=data["holiday_rule"],
            publish=data["publish"],
            **fields,
        )
        count = series.meetings.count()
        messages.success(request, _("%(n)d meetings were planned.") % {"n": count})
        return redirect(reverse("meetings:list") + "?when=upcoming")

    return _plan(request, SeriesForm, "meetings/plan_series.html", make)


def _context(request, meeting: Meeting) -> dict:
    user = request.user
    member = selectors.my_member(user)
    can_view = scope.can(user, "meeting.view", meeting)
    can_manage = scope.can(user, "meeting.manage", meeting)
    can_checkin = scope.can(user, "meeting.checkin", meeting)
    me = meeting.attendees.filter(member=member).first() if member else None
    now = timezone.now()
    context = {
        "m": meeting,
        "me": me,
        "my_leave": meeting.leaves.filter(member=member).order_by("-requested_at").first() if member else None,
        "can_view": can_view,
        "can_manage": can_manage,
        "can_checkin": can_checkin,
        "can_leave": scope.can(user, "meeting.leave", meeting),
        "quorum": quorum_of(meeting),
        "published": meeting.status == MeetingStatus.PUBLISHED,
        "started": meeting.starts_at <= now,
        "over": meeting.ends_at < now,
        "checkin_open": meeting.status == MeetingStatus.PUBLISHED
        and meeting.starts_at - checkin.OPENS_BEFORE <= now <= meeting.ends_at,
    }
    # Council topics put before this meeting (小哥议事会): the agenda that everyone here may read.
    context["council_topics"] = topics = list(meeting.council_topics.select_related("org").order_by("id"))
    for topic in topics:
        topic.linkable = scope.can(user, "council.view", topic)
    if can_view:
        rows = list(selectors.attendees(meeting))
        by_member = selectors.checkins(meeting)
        for row in rows:
            row.checkin = by_member.get(row.member_id)
        context.update(
            attendees=rows,
            leaves=list(selectors.pending_leaves(meeting)) if context["can_leave"] else [],
            decisions=list(meeting.decisions.all()),
        )
    return context


@login_required
def meeting_detail(request, pk):
    meeting = selectors.meeting_get(request.user, pk)
    context = _context(request, meeting)
    context.update(
        cancel_form=CancelForm(),
        leave_form=LeaveForm(),
        code_form=MemberCodeForm(),
        decision_form=DecisionForm(),
    )
    return render(request, "meetings/detail.html", context)


@login_required
def meeting_edit(request, pk):
    meeting = selectors.meeting_get(request.user, pk)
    scope.require(request.user, "meeting.manage", meeting)
    local_start, local_end = timezone.localtime(meeting.starts_at), timezone.localtime(meeting.ends_at)
    initial = {
        **{f: getattr(meeting, f) for f in ("kind", "title", "mode", "place", "latitude", "longitude", "geofence_m")},
        **{f: getattr(meeting, f) for f in ("online_link", "agenda", "late_after_minutes", "lecturer_name")},
        "host": meeting.host_id,
        "recorder": meeting.recorder_id,
        "lecturer": meeting.lecturer_id,
        "date": local_start.date(),
        "start_time": local_start.time(),
        "end_time": local_end.time(),
    }
    form = MeetingForm(request.POST or None, org=meeting.org, initial=initial)
    form.fields.pop("publish")
    if request.method == "POST" and form.is_valid():
        starts_at, ends_at = form.times()
        done = run_service(
            form,
            lambda: services.meeting_update(
                actor=request.user, meeting=meeting, starts_at=starts_at, ends_at=ends_at, **form.meeting_fields()
            ),
        )
        if done is not None:
            messages.success(request, _("The meeting was changed."))
            return redirect("meetings:detail", pk=meeting.pk)
    return render(request, "meetings/edit.html", {"form": form, "m": meeting})


def _act(request, pk, call, done: str, form_class=None, target=None):
    """Run a POST action on a meeting page; domain refusals come back as a message."""
    meeting = selectors.meeting_get(request.user, pk)
    form = form_class(request.POST) if form_class else None
    if form is not None and not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
        return redirect(target or reverse("meetings:detail", args=[pk]))
    try:
        call(meeting, form.cleaned_data if form else {})
    except DomainError as exc:
        if exc.status in (403, 404):
            raise
        messages.error(request, exc.message)
        return redirect(target or reverse("meetings:detail", args=[pk]))
    messages.success(request, done)
    return redirect(target or reverse("meetings:detail", args=[pk]))


@login_required
@require_POST
def meeting_publish(request, pk):
    return _act(
        request,
        pk,
        lambda m, d: services.meeting_publish(actor=request.user, meeting=m),
        _("Published; the attendees are notified."),
    )


@login_required
@require_POST
def meeting_cancel(request, pk):
    return _act(
        request,
        pk,
        lambda m, d: services.meeting_cancel(actor=request.user, meeting=m, **d),
        _("The meeting was cancelled."),
        CancelForm,
    )


@login_required
@require_POST
def meeting_close(request, pk):
    return _act(
        request,
        pk,
        lambda m, d: services.meeting_close(actor=request.user, meeting=m),
        _("Attendance is closed; absentees and members on leave have a make-up study task."),
    )


@login_required
@require_POST
def decision_record(request, pk):
    return _act(
        request,
        pk,
        lambda m, d: services.decision_record(actor=request.user, meeting=m, **d),
        _("The resolution was recorded."),
        DecisionForm,
    )


@login_required
@require_POST
def checkin_tick(request, pk, member_pk):
    def tick(meeting, data):
        member = Member.objects.filter(pk=member_pk).first()
        if member is None:
            raise NotFoundError(_("Not found, or outside the organisations you manage."))
        checkin.checkin_manual(actor=request.user, meeting=meeting, member=member)

    return _act(request, pk, tick, _("Checked in by hand."), target=request.POST.get("next") or None)


@login_required
@require_POST
def checkin_member_code(request, pk):
    return _act(
        request,
        pk,
        lambda m, d: checkin.checkin_by_member_code(actor=request.user, meeting=m, token=d["token"]),
        _("The member is checked in."),
        MemberCodeForm,
    )


@login_required
@require_POST
def leave_ask(request, pk):
    return _act(
        request,
        pk,
        lambda m, d: attendance.leave_request(actor=request.user, meeting=m, **d),
        _("Your leave request was sent to the secretary."),
        LeaveForm,
    )


@login_required
@require_POST
def leave_decide(request, pk):
    leave = LeaveRequest.objects.select_related("meeting").filter(pk=pk).first()
    if leave is None or not scope.can(request.user, "meeting.view", leave.meeting):
        raise NotFoundError(_("Not found, or outside the organisations you manage."))
    return _act(
        request,
        leave.meeting_id,
        lambda m, d: attendance.leave_decide(actor=request.user, leave=leave, **d),
        _("The leave request was decided."),
        LeaveDecideForm,
    )


def _qr_svg(url: str) -> str:
    return mark_safe(segno.make(url, error="m").svg_inline(scale=6, dark="#000", light="#fff"))  # noqa: S308 segno's own SVG


@login_required
def code_panel(request, pk):
    """The rotating check-in QR (htmx refreshes it); only for those running check-in."""
    meeting = selectors.meeting_get(request.user, pk)
    scope.require(request.user, "meeting.checkin", meeting)
    seconds = codes.window_seconds()
    now = timezone.now()
    context = {"m": meeting, "seconds": seconds}
    try:
        checkin.check_open(meeting, now)
    except DomainError as exc:
        context["closed"] = exc.message
    else:
        token = codes.code_for(meeting)
        context["qr"] = _qr_svg(request.build_absolute_uri(reverse("meetings:checkin", args=[token])))
        context["left"] = seconds - int(now.timestamp()) % seconds
    return render(request, "meetings/_code.html", context)


@login_required
def quorum_panel(request, pk):
    meeting = selectors.meeting_get(request.user, pk)
    return render(request, "meetings/_quorum.html", {"m": meeting, "quorum": quorum_of(meeting)})


@login_required
def checkin_page(request, token):
    """Opened by the phone camera from the meeting's QR: the member confirms (sending the phone's
    location when the meeting checks it)."""
    result, error, created = None, "", False
    try:
        meeting = checkin.meeting_for_code(token)
    except DomainError as exc:
        meeting, error = None, exc.message
    if meeting is not None and request.method == "POST":
        try:
            result, created = checkin.checkin_by_code(
                actor=request.user,
                token=token,
                latitude=request.POST.get("latitude") or None,
                longitude=request.POST.get("longitude") or None,
            )
        except DomainError as exc:
            error = exc.message
    return render(
        request,
        "meetings/checkin.html",
        {"m": meeting, "token": token, "error": error, "result": result, "created": created},
    )


@login_required
def my_meetings(request):
    member = selectors.my_member(request.user)
    from . import feeds

    return render(
        request,
        "meetings/me.html",
        {
            "member": member,
            "upcoming": selectors.my_upcoming(request.user),
            "leaves": selectors.my_leaves(request.user),
            "makeups": selectors.my_makeups(request.user),
            "feed": feeds.live_feed(member=member) if member else None,
            "new_feed_url": request.session.pop("meetings_feed_url", ""),
            "makeup_form": MakeUpForm(),
            "statuses": AttendeeStatus,
        },
    )


@login_required
@require_POST
def makeup_complete(request, pk):
    task = MakeUpTask.objects.filter(pk=pk).first()
    form = MakeUpForm(request.POST)
    if task is None:
        raise NotFoundError(_("Not found, or outside the organisations you manage."))
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
        return redirect("meetings:me")
    try:
        attendance.makeup_complete(actor=request.user, task=task, **form.cleaned_data)
    except DomainError as exc:
        if exc.status in (403, 404):
            raise
        messages.error(request, exc.message)
        return redirect("meetings:me")
    messages.success(request, _("Your make-up study is recorded."))
    return redirect("meetings:me")


@login_required
def scan_member(request, member_pk):
    """After scanning a member's personal code: the meetings open now where the member is expected."""
    member = Member.objects.filter(pk=member_pk).first()
    if member is None:
        raise NotFoundError(_("Not found, or outside the organisations you manage."))
    meetings = selectors.todays_meetings_for(request.user, member)
    return render(request, "meetings/scan_member.html", {"member": member, "meetings": meetings})
