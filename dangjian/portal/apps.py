from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    """Pages and endpoints that gather several apps: home, preferences, settings per region."""

    name = "dangjian.portal"
    label = "portal"
    verbose_name = _("Portal")

    def ready(self) -> None:
        from dangjian.core import navigation

        navigation.register(_("Settings"), "settings:policies", "sliders", "policy.view", order=90)
