"""Quorum and participation of a meeting, counted from its stored attendee rows (DOMAIN §4).

- Branch general meeting: more than half of the members with a vote are present.
- Branch committee meeting: more than half of the committee members are present.
- Other kinds need no quorum; their participation rate is shown, against the 85% target for
  themed party days. All counts are integers and the comparison is exact (2 × present > body)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Q

from .choices import QUORUM_KINDS, AttendeeStatus, MeetingKind
from .models import Attendee, Meeting

PARTICIPATION_TARGET = Decimal(85)


@dataclass(frozen=True)
class Quorum:
    required: bool
    body: int  # members counted for the quorum (voting members, or the committee)
    present: int  # of them present
    expected: int  # every expected attendee
    attended: int  # every attendee present (with or without a vote)
    on_leave: int
    late: int

    @property
    def met(self) -> bool:
        """More than half: exact integer comparison. A body of 0 never has a quorum."""
        return self.body > 0 and 2 * self.present > self.body

    @property
    def needed(self) -> int:
        """Present members the quorum needs (the smallest number above half)."""
        return self.body // 2 + 1

    @property
    def rate(self) -> Decimal:
        """Participation in percent, one decimal (present ÷ expected)."""
        if not self.expected:
            return Decimal("0.0")
        return (Decimal(100 * self.attended) / self.expected).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)

    @property
    def target(self) -> Decimal | None:
        return PARTICIPATION_TARGET if self._kind == MeetingKind.THEMED_DAY else None

    @property
    def below_target(self) -> bool:
        return self.target is not None and self.rate < self.target

    _kind: str = ""


def quorum_of(meeting: Meeting) -> Quorum:
    """One aggregate query over the meeting's attendees and check-ins."""
    present = Q(status=AttendeeStatus.PRESENT)
    body_filter = Q(in_committee=True) if meeting.kind == MeetingKind.COMMITTEE else Q(has_vote=True)
    row = Attendee.objects.filter(meeting=meeting).aggregate(
        expected=Count("id"),
        attended=Count("id", filter=present),
        on_leave=Count("id", filter=Q(status=AttendeeStatus.LEAVE)),
        body=Count("id", filter=body_filter),
        body_present=Count("id", filter=body_filter & present),
    )
    late = meeting.checkins.filter(late=True).count()
    return Quorum(
        required=meeting.kind in QUORUM_KINDS,
        body=row["body"],
        present=row["body_present"],
        expected=row["expected"],
        attended=row["attended"],
        on_leave=row["on_leave"],
        late=late,
        _kind=meeting.kind,
    )
