from django.urls import path

from . import views

app_name = "minutes"
urlpatterns = [
    path("meetings/<int:meeting_id>/", views.meeting_minutes, name="meeting"),
    path("meetings/<int:meeting_id>/start", views.start, name="start"),
    path("<int:pk>/edit", views.edit, name="edit"),
    path("<int:pk>/attendance", views.attendance, name="attendance"),
    path("<int:pk>/sign", views.sign, name="sign"),
    path("<int:pk>/correct", views.correct, name="correct"),
    path("<int:pk>/photos", views.photo_add, name="photo_add"),
    path("<int:pk>/attachments", views.attachment_add, name="attachment_add"),
    path("<int:pk>/record.pdf", views.record, {"fmt": "pdf"}, name="pdf"),
    path("<int:pk>/record.docx", views.record, {"fmt": "docx"}, name="docx"),
    path("photos/<int:pk>.jpg", views.photo, name="photo"),
    path("photos/<int:pk>/delete", views.photo_delete, name="photo_delete"),
    path("attachments/<int:pk>", views.attachment, name="attachment"),
    path("attachments/<int:pk>/delete", views.attachment_delete, name="attachment_delete"),
]
