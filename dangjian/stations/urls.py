from django.urls import path

from . import views

app_name = "stations"
urlpatterns = [
    path("", views.station_list, name="list"),
    path("manage/", views.manage, name="manage"),
    path("new", views.station_create, name="create"),
    path("<int:pk>/", views.station_detail, name="detail"),
    path("<int:pk>/edit", views.station_edit, name="edit"),
    path("<int:pk>/photos", views.photo_add, name="photo_add"),
    path("photos/<int:pk>.jpg", views.photo, name="photo"),
    path("photos/<int:pk>/delete", views.photo_delete, name="photo_delete"),
]
