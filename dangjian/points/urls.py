from django.urls import path

from . import views

app_name = "points"
urlpatterns = [
    path("", views.my_points, name="mine"),
    path("redeem", views.redeem, name="redeem"),
    path("leaderboard/", views.my_leaderboard, name="my_leaderboard"),
    path("leaderboard/<int:org_id>/", views.leaderboard, name="leaderboard"),
]
