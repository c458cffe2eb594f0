from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    """Reading the audit trail (the audit administrator's duty). Entries are written by core.audit."""

    name = "dangjian.audit"
    label = "audit"
    verbose_name = _("Audit trail")

    def ready(self) -> None:
        from dangjian.accounts.choices import Role, TokenScope
        from dangjian.core import navigation, scope

        scope.register_action("audit.view", TokenScope.AUDIT_READ, _("Read the audit trail"), [Role.AUDIT_ADMIN])
        navigation.register(_("Audit trail"), "audit:entries", "journal-check", "audit.view", order=85)
