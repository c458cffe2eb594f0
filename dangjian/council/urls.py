from django.urls import path

from . import views

app_name = "council"
urlpatterns = [
    path("", views.published, name="published"),
    path("new", views.raise_topic, name="raise"),
    path("mine", views.my_topics, name="mine"),
    path("manage/", views.manage, name="manage"),
    path("<int:pk>/", views.detail, name="detail"),
]
