from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ORG_ADMIN = "org_admin", _("Organisation-department administrator")
    SECRETARY = "secretary", _("Branch secretary")
    COMMITTEE_MEMBER = "committee_member", _("Branch committee member")
    MEMBER = "member", _("Party member")
    STATION_MANAGER = "station_manager", _("Station manager")
    SYSTEM_ADMIN = "system_admin", _("System administrator")
    SECURITY_ADMIN = "security_admin", _("Security administrator")
    AUDIT_ADMIN = "audit_admin", _("Audit administrator")


# 三员分立: one person may hold at most one of these.
SEPARATED_ADMIN_ROLES = frozenset({Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN})
# Roles whose holders must use a second factor (TOTP) to log in.
TWO_FACTOR_ROLES = SEPARATED_ADMIN_ROLES | {Role.ORG_ADMIN}


class TokenScope(models.TextChoices):
    ORGS_READ = "orgs:read", _("Read organisations and host entities")
    ORGS_WRITE = "orgs:write", _("Change organisations and host entities")
    ACCOUNTS_READ = "accounts:read", _("Read users and role assignments")
    ACCOUNTS_WRITE = "accounts:write", _("Change users and role assignments")
    SETTINGS_READ = "settings:read", _("Read settings")
    SETTINGS_WRITE = "settings:write", _("Change settings")
    AUDIT_READ = "audit:read", _("Read the audit trail")
    MEMBERS_READ = "members:read", _("Read party members (masked)")
    MEMBERS_WRITE = "members:write", _("Register and change party members")
    MEMBERS_REVEAL = "members:reveal", _("See full ID card and mobile numbers")
    SERVICES_READ = "services:read", _("Read demands, resources and stations")
    SERVICES_WRITE = "services:write", _("Handle demands, resources and stations")
    DUES_READ = "dues:read", _("Read party dues and ledgers")
    DUES_WRITE = "dues:write", _("Record party dues, payments and declarations")
    MEETINGS_READ = "meetings:read", _("Read meetings and attendance")
    MEETINGS_WRITE = "meetings:write", _("Plan meetings and record attendance")
