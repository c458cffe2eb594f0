from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TransfersConfig(AppConfig):
    name = "dangjian.transfers"
    label = "transfers"
    verbose_name = _("Relationship transfers")

    def ready(self) -> None:
        from dangjian.accounts.choices import Role as R
        from dangjian.accounts.choices import TokenScope as T
        from dangjian.core import navigation, policy, scope

        managers = [R.ORG_ADMIN, R.SECRETARY]
        # Transfers are member records in motion: they share the members token scopes.
        scope.register_action(
            "transfer.view",
            T.MEMBERS_READ,
            _("View relationship transfers"),
            [R.ORG_ADMIN, R.SECRETARY, R.COMMITTEE_MEMBER],
        )
        scope.register_action("transfer.issue", T.MEMBERS_WRITE, _("Issue relationship transfers"), managers)
        scope.register_action("transfer.accept", T.MEMBERS_WRITE, _("Accept or reject incoming transfers"), managers)
        policy.register(
            "transfers.validity_days_in_city",
            10,
            _("Days a transfer letter is valid within the same city"),
            minimum=1,
            maximum=92,
        )
        policy.register(
            "transfers.validity_days_elsewhere",
            30,
            _("Days a transfer letter is valid elsewhere"),
            minimum=1,
            maximum=92,
        )
        policy.register(
            "transfers.validity_max_months",
            3,
            _("Longest validity of a transfer letter (months)"),
            minimum=1,
            maximum=3,
        )
        navigation.register(_("Transfers"), "transfers:list", "arrow-left-right", "transfer.view", order=16)
