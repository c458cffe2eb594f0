from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "dangjian.notifications"
    label = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from dangjian.accounts.backends import register_user_annotation

        from .selectors import unread_count_expression

        register_user_annotation("notifications_unread_count", unread_count_expression)
