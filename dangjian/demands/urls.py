from django.urls import path

from . import views

app_name = "demands"
urlpatterns = [
    path("", views.demand_list, name="list"),
    path("new/<int:org_id>/", views.submit, name="submit"),
    path("track/", views.track, name="track"),
    path("t/<str:code>/", views.track_code, name="track_code"),
    path("alerts/", views.alert_list, name="alerts"),
    path("rules/", views.rule_list, name="rules"),
    path("rules/<int:pk>/delete", views.rule_delete, name="rule_delete"),
    path("resources/", views.resource_list, name="resources"),
    path("resources/new", views.resource_create, name="resource_create"),
    path("resources/<int:pk>/toggle", views.resource_toggle, name="resource_toggle"),
    path("qr/<int:org_id>.svg", views.intake_qr, name="qr"),
    path("photos/<int:pk>.jpg", views.photo, name="photo"),
    path("assist/", views.assist_start, name="assist_start"),
    path("assist/<int:pk>/", views.assist, name="assist"),
    path("<int:pk>/", views.demand_detail, name="detail"),
]
