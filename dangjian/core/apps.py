from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "dangjian.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from . import choice_labels, scope
        from .models import AuditEntry, PolicyValue

        choice_labels.install()
        scope.register_scoped_model(PolicyValue, "scope_path")
        scope.register_scoped_model(AuditEntry, "org_path")
