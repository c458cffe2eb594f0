"""Who may read, write and sign a meeting's minutes. Reading and writing follow the scope
(``minutes.view`` / ``minutes.write`` over the meeting's organisation); besides, the meeting's own
host and recorder read its minutes, the recorder writes them, and each signs as themselves."""

from __future__ import annotations

from django.utils.translation import gettext as _

from dangjian.core import scope
from dangjian.core.errors import NotFoundError, ScopeDenied
from dangjian.meetings.models import Meeting

HOST = "host"
RECORDER = "recorder"


def _token_allows(user, action: str) -> bool:
    """An API token acts for its holder only within the scopes it carries, host or not."""
    token_scopes = getattr(user, "_api_token_scopes", None)
    return token_scopes is None or scope.actions()[action].token_scope in token_scopes


def _is(user, member) -> bool:
    return member is not None and user is not None and member.user_id is not None and member.user_id == user.pk


def is_host(user, meeting: Meeting) -> bool:
    return _is(user, meeting.host)


def is_recorder(user, meeting: Meeting) -> bool:
    return _is(user, meeting.recorder)


def can_view(user, meeting: Meeting) -> bool:
    if user is None:
        return True
    return (
        scope.can(user, "minutes.view", meeting)
        or scope.can(user, "minutes.write", meeting)
        or ((is_host(user, meeting) or is_recorder(user, meeting)) and _token_allows(user, "minutes.view"))
    )


def can_write(user, meeting: Meeting) -> bool:
    return (
        user is None
        or (is_recorder(user, meeting) and _token_allows(user, "minutes.write"))
        or scope.can(user, "minutes.write", meeting)
    )


def require_view(user, meeting: Meeting) -> None:
    if not can_view(user, meeting):
        raise NotFoundError(_("Not found, or outside the organisations you manage."))


def require_write(user, meeting: Meeting) -> None:
    require_view(user, meeting)
    if not can_write(user, meeting):
        raise ScopeDenied(_("Only the meeting's recorder or the branch's secretary and committee write the minutes."))


def visible_meeting(user, meeting_id) -> Meeting:
    """The meeting if the user may read its minutes, else NotFoundError (same answer as absent)."""
    meeting = (
        Meeting.objects.select_related("org", "host", "recorder", "lecturer").filter(pk=meeting_id).first()
        if str(meeting_id).isdigit()
        else None
    )
    if meeting is None:
        raise NotFoundError(_("Not found, or outside the organisations you manage."))
    require_view(user, meeting)
    return meeting
