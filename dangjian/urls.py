"""URL configuration: pages per app, the JSON API under /api/v1/."""

from django.urls import include, path

from dangjian.api import api
from dangjian.core import views as core_views
from dangjian.portal import views as portal_views
from dangjian.stations import views as station_views

urlpatterns = [
    path("", portal_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("preferences", portal_views.preferences, name="preferences"),
    path("settings/", include("dangjian.portal.urls")),
    path("accounts/", include("dangjian.accounts.urls")),
    path("orgs/", include("dangjian.orgs.urls")),
    path("members/", include("dangjian.members.urls")),
    path("dues/", include("dangjian.dues.urls")),
    path("meetings/", include("dangjian.meetings.urls")),
    path("audit/", include("dangjian.audit.urls")),
    path("transfers/", include("dangjian.transfers.urls")),
    path("notifications/", include("dangjian.notifications.urls")),
    path("development/", include("dangjian.development.urls")),
    path("demands/", include("dangjian.demands.urls")),
    path("services/", station_views.hub, name="services_hub"),
    path("stations/", include("dangjian.stations.urls")),
    path("reports/", include("dangjian.reports.urls")),
    path("points/", include("dangjian.points.urls")),
    path("council/", include("dangjian.council.urls")),
    path("volunteering/", include("dangjian.volunteering.urls")),
    path("minutes/", include("dangjian.minutes.urls")),
    path("compliance/", include("dangjian.compliance.urls")),
    path("api/v1/", api.urls),
]

handler400 = "dangjian.core.views.bad_request"
handler403 = "dangjian.core.views.permission_denied"
handler404 = "dangjian.core.views.page_not_found"
handler500 = "dangjian.core.views.server_error"
