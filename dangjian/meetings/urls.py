from django.urls import path

from . import feeds_views, views

app_name = "meetings"
urlpatterns = [
    path("", views.meeting_list, name="list"),
    path("new", views.meeting_plan, name="plan"),
    path("new-series", views.series_plan, name="plan_series"),
    path("me/", views.my_meetings, name="me"),
    path("me/feed", feeds_views.my_feed, name="my_feed"),
    path("feeds/", feeds_views.org_feeds, name="feeds"),
    path("feed/<str:token>.ics", feeds_views.feed_ics, name="feed"),
    path("c/<str:token>", views.checkin_page, name="checkin"),
    path("scan/<int:member_pk>", views.scan_member, name="scan_member"),
    path("makeups/<int:pk>/complete", views.makeup_complete, name="makeup_complete"),
    path("leaves/<int:pk>/decide", views.leave_decide, name="leave_decide"),
    path("<int:pk>/", views.meeting_detail, name="detail"),
    path("<int:pk>/edit", views.meeting_edit, name="edit"),
    path("<int:pk>/publish", views.meeting_publish, name="publish"),
    path("<int:pk>/cancel", views.meeting_cancel, name="cancel"),
    path("<int:pk>/close", views.meeting_close, name="close"),
    path("<int:pk>/decisions", views.decision_record, name="decision"),
    path("<int:pk>/code", views.code_panel, name="code"),
    path("<int:pk>/quorum", views.quorum_panel, name="quorum"),
    path("<int:pk>/leave", views.leave_ask, name="leave"),
    path("<int:pk>/tick/<int:member_pk>", views.checkin_tick, name="tick"),
    path("<int:pk>/member-code", views.checkin_member_code, name="member_code"),
]
