from django.urls import path

from . import views

app_name = "compliance"
urlpatterns = [
    path("", views.table, name="table"),
    path("alerts", views.alerts, name="alerts"),
    path("orgs/<int:org_id>/", views.book, name="book"),
]
