from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "dangjian.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from dangjian.core import crypto, navigation, scope

        from . import roles
        from .choices import Role, TokenScope
        from .models import RoleAssignment, User
        from .services import TOTP_CONTEXT

        scope.register_grant_provider(roles.grants_of)
        crypto.register_encrypted_column(User, "totp_secret", TOTP_CONTEXT)
        scope.register_scoped_model(User, "home_org__path")
        scope.register_scoped_model(RoleAssignment, "org__path")
        r = Role
        scope.register_action(
            "user.view", TokenScope.ACCOUNTS_READ, _("View user accounts"), [r.SYSTEM_ADMIN, r.SECURITY_ADMIN]
        )
        scope.register_action(
            "user.manage", TokenScope.ACCOUNTS_WRITE, _("Create and change user accounts"), [r.SYSTEM_ADMIN]
        )
        scope.register_action("role.view", TokenScope.ACCOUNTS_READ, _("View role assignments"), [r.SECURITY_ADMIN])
        scope.register_action(
            "role.manage", TokenScope.ACCOUNTS_WRITE, _("Assign and revoke roles"), [r.SECURITY_ADMIN]
        )
        navigation.register(_("Users"), "accounts:users", "people", "user.view", order=70)
        navigation.register(_("Roles"), "accounts:roles", "shield-lock", "role.view", order=80)
        scope.register_action(
            "policy.view", TokenScope.SETTINGS_READ, _("View settings"), [r.SYSTEM_ADMIN, r.SECURITY_ADMIN, r.ORG_ADMIN]
        )
        scope.register_action("policy.change", TokenScope.SETTINGS_WRITE, _("Change settings"), [r.SYSTEM_ADMIN])
