"""Users, role assignments over organisation subtrees, API tokens and login failures."""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import Role


class User(AbstractUser):
    """A login account. Permissions come only from :class:`RoleAssignment` rows, never from
    Django's is_staff / is_superuser flags, which the platform does not use."""

    mobile = models.CharField(_("mobile number"), max_length=11, blank=True, default="")
    display_name = models.CharField(_("full name"), max_length=50, blank=True, default="")
    home_org = models.ForeignKey(
        "orgs.PartyOrganisation",
        verbose_name=_("home organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="accounts",
        help_text=_("The organisation this account belongs to; it decides who may manage the account."),
    )
    elder_mode = models.BooleanField(_("elder mode"), default=False)
    language = models.CharField(_("language"), max_length=10, blank=True, default="")
    totp_secret = models.CharField(_("TOTP secret (encrypted)"), max_length=200, blank=True, default="")
    totp_confirmed_at = models.DateTimeField(_("TOTP enrolled at"), null=True, blank=True)
    totp_last_step = models.BigIntegerField(_("last TOTP step used"), default=0)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(fields=["mobile"], condition=~models.Q(mobile=""), name="user_mobile_unique"),
            models.UniqueConstraint(Lower("username"), name="user_username_ci_unique"),
        ]

    def __str__(self) -> str:
        return self.display_name or self.username

    @property
    def has_totp(self) -> bool:
        return bool(self.totp_secret and self.totp_confirmed_at)


class RoleAssignment(models.Model):
    """Binds a user to a role over an organisation and its whole subtree."""

    user = models.ForeignKey(User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="role_assignments")
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    org = models.ForeignKey(
        "orgs.PartyOrganisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="role_assignments",
    )
    granted_by = models.ForeignKey(
        User, verbose_name=_("granted by"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    granted_at = models.DateTimeField(_("granted at"), default=timezone.now)
    note = models.CharField(_("note"), max_length=200, blank=True, default="")

    class Meta:
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        ordering = ["user_id", "role"]
        constraints = [
            models.UniqueConstraint(fields=["user", "role", "org"], name="role_assignment_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.org}"


class ApiToken(models.Model):
    """A personal API token. Only a hash of the secret is stored; the token is shown once."""

    user = models.ForeignKey(User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=80)
    prefix = models.CharField(_("prefix"), max_length=16, unique=True)
    token_hash = models.CharField(_("hash"), max_length=64)
    scopes = models.JSONField(_("scopes"), default=list)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()


class LoginFailure(models.Model):
    """A failed login, kept to lock an account name or a client address after repeated failures."""

    identifier = models.CharField(_("account name"), max_length=150, db_index=True)
    client_ip = models.CharField(_("client address"), max_length=64, db_index=True)
    created_at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("login failure")
        verbose_name_plural = _("login failures")

    def __str__(self) -> str:
        return f"{self.identifier}@{self.client_ip} {self.created_at:%Y-%m-%d %H:%M}"
