from django.urls import path

from . import views

app_name = "dues"
urlpatterns = [
    path("", views.ledger, name="ledger"),
    path("export.xlsx", views.ledger_export, name="export"),
    path("assess", views.assess, name="assess"),
    path("handover/<int:org_id>", views.handover, name="handover"),
    path("arrears", views.arrears, name="arrears"),
    path("arrears/remind", views.arrears_remind, name="remind"),
    path("reliefs", views.reliefs, name="reliefs"),
    path("rates/", views.rates, name="rates"),
    path("rates/new", views.rate_new, name="rate_new"),
    path("members/<int:pk>/", views.member_account, name="member"),
    path("me/", views.my_dues, name="me"),
    path("sandbox/<str:order_no>", views.sandbox_checkout, name="sandbox"),
]
