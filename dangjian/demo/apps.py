from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """The demo district: fictional organisations, entities and accounts for every role."""

    name = "dangjian.demo"
    label = "demo"
    verbose_name = _("Demo data")
