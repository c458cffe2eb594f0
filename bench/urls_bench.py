"""The platform's URLs plus, for the check-in benchmark only, a bare endpoint of the same stack
(Django + django-ninja + the same bearer-token authentication): it does the same check-in code
lookup (parse, load the meeting, verify the HMAC and the time window), finds the caller's member
and inserts one check-in row. No attendee check, no geofence, no audit, no transaction: the floor
that the real endpoint is compared with."""

from django.urls import path
from ninja import NinjaAPI, Schema

from dangjian.accounts.api_auth import TokenAuth
from dangjian.core.api import install_error_handlers
from dangjian.meetings.checkin import meeting_for_code
from dangjian.meetings.models import CheckIn
from dangjian.members.models import Member
from dangjian.urls import urlpatterns as platform_urls

bare = NinjaAPI(title="bench bare", version="bench", urls_namespace="bench_bare", auth=[TokenAuth()], docs_url=None)
install_error_handlers(bare)


class BareIn(Schema):
    code: str


class BareOut(Schema):
    id: int


@bare.post("/checkin", response=BareOut)
def bare_checkin(request, payload: BareIn):
    meeting = meeting_for_code(payload.code)
    member_id = Member.objects.filter(user=request.auth).values_list("pk", flat=True).get()
    row = CheckIn.objects.create(meeting=meeting, member_id=member_id, method="qr")
    return {"id": row.pk}


# After the platform's own patterns, so URL resolution gives the bare endpoint no head start.
urlpatterns = [*platform_urls, path("bench-bare/", bare.urls)]
