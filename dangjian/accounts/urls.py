from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("login/second-factor", views.second_factor, name="second_factor"),
    path("logout/", views.logout_view, name="logout"),
    path("profile/", views.profile, name="profile"),
    path("tokens/<int:pk>/revoke", views.token_revoke, name="token_revoke"),
    path("users/", views.user_list, name="users"),
    path("users/<int:pk>/", views.user_edit, name="user_edit"),
    path("users/<int:pk>/reset-2fa", views.totp_reset, name="totp_reset"),
    path("roles/", views.role_list, name="roles"),
    path("roles/<int:pk>/revoke", views.role_revoke, name="role_revoke"),
]
