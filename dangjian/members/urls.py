from django.urls import path

from . import views, views_codes, views_excel, views_finding, views_flowing, views_lost

app_name = "members"
urlpatterns = [
    path("", views.member_list, name="list"),
    path("new", views.member_create, name="create"),
    path("me/", views.my_record, name="me"),
    path("<int:pk>/consents", views.consent_add, name="consent_add"),
    path("consents/<int:pk>/withdraw", views.consent_withdraw, name="consent_withdraw"),
    path("import/", views_excel.import_upload, name="import"),
    path("import/template.xlsx", views_excel.import_template, name="import_template"),
    path("import/<int:pk>/", views_excel.import_job, name="import_job"),
    path("import/<int:pk>/retry/", views_excel.import_retry, name="import_retry"),
    path("export.xlsx", views_excel.export, name="export"),
    path("lost-contact/", views_lost.lost_list, name="lost_list"),
    path("<int:pk>/lost-contact", views_lost.lost_case, name="lost_case"),
    path("flowing/", views_flowing.flow_list, name="flow_list"),
    path("flowing/in", views_flowing.flow_in, name="flow_in"),
    path("flowing/<int:pk>/", views_flowing.flow_record, name="flow_record"),
    path("<int:pk>/flow", views_flowing.flow_out, name="flow_out"),
    path("join/<str:token>", views_finding.join, name="join"),
    path("join/<str:token>/orgs", views_finding.join_orgs, name="join_orgs"),
    path("join-code", views_finding.join_code, name="join_code"),
    path("registrations/", views_finding.lead_list, name="leads"),
    path("registrations/<int:pk>/decide", views_finding.lead_decide, name="lead_decide"),
    path("me/code", views_codes.my_code, name="my_code"),
    path("<int:pk>/code", views_codes.member_code, name="code"),
    path("scan", views_codes.scan, name="scan"),
    path("scan/<str:token>", views_codes.scan, name="scan_token"),
    path("<int:pk>/", views.member_detail, name="detail"),
    path("<int:pk>/edit", views.member_edit, name="edit"),
    path("<int:pk>/status", views.member_status, name="status"),
]
