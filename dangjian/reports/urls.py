from django.urls import path

from . import views

app_name = "reports"
urlpatterns = [
    path("", views.report_list, name="list"),
    path("new", views.report_new, name="new"),
    path("mine", views.my_reports, name="mine"),
    path("grids/", views.grids, name="grids"),
    path("grids/<int:pk>/enrol", views.grid_enrol, name="grid_enrol"),
    path("photos/<int:pk>.jpg", views.photo, name="photo"),
    path("<int:pk>/", views.report_detail, name="detail"),
]
