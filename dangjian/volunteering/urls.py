from django.urls import path

from . import views

app_name = "volunteering"
urlpatterns = [
    path("", views.activity_list, name="list"),
    path("mine", views.mine, name="mine"),
    path("manage/", views.manage, name="manage"),
    path("manage/new", views.publish, name="publish"),
    path("manage/<int:pk>/", views.desk, name="desk"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/signup", views.signup, name="signup"),
]
