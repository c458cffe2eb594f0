from django.urls import path

from . import views_settings

app_name = "settings"
urlpatterns = [
    path("policies", views_settings.policies_page, name="policies"),
]
