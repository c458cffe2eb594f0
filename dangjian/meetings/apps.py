from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeetingsConfig(AppConfig):
    name = "dangjian.meetings"
    label = "meetings"
    verbose_name = _("Organisational life")

    def ready(self) -> None:
        from dangjian.accounts.choices import Role as R
        from dangjian.accounts.choices import TokenScope as T
        from dangjian.core import navigation, policy, scope

        from .models import Attendee, CheckIn, Decision, LeaveRequest, MakeUpTask, Meeting, MeetingSeries

        scope.register_scoped_model(Meeting, "org__path")
        scope.register_scoped_model(MeetingSeries, "org__path")
        scope.register_scoped_model(Attendee, "meeting__org__path")
        scope.register_scoped_model(CheckIn, "meeting__org__path")
        scope.register_scoped_model(LeaveRequest, "meeting__org__path")
        scope.register_scoped_model(MakeUpTask, "meeting__org__path")
        scope.register_scoped_model(Decision, "meeting__org__path")
        managers = [R.ORG_ADMIN, R.SECRETARY]
        scope.register_action(
            "meeting.view",
            T.MEETINGS_READ,
            _("View meetings and attendance"),
            [R.ORG_ADMIN, R.SECRETARY, R.COMMITTEE_MEMBER],
        )
        scope.register_action("meeting.manage", T.MEETINGS_WRITE, _("Plan, publish and cancel meetings"), managers)
        scope.register_action(
            "meeting.checkin",
            T.MEETINGS_WRITE,
            _("Run check-in at meetings (show the code, scan members, tick by hand)"),
            [R.ORG_ADMIN, R.SECRETARY, R.COMMITTEE_MEMBER],
        )
        scope.register_action("meeting.leave", T.MEETINGS_WRITE, _("Approve or reject leave from meetings"), managers)
        policy.register(
            "meetings.code_window_seconds",
            30,
            _("Seconds each check-in code is shown before it changes"),
            minimum=10,
            maximum=300,
        )
        navigation.register(_("Organisational life"), "meetings:list", "calendar-event", "meeting.view", order=18)
        from django.urls import reverse

        from dangjian.members import codes

        codes.register_scan_action(
            _("Check in to a meeting"),
            lambda m: reverse("meetings:scan_member", args=[m.pk]),
            # No query here (the scan page's budget): the next page lists the meetings open now.
            lambda user, m: scope.has_action(user, "meeting.checkin"),
            order=20,
        )
