from django.urls import path

from . import views

app_name = "development"
urlpatterns = [
    path("", views.applicant_list, name="list"),
    path("todo", views.todo, name="todo"),
    path("new", views.applicant_create, name="create"),
    path("export.xlsx", views.export, name="export"),
    path("<int:pk>/", views.applicant_detail, name="detail"),
    path("<int:pk>/record", views.step_record, name="record"),
    path("<int:pk>/notice", views.notice, name="notice"),
    path("records/<int:pk>/documents", views.document_upload, name="upload"),
    path("documents/<int:pk>", views.document_download, name="document"),
]
